"""The layout keeps telling where things live: every folder a package, no two modules with one file name."""

from __future__ import annotations

import ast
import tomllib
from collections import Counter
from pathlib import Path

from tests.support import ROOT

PACKAGES = ("wizard", "screens", "storage")
BACKENDS = (("storage", "sqlite"), ("storage", "postgres"))


def _modules() -> list[Path]:
    return [p for top in PACKAGES for p in (ROOT / top).rglob("*.py") if "__pycache__" not in p.parts]


def test_every_folder_of_code_is_a_package():
    """A folder without __init__.py is a namespace package, which the import-linter contracts do not see."""
    folders = {p.parent for p in _modules()}
    assert sorted(str(f.relative_to(ROOT)) for f in folders if not (f / "__init__.py").exists()) == []


def test_no_two_modules_share_a_file_name():
    """Bar the store backends: each holds the same modules (store, migrations, pages), named by its folder."""
    names = Counter(p.name for p in _modules() if p.name not in ("__init__.py", "__main__.py")
                    and p.parent.relative_to(ROOT).parts not in BACKENDS)
    assert [name for name, n in names.items() if n > 1] == []


def _imported(tree: ast.AST) -> set[str]:
    """Every module a file imports, by its full name (`from tests import x` counts as `tests.x`), and every dotted
    name given to importlib as a string."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("tests."):
            found.add(node.value)
    return found


def test_no_test_imports_another_test_module_or_conftest():
    """What tests share lives in tests/support/; a test module or conftest imported elsewhere runs its tests twice
    and hides what is shared."""
    own = {p.stem for p in (ROOT / "tests").glob("*.py")}
    wrong = {}
    for path in [*(ROOT / "tests").rglob("*.py"), *(ROOT / "bench").rglob("*.py")]:
        for name in _imported(ast.parse(path.read_text(), str(path))):
            parts = name.split(".")
            last = parts[1] if parts[0] == "tests" and len(parts) > 1 else parts[0]
            if (parts[0] == "tests" or last in own) and (last == "conftest" or last.startswith("test_")):
                wrong.setdefault(str(path.relative_to(ROOT)), []).append(name)
    assert wrong == {}


def test_the_support_kits_are_no_tests():
    assert [p.name for p in (ROOT / "tests" / "support").glob("test_*.py")] == []


def _contract(name_start: str) -> dict:
    contracts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    [found] = [c for c in contracts["contracts"] if c["name"].startswith(name_start)]
    return found


def test_every_part_of_wizard_has_its_layer():
    """wizard/ holds the command line and the domain, so the layers contract names wizard's parts one by one (a
    layer cannot contain another): a new module or package of wizard/ must take its place there, or nothing would
    keep it below the screens."""
    layered = {part.strip() for layer in _contract("Layers:")["layers"] for part in layer.split(":")}
    parts = {f"wizard.{p.stem if p.is_file() else p.name}" for p in (ROOT / "wizard").iterdir()
             if p.name != "__init__.py" and (p.suffix == ".py" or (p / "__init__.py").exists())}
    assert parts - layered == set()
    assert {"wizard.cli", "screens", "wizard.desk", "storage"} <= layered


def test_both_front_ends_share_one_door():
    """One list of what a front end may import, for the screens and the command line alike."""
    door = _contract("The front ends")
    assert door["source_modules"] == ["screens", "wizard.cli"]
    assert all(rule.startswith(("** -> ", "wizard.cli.** -> wizard.cli.**")) for rule in door["ignore_imports"])
