"""Meta-tests (the datasette way): every hook is documented, exercised, and the docs run.

Adding a hookspec without a ``### name(args)`` heading in docs/plugins.md or a
``def test_hook_<name>`` test fails here, as does a Python example in the docs that no
longer runs or no longer passes the contract-test kit.
"""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pluggy
import pytest

from musigen_agent import hookspecs
from musigen_agent.testing import HOOK_NAMES, check_plugin
from musigen_agent.testing.checks import PROBLEM_CODES

ROOT = Path(__file__).resolve().parent.parent
DOCS = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
TESTS = Path(__file__).resolve().parent
CODE_BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _specs() -> dict[str, pluggy.HookCaller]:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    return {name: getattr(pm.hook, name) for name in HOOK_NAMES}


def _signature(name: str) -> str:
    spec = _specs()[name].spec
    assert spec is not None
    return f"{name}({', '.join(spec.argnames)})"


def test_hook_names_are_every_hookspec():
    declared = {n for n, f in vars(hookspecs).items() if hasattr(f, f"{hookspecs.PROJECT}_spec")}
    assert set(HOOK_NAMES) == declared and len(HOOK_NAMES) >= 6


@pytest.mark.parametrize("hook", HOOK_NAMES)
def test_every_hook_is_documented_with_its_signature(hook):
    heading = re.compile(rf"^#{{2,4}} {re.escape(_signature(hook))}\s*$", re.M)
    assert heading.search(DOCS), f"docs/plugins.md needs a heading '### {_signature(hook)}'"


@pytest.mark.parametrize("hook", HOOK_NAMES)
def test_every_hook_has_a_test(hook):
    pattern = re.compile(rf"^\s*def test_hook_{hook}(?:_\w+)?\(", re.M)
    found = [p.name for p in TESTS.glob("test_*.py") if pattern.search(p.read_text(encoding="utf-8"))]
    assert found, f"add a test named test_hook_{hook}[_...] that exercises the hook"


def test_instrument_voice_is_firstresult_and_documented_so():
    assert _specs()["instrument_voice"].spec.opts["firstresult"]
    section = DOCS.split("### instrument_voice(instrument)", 1)[1].split("\n## ", 1)[0]
    assert "firstresult" in section and "return" in section.lower()


def test_every_problem_code_is_documented():
    for code in PROBLEM_CODES:
        assert f"| `{code}` |" in DOCS, f"document the problem code {code!r} in docs/plugins.md"


def test_every_documented_env_var_exists():
    from musigen_agent import config

    for var in set(re.findall(r"MUSIGEN_[A-Z_]+", DOCS)):
        assert var in config.__doc__, f"{var} is documented in plugins.md but not read by musigen_agent.config"


@pytest.mark.parametrize("index", range(len(CODE_BLOCK.findall(DOCS))))
def test_docs_example_runs_and_passes_the_kit(index, monkeypatch):
    """Each python block is a module: it must import, run its tests, and pass the kit if it has hooks."""
    monkeypatch.syspath_prepend(str(ROOT / "examples" / "musigen-kalimba"))
    source = CODE_BLOCK.findall(DOCS)[index]
    module = types.ModuleType(f"docs_example_{index}")
    monkeypatch.setitem(sys.modules, module.__name__, module)
    exec(compile(source, f"docs/plugins.md[python block {index}]", "exec"), module.__dict__)
    tests = [f for name, f in vars(module).items() if name.startswith("test_") and callable(f)]
    for test in tests:
        test()
    hooks = [name for name in HOOK_NAMES if hasattr(getattr(module, name, None), f"{hookspecs.PROJECT}_impl")]
    assert hooks or tests, "a docs example should be a plugin or a test"
    if hooks:
        assert check_plugin(module) == []
