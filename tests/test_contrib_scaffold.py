"""``musigen_agent.scaffold.new_plugin``: every kind yields a package that passes its own tests.

Installing a scaffolded package for real is tested in tests/test_contrib_install.py;
here the generated module and test are imported straight from the folder, which is
quick enough to cover all four kinds.
"""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

from musigen_agent.errors import InvalidInput
from musigen_agent.scaffold import KINDS, NAME_PATTERN, new_plugin
from musigen_agent.testing import check_plugin


def _import(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("kind", KINDS)
def test_scaffold_writes_a_package_whose_tests_pass(kind, tmp_path, monkeypatch):
    name = f"new_{kind}"
    project = new_plugin(name, kind, tmp_path)
    assert project == tmp_path / f"musigen-new-{kind}"
    assert {p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file()} == {
        "pyproject.toml",
        "README.md",
        f"musigen_{name}/__init__.py",
        "tests/test_plugin.py",
    }
    meta = tomllib.loads((project / "pyproject.toml").read_text())
    assert meta["project"]["name"] == f"musigen-new-{kind}"
    assert meta["project"]["entry-points"]["musigen_agent"] == {name: f"musigen_{name}"}
    assert f"musigen {kind}s" in (project / "README.md").read_text()

    monkeypatch.syspath_prepend(str(project))
    monkeypatch.delitem(sys.modules, f"musigen_{name}", raising=False)
    plugin = importlib.import_module(f"musigen_{name}")
    assert check_plugin(plugin, name=name) == []
    tests = _import(project / "tests" / "test_plugin.py", f"scaffold_test_{kind}")
    ran = [fn() for attr, fn in vars(tests).items() if attr.startswith("test_")]
    assert len(ran) == 2


@pytest.mark.parametrize("bad", ["Kalimba", "9lives", "has-dash", "x", "a" * 41, "", "thumb piano"])
def test_scaffold_rejects_a_bad_name_naming_field_and_pattern(bad, tmp_path):
    with pytest.raises(InvalidInput) as err:
        new_plugin(bad, "instrument", tmp_path)
    assert err.value.field == "name"
    assert NAME_PATTERN in err.value.message and err.value.allowed == NAME_PATTERN
    assert not any(tmp_path.iterdir())


def test_scaffold_rejects_a_builtin_name(tmp_path):
    with pytest.raises(InvalidInput, match="already a built-in instrument") as err:
        new_plugin("cello", "instrument", tmp_path)
    assert err.value.field == "name"
    new_plugin("cello", "mood", tmp_path)  # names are unique per kind only


def test_scaffold_rejects_an_unknown_kind(tmp_path):
    with pytest.raises(InvalidInput) as err:
        new_plugin("kazoo", "sample_pack", tmp_path)  # type: ignore[arg-type]
    assert err.value.field == "kind" and err.value.allowed == list(KINDS)


def test_scaffold_never_overwrites(tmp_path):
    new_plugin("kazoo", "instrument", tmp_path)
    with pytest.raises(InvalidInput, match="already exists") as err:
        new_plugin("kazoo", "genre", tmp_path)
    assert err.value.field == "dest"


def test_cli_plugin_new(tmp_path):
    import json

    from typer.testing import CliRunner

    from musigen_agent.cli import app

    ok = CliRunner().invoke(app, ["plugin", "new", "kazoo", "--kind", "genre", "--dest", str(tmp_path), "--json"])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["path"] == str(tmp_path / "musigen-kazoo")
    bad = CliRunner().invoke(app, ["plugin", "new", "Kazoo", "--dest", str(tmp_path)])
    assert bad.exit_code == 2 and "(field: name)" in bad.output
