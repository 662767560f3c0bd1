"""The layout keeps telling where things live: every folder a package, no two modules with one file name."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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
