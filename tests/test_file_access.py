"""Only SQLite touches SQLite files (storage's docstring): a scan of the production code's syntax trees finds every
module that can open, read, write or copy a file by any way other than SQLite, and each must be on `ALLOWED`, with
why what it opens is never one of the SQLite files (store, sandbox) nor beside one in a way SQLite relies on.

What counts as file access, however it is spelled: the builtin `open` (any reference, so `o = open` is seen too);
`io` beyond its in-memory streams; importing a module made for files (`shutil`, `builtins`, `codecs`, `fileinput`,
`mmap`, `tempfile`, …); the `os` functions that open or copy (`os.open`, `os.fdopen`, …, through any alias of `os`,
and `os` itself passed around as a value); `Path` methods that open (`read_bytes`, `read_text`, `write_bytes`,
`write_text`, `touch`, and `.open` on anything but the project's own classes with an `open` method); `getattr`,
`__import__` or `import_module` with one of these names. `sqlite3.connect` is not file access here: it is SQLite.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("wizard", "screens", "storage")

FILE_MODULES = frozenset({"_io", "shutil", "builtins", "codecs", "fileinput", "mmap", "tempfile", "posix",
                          "linecache", "filecmp", "zipfile", "tarfile", "gzip", "bz2", "lzma", "dbm", "shelve"})
OS_FILE_CALLS = frozenset({"open", "fdopen", "openpty", "sendfile", "copy_file_range", "splice", "truncate",
                           "popen", "posix_spawn", "system"})
IN_MEMORY_IO = frozenset({"StringIO", "BytesIO"})
"""What `io` may be imported for: text and bytes in memory."""
PATH_FILE_METHODS = frozenset({"read_bytes", "read_text", "write_bytes", "write_text", "open", "touch"})
DYNAMIC = frozenset({"getattr", "__import__", "import_module", "attrgetter", "methodcaller"})

ALLOWED: dict[str, tuple[tuple[str, ...], str]] = {
    "storage.files": (("os.open", "os.fdopen", ".read_text"),
                      "the owner-only folders and the JSON files beside the store (the new customer's draft): "
                      "`write_private` writes a temporary file and renames it; never given an SQLite file"),
    "storage.sqlite.probe": (("os.open",), "creates a store or sandbox file only when absent (O_EXCL): an existing "
                                           "file is never opened"),
    "wizard.flow.doubt": (("os.open", "os.open", ".read_text"),
                          "the journal watermark, a JSON file, and the `.lock` beside it (flock, not SQLite's "
                          "POSIX locks): neither is an SQLite file"),
    "wizard.session.startup": ((".touch", "os.open", "os.open", ".read_text"),
                               "reads config.toml, creates the store's marker and the `welcomed` mark (empty, not "
                               "SQLite) and opens the log file owner-only"),
    "wizard.cli.commands": ((".open", ".open"),
                            "reads the CSV file of `import` and the JSON file of `lint`, which the user names "
                            "(refused by `Desk.is_sqlite_file` before it is opened when it is one of the folder's "
                            "SQLite files)"),
    "wizard.listing": (("os.open", "os.fdopen"),
                       "writes the list's CSV export to a new name of its own (customers-<time>.csv)"),
    "wizard.customer.policy_pages": ((".write_text",), "writes the policy pages into the folder `policy --out` names"),
}
"""Each module that may touch a file: exactly what it does (each access, its count, in any order) and why. A new
access in a listed module (an `open()` slipped into `storage.sqlite.probe`) fails as one in an unlisted module does."""


def modules() -> Iterator[tuple[str, ast.Module]]:
    for top in PACKAGES:
        for path in sorted((ROOT / top).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
            yield name, ast.parse(path.read_text(encoding="utf-8"), str(path))


def own_openers() -> frozenset[str]:
    """The project's classes with a method named `open` (Runtime.open, Startup.open, Sandbox.open …)."""
    return frozenset(node.name for _, tree in modules() for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
                     and any(isinstance(item, ast.FunctionDef) and item.name == "open" for item in node.body))


