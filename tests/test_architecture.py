"""The layering rules of DEVELOPERS.md, checked on the source: adapters (CLI, MCP, HTTP)
call services and never the registry; the core never imports an adapter."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "musigen_agent"
ADAPTERS = [
    PACKAGE / "cli.py",
    PACKAGE / "mcp_server.py",
    *(PACKAGE / "mcp").rglob("*.py"),
    *(PACKAGE / "http").rglob("*.py"),
]
ADAPTER_MODULES = ("cli", "mcp_server", "mcp", "http")


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _imported(tree: ast.Module) -> set[str]:
    """Modules a file imports from the package, relative dots dropped ('..registry' -> 'registry')."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                names |= {module} if module else {a.name for a in node.names}
            elif module.startswith("musigen_agent."):
                names.add(module.removeprefix("musigen_agent."))
    return names


@pytest.mark.parametrize("path", ADAPTERS, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_adapters_reach_the_registry_only_through_services(path: Path) -> None:
    tree = _tree(path)
    touched = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "registry"]
    assert touched == [], f"{path.name} uses .registry at lines {touched}; call a services function"
    assert not {"registry", "sqlite_db", "migrations"} & _imported(tree), f"{path.name} imports the registry layer"


CORE = [p for p in PACKAGE.rglob("*.py") if p not in ADAPTERS and "testing" not in p.parts]


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_core_never_imports_an_adapter(path: Path) -> None:
    reached = {m.split(".")[0] for m in _imported(_tree(path))}
    assert not reached & set(ADAPTER_MODULES), f"{path.relative_to(PACKAGE)} imports {reached & set(ADAPTER_MODULES)}"
