"""External plugin packages, installed for real: built as wheels, installed into a fresh venv.

Nothing here imports the plugin in-process: the only link between musigen and the
plugin is the ``musigen_agent`` entry point in the installed wheel's metadata, which is
what users get from ``pip install``.  The fresh venv has no pip and no packages of its
own: a ``.pth`` file exposes this checkout and the test venv's dependencies (as in
tests/test_plugins.py, which also covers installing musigen-agent itself from a wheel).
Wheels are built with setuptools' PEP 517 backend and installed and uninstalled the
way pip does it for pure-Python wheels (unpack; delete what RECORD lists), which keeps
the module well under 30 s.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from musigen_agent.plugin_manager import ENTRY_POINT_GROUP
from musigen_agent.scaffold import new_plugin

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "musigen-kalimba"


def build_wheel(project: Path, out: Path) -> Path:
    """Build ``project`` into ``out`` with the test venv's setuptools, from a copy (no build/ left behind)."""
    source = shutil.copytree(project, out / "src", ignore=shutil.ignore_patterns("build", "*.egg-info"))
    code = f"from setuptools import build_meta; print(build_meta.build_wheel({str(out)!r}))"
    done = subprocess.run([sys.executable, "-c", code], cwd=source, check=True, capture_output=True, text=True)
    return out / done.stdout.strip().splitlines()[-1]


@dataclass
class Venv:
    """A fresh virtual environment and how to install into it and run musigen in it."""

    path: Path
    site: Path
    home: Path

    def install(self, wheel: Path) -> None:
        """What pip does with a pure-Python wheel: unpack it into site-packages."""
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(self.site)

    def uninstall(self, distribution: str) -> None:
        """What ``pip uninstall`` does: delete every file in the dist's RECORD, then emptied folders."""
        (dist_info,) = self.site.glob(f"{distribution.replace('-', '_')}-*.dist-info")
        files = [self.site / row[0] for row in csv.reader((dist_info / "RECORD").read_text().splitlines()) if row]
        for path in files:
            path.unlink(missing_ok=True)
        for folder in sorted({p.parent for p in files} - {self.site}, key=lambda p: len(p.parts), reverse=True):
            shutil.rmtree(folder / "__pycache__", ignore_errors=True)
            if folder.exists() and not any(folder.iterdir()):
                folder.rmdir()

    def musigen(self, *args: str) -> Any:
        """``python -m musigen_agent.cli ARGS --json --db ...`` with this venv's python, parsed."""
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env.update(MUSIGEN_HOME=str(self.home), PYTHONDONTWRITEBYTECODE="1")
        db = str(self.home / "registry.sqlite")
        done = subprocess.run(
            [str(self.path / "bin" / "python"), "-m", "musigen_agent.cli", *args, "--json", "--db", db],
            capture_output=True,
            text=True,
            env=env,
            cwd=self.home,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def instruments(self) -> dict[str, dict[str, Any]]:
        return {row["name"]: row for row in self.musigen("instruments")}


@pytest.fixture
def venv(tmp_path: Path) -> Venv:
    leaked = [ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)]
    assert not leaked, f"the test venv has musigen plugins installed ({leaked}) that would leak in; uninstall them"
    path = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)], check=True)
    site = Path(
        subprocess.check_output(
            [str(path / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    deps = [p for p in sys.path if p.endswith("site-packages")]  # this venv's, and any its .pth files add
    (site / "deps.pth").write_text("\n".join([str(ROOT), *deps]) + "\n")
    home = tmp_path / "home"
    home.mkdir()
    return Venv(path, site, home)


def test_example_package_installs_composes_and_uninstalls(venv: Venv, tmp_path: Path):
    venv.install(build_wheel(EXAMPLE, tmp_path / "wheel"))

    listed = venv.instruments()
    assert listed["kalimba"]["gm_program"] == 108
    assert listed["kalimba"]["plugin"] == "kalimba"  # the entry-point name
    assert "acoustic_piano" in listed  # the built-ins load beside it

    out = tmp_path / "out"
    view = venv.musigen("compose", "a kalimba lullaby", "--instrument", "kalimba", "--format", "mid", "--out", str(out))
    assert [p["instrument"] for p in view["spec"]["parts"]] == ["kalimba"]
    assert (out / f"{view['track_id']}.mid").stat().st_size > 100

    plugins = {row["name"]: row for row in venv.musigen("plugins")}
    assert plugins["kalimba"]["status"] == "ok" and plugins["kalimba"]["package"] == "musigen-kalimba"
    assert plugins["kalimba"]["provides"] == {"instruments": ["kalimba"], "genres": ["lofi_hip_hop"]}

    venv.uninstall("musigen-kalimba")
    assert not (venv.site / "musigen_kalimba").exists()
    assert "kalimba" not in venv.instruments()


def test_scaffolded_plugin_installs_and_plays(venv: Venv, tmp_path: Path):
    project = new_plugin("glass_harmonica", "instrument", tmp_path / "scaffold")
    venv.install(build_wheel(project, tmp_path / "wheel"))

    assert venv.instruments()["glass_harmonica"]["plugin"] == "glass_harmonica"
    out = str(tmp_path / "out")
    view = venv.musigen("compose", "a short tune", "--instrument", "glass_harmonica", "--format", "mid", "--out", out)
    assert "glass_harmonica" in [p["instrument"] for p in view["spec"]["parts"]]