def file_access(tree: ast.Module, own: frozenset[str]) -> list[str]:
    """Where the module can touch a file other than through SQLite: 'line: what'."""
    aliases = {"os": "os", "io": "io"} | {alias.asname or alias.name: alias.name for node in ast.walk(tree)
                                          if isinstance(node, ast.Import) for alias in node.names
                                          if alias.name in ("os", "io")}
    found: list[str] = []
    receivers: set[int] = set()  # the `os` and `io` names read as `os.attr` (others pass the module around)
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Import):
            found += [f"{line}: import {a.name}" for a in node.names if a.name.split(".")[0] in FILE_MODULES]
        elif isinstance(node, ast.ImportFrom):
            top = (node.module or "").split(".")[0]
            if top in FILE_MODULES:
                found.append(f"{line}: from {node.module} import …")
            elif top in ("os", "io"):
                found += [f"{line}: from {top} import {a.name}" for a in node.names if _file_call(top, a.name)]
        elif isinstance(node, ast.Attribute):
            base = node.value
            if isinstance(base, ast.Name) and base.id in aliases:
                receivers.add(id(base))
                if _file_call(aliases[base.id], node.attr):
                    found.append(f"{line}: {base.id}.{node.attr}")
            elif node.attr in PATH_FILE_METHODS and not _own(base, own):
                found.append(f"{line}: .{node.attr}")
        elif isinstance(node, ast.Name) and node.id == "open":
            found.append(f"{line}: open")
        elif isinstance(node, ast.Call) and _called(node.func) in DYNAMIC:
            names = {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
            if names & (FILE_MODULES | OS_FILE_CALLS | PATH_FILE_METHODS | {"io"}):
                found.append(f"{line}: {_called(node.func)}({', '.join(sorted(names))})")
    found += [f"{n.lineno}: {n.id} as a value" for n in ast.walk(tree)
              if isinstance(n, ast.Name) and n.id in aliases and id(n) not in receivers]
    return found


def _file_call(module: str, name: str) -> bool:
    """Whether `module.name` opens or copies a file (`os`: the listed calls; `io`: all but in-memory streams)."""
    return name in OS_FILE_CALLS | {"*"} if module == "os" else name not in IN_MEMORY_IO


def _called(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _own(receiver: ast.expr, own: frozenset[str]) -> bool:
    name = receiver.id if isinstance(receiver, ast.Name) else receiver.attr if isinstance(receiver, ast.Attribute) \
        else ""
    return name in own


def test_only_the_listed_modules_touch_files_and_each_says_why():
    own = own_openers()
    touching = {name: where for name, tree in modules() if (where := file_access(tree, own))}
    assert {name: where for name, where in touching.items() if name not in ALLOWED} == {}
    assert sorted(set(ALLOWED) - set(touching)) == []  # an entry no longer needed goes
    assert {name: sorted(w.split(": ", 1)[1] for w in where) for name, where in touching.items()} == {
        name: sorted(accesses) for name, (accesses, _) in ALLOWED.items()}


def test_the_scan_sees_through_aliases():
    """The ways around a plain `open(...)` that the scan must still see."""
    own = frozenset({"Runtime"})
    caught = {
        "o = open\no(p)", "import io as j\nj.open(p)", "from io import open as o", "import shutil\nshutil.copy(a, b)",
        "from shutil import copyfile as c", "import os as o\no.open(p, 0)", "from os import fdopen",
        "import os\nf = os\nf.open(p, 0)", "import os\ngetattr(os, 'open')(p, 0)", "p.read_bytes()",
        "Path(p).open('rb')", "x = p.read_text", "p.touch()", "__import__('builtins').open(p)", "import builtins",
        "import importlib\nimportlib.import_module('io')",
    }
    for source in caught:
        assert file_access(ast.parse(source), own), source
    for source in ("Runtime.open(home=h)", "import os\nos.chmod(p, 0o600)",
                   "import sqlite3\nsqlite3.connect(p)", "p.stat().st_size", "os.path.exists(p)",
                   "import io\nio.StringIO(text)", "from io import BytesIO"):
        assert file_access(ast.parse(source), own) == [], source
