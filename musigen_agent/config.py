"""Where things live and which plugins load, from arguments or the environment.

Environment variables (all optional):
``MUSIGEN_HOME`` (default ``~/.musigen``) holds ``registry.sqlite`` and ``renders/``;
``MUSIGEN_DB`` overrides the registry path; ``MUSIGEN_PLUGIN_DIRS`` is a
``os.pathsep``-separated list of folders of plugin ``.py`` files;
``MUSIGEN_DISABLE_PLUGINS`` a comma-separated list of plugin names not to load;
``MUSIGEN_SOUNDFONT`` a .sf2 file replacing the bundled General MIDI soundfont.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    home: Path
    db_path: Path
    plugin_dirs: tuple[Path, ...] = ()
    disabled_plugins: tuple[str, ...] = ()
    soundfont: Path | None = None
    load_entry_points: bool = True
    extra_plugins: tuple[tuple[str, object], ...] = field(default=(), compare=False)

    @property
    def renders_dir(self) -> Path:
        return self.home / "renders"

    @classmethod
    def from_env(cls, db: str | Path | None = None, **overrides: object) -> Settings:
        env = os.environ
        home = Path(env.get("MUSIGEN_HOME") or Path.home() / ".musigen").expanduser()
        db_path = Path(db or env.get("MUSIGEN_DB") or home / "registry.sqlite").expanduser()
        if db is not None or env.get("MUSIGEN_DB"):
            home = db_path.parent if not env.get("MUSIGEN_HOME") else home
        dirs = tuple(Path(p) for p in env.get("MUSIGEN_PLUGIN_DIRS", "").split(os.pathsep) if p)
        disabled = tuple(n.strip() for n in env.get("MUSIGEN_DISABLE_PLUGINS", "").split(",") if n.strip())
        sf = env.get("MUSIGEN_SOUNDFONT")
        values: dict[str, object] = {
            "home": home,
            "db_path": db_path,
            "plugin_dirs": dirs,
            "disabled_plugins": disabled,
            "soundfont": Path(sf) if sf else None,
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
