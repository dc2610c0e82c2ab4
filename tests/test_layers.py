"""The package's layers: every import points down (docs/architecture.md draws them)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "nflscores"

#: Each top-level part of the package and its layer; a module may import its own layer or lower.
LAYERS: dict[str, int] = {
    "domain": 0,
    "metrics": 0,
    "backoff": 0,
    "store": 1,
    "settings": 2,
    "logs": 3,
    "sources": 4,
    "replay": 4,
    "cache": 5,
    "live": 6,
    "web": 7,
    "cli": 8,
}


def part_of(module: str) -> str | None:
    """Return the top-level part a dotted `nflscores.` module belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "nflscores" else None


def runtime_imports(path: Path) -> set[str]:
    """Return the nflscores modules a file imports at run time (not under TYPE_CHECKING)."""
    tree = ast.parse(path.read_text())
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            skipped.update(id(child) for body in node.body for child in ast.walk(body))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("nflscores.")}


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if p.parent != PACKAGE or p.stem in LAYERS)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path: Path) -> None:
    """A module imports only from its own layer or the layers below it."""
    relative = path.relative_to(PACKAGE)
    own = relative.parts[0].removesuffix(".py")
    assert own in LAYERS, f"{relative} is in no layer; add its part to LAYERS"
    for module in runtime_imports(path):
        imported = part_of(module)
        if imported is None or imported not in LAYERS:
            continue
        assert LAYERS[imported] <= LAYERS[own], f"{relative} imports {module}, a higher layer"


def test_every_part_of_the_package_has_a_layer() -> None:
    """No top-level module or package is left out of the layers."""
    parts = {p.stem for p in PACKAGE.glob("*.py")} | {
        p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()
    }
    assert parts - {"__init__", "__main__"} == set(LAYERS)
