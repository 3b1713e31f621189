"""musigen-agent: describe a track in words, refine it, render it.

Plugins import :data:`hookimpl` from here to implement hooks.
"""

from .hookspecs import hookimpl

__version__ = "0.1.0"
__all__ = ["__version__", "hookimpl"]
