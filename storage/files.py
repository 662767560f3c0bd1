"""Creating the app's folders so that only the owner can read them."""

from __future__ import annotations

import os
from pathlib import Path


def private_dir(path: Path) -> None:
    """Create `path` (and missing parents) as 0700; a folder that already exists is left as it is."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    for folder in missing:
        folder.chmod(0o700)


def write_private(path: Path, text: str) -> None:
    """Replace `path` with `text` at once (a crash leaves the old file or the new one), readable by its owner only."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)
