"""Creating the app's folders so that only the owner can read them."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path
from typing import Any


def private_dir(path: Path) -> None:
    """Create `path` (and missing parents) as 0700; a folder that already exists is left as it is."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    for folder in missing:
        folder.chmod(0o700)


def same_file(path: Path, others: Iterable[Path]) -> bool:
    """Whether `path` is one of `others` (the same file by device and inode, whatever the name or link), asked
    with `stat` alone: nothing is opened."""
    try:
        found = path.stat()
    except OSError:
        return False
    for other in others:
        with suppress(OSError):
            if os.path.samestat(found, other.stat()):
                return True
    return False


def write_private(path: Path, text: str) -> None:
    """Replace `path` with `text` at once (a crash leaves the old file or the new one), readable by its owner only."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)


def read_object(path: Path) -> dict[str, Any] | None:
    """The JSON object kept at `path`, or None (no file, unreadable, not an object)."""
    try:
        found = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def keep_object(path: Path, value: dict[str, Any] | None) -> None:
    """Keep `value` at `path` as JSON, owner-only (None: remove it); a file that cannot be written is skipped."""
    with suppress(OSError):
        if value is None:
            path.unlink(missing_ok=True)
        else:
            write_private(path, json.dumps(value, ensure_ascii=False))
