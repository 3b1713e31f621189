"""Shared fixtures: an isolated registry per test and a plugin set without third parties."""

from __future__ import annotations

from pathlib import Path

import pytest

from musigen_agent.config import Settings
from musigen_agent.plugin_manager import Plugins, load_plugins

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Never touch the user's ~/.musigen or load their plugins from the environment."""
    monkeypatch.setenv("MUSIGEN_HOME", str(tmp_path / "home"))
    for var in ("MUSIGEN_DB", "MUSIGEN_PLUGIN_DIRS", "MUSIGEN_DISABLE_PLUGINS", "MUSIGEN_SOUNDFONT"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def plugins() -> Plugins:
    return load_plugins(entry_points=False)


@pytest.fixture(scope="session")
def catalog(plugins: Plugins):
    return plugins.catalog


@pytest.fixture
def services(tmp_path: Path):
    from musigen_agent.services import open_services

    return open_services(Settings.from_env(db=tmp_path / "registry.sqlite", load_entry_points=False))
