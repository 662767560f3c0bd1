"""Many processes on one data folder: the app's refresh, a shell's `a2p-wizard`, a served tab, all at once.

SQLite keeps its locks as POSIX advisory locks, which a process loses on a file as soon as it closes *any*
descriptor of it (https://www.sqlite.org/howtocorrupt.html, section 2.2). A process that read a store's header with
Python's `open()` while it held connections lost its locks; the next process to close its last connection believed
itself the last user, and removed the `-wal` and `-shm` the first one still wrote to. See storage's docstring.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tests import factories as f
from tests.procskit import deleted_store_files, wizard
from wizard.cli import main
from wizard.session.runtime import Runtime

pytestmark = pytest.mark.usefixtures("on_both_stores")


async def test_the_refresh_apart_then_a_shell_command_leave_the_process_files_and_writes(isolated: Path) -> None:
    """The app's timed refresh (`refresh_all_apart`, which opens a store and a sandbox of its own beside the app's)
    and then `a2p-wizard list` in another terminal: the app's files stay on the disk, its next write is seen."""
    rt = Runtime.open(home=isolated, mode="sandbox")
    try:
        rt.desk.create(f.profile(), key="K1")
        await asyncio.to_thread(rt.desk.refresh_all_apart)
        listed = wizard(isolated, "list", "--json")
        assert listed.returncode == 0, listed.stderr

        deleted = deleted_store_files("self", isolated)
        rt.desk.create(f.profile(email="second@example.com"), key="K2")
        listed = wizard(isolated, "list", "--json")
        assert [row["key"] for row in json.loads(listed.stdout)] == ["K1", "K2"], "the app's write was lost"
        assert deleted == []
    finally:
        await rt.aclose()


@pytest.mark.parametrize(("command", "name"), [("import", "sandbox.db"), ("lint", "sandbox.db-wal"),
                                               ("import", "a2p-wizard.db")])
def test_a_command_never_reads_one_of_the_folders_sqlite_files(isolated: Path, capsys, on_both_stores, command,
                                                               name) -> None:
    """`import` and `lint` read a file the user names: the process holds connections to the folder's SQLite files,
    so one of them (here through a link of another name; made while the command runs) is refused before it is
    opened. On PostgreSQL, where the folder has no store file, the store's case is the sandbox's -shm."""
    assert main(["import", str(f.write_csv(isolated.parent / "one.csv", [f.csv_row("K1")]))]) == 0
    if on_both_stores and name == "a2p-wizard.db":
        name = "sandbox.db-shm"
    link = isolated.parent / "customers.csv"
    link.symlink_to(isolated / name)
    capsys.readouterr()
    assert main([command, str(link)]) == 1
    err = capsys.readouterr().err
    assert f"{link} is one of this data folder's SQLite files" in err and "left untouched" in err
