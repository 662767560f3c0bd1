"""Creating the app's folders so that only the owner can read them."""

from __future__ import annotations

from pathlib import Path


def private_dir(path: Path) -> None:
    """Create `path` (and missing parents) as 0700; a folder that already exists is left as it is."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(parents=True, exist_ok=True)
    for folder in missing:
        folder.chmod(0o700)
