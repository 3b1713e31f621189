"""The learned backend's core side: MIDI corpus indexing, tokenisation, training, restyle, classification.

Nothing here imports torch at module level: the core (and every surface) must work
without the ``[neural]`` extra, so torch is imported inside the functions that need it
(:mod:`.model`, :mod:`.train`) and the plugin reports itself unavailable when it is
missing (:func:`torch_missing_reason`).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

#: ``progress(fraction 0..1, message)``, the same shape services use.
Progress = Callable[[float, str], None]

UNAVAILABLE = "needs the [neural] extra: pip install 'musigen-agent[neural]'"
#: Shipped weights and their training record (made by ``musigen train``; see docs/neural.md).
DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "neural"


def no_progress(fraction: float, message: str) -> None:
    """Default progress callback: ignore."""


def torch_missing_reason() -> str:
    """Empty when torch can be imported, else why the neural backend cannot run."""
    try:
        found = importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):  # sys.modules["torch"] = None raises here
        found = False
    return "" if found else UNAVAILABLE
