"""Restore an old backup mid-flow, at every step: the data folder's watermark shows the store is older than what
was sent, every create then looks at Twilio first and adopts what is there: 0 duplicates, one brand fee.

Every test runs on both stores: a backup of the data folder's SQLite file is a consistent copy of it, one of a
team's PostgreSQL database a database made from it as a template, restored under the database's own name."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from tests.support import factories as f
from tests.support.pg import Server
from tests.support.reliability import check_one_of_each
from wizard.cli import main
from wizard.desk import Desk
from wizard.session.locations import Locations
from wizard.session.runtime import Runtime

pytestmark = pytest.mark.slow

ROUNDS = 8


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


class Backup:
    """One backup of the store the commands use (`on_both_stores`: the data folder's file, or A2P_STORE_URL's
    database), taken and later restored over it."""

    def __init__(self, home: Path, url: str | None, server: Server | None) -> None:
        self.store, self.copy = home / "a2p-wizard.db", home.parent / "backup.db"
        self.server = server
        self.database = Server.database_of(url) if url else ""
        self.copy_name = ""

    def take(self) -> None:
        if self.server is None:
            _sqlite_copy(self.store, self.copy)
        else:
            self.copy_name = self.server.create_database(template=self.database)

    def restore(self) -> None:
        if self.server is None:
            _sqlite_copy(self.copy, self.store)
            return
        with self.server.admin() as db:
            db.execute(f'DROP DATABASE "{self.database}" WITH (FORCE)')
            db.execute(f'ALTER DATABASE "{self.copy_name}" RENAME TO "{self.database}"')


def _sqlite_copy(source: Path, target: Path) -> None:
    """A consistent copy, as a backup tool (or the operator restoring one) makes it."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


@pytest.fixture
def backup(isolated: Path, on_both_stores: str | None, request: pytest.FixtureRequest) -> Backup:
    return Backup(isolated, on_both_stores, request.getfixturevalue("postgres") if on_both_stores else None)


def watermark(home: Path) -> Path:
    """The data folder's watermark of the store in use (on PostgreSQL, named by the database's identity)."""
    [mark] = [p for p in home.glob("a2p-wizard.journal-mark*") if not p.name.endswith(".lock")]
    return mark


@pytest.mark.parametrize("restore_at", range(4))  # the flow takes 4 rounds of advance here
def test_restoring_an_old_backup_mid_flow_creates_nothing_twice(tmp_path, capsys, isolated, backup, restore_at):
    path = f.write_csv(tmp_path / "one.csv", [f.csv_row("K1", phone_number="+12065550100")])
    assert run(capsys, "import", str(path))[0] == 0
    warned = False
    for n in range(ROUNDS):
        if n == restore_at:
            backup.take()
        _, out, err = run(capsys, "advance", "K1")
        warned = warned or "older than what was sent" in err
        if n == restore_at:
            backup.restore()  # the advance's calls are now unknown to the store
        row = json.loads(run(capsys, "list", "--json")[1])[0]
        if row["done"]:
            break
        if row["step_status"] == "APPROVED/UNVERIFIED":
            run(capsys, "sandbox", "reply-yes", "K1")
        run(capsys, "sandbox", "clock", "+12h")
    assert row["done"] and warned  # the advances after the restore adopted what Twilio had
    code, out, _ = run(capsys, "reconcile", "--all")
    assert code == 0 and "trusted again" in out
    asyncio.run(_one_of_each(isolated))


async def _one_of_each(home: Path) -> None:
    rt = Runtime.open(home=home, mode="sandbox")
    try:
        assert await check_one_of_each(rt, "K1") == []
        assert not Desk(rt).in_doubt
    finally:
        await rt.aclose()


def test_without_the_watermark_a_restore_creates_nothing_twice_either(tmp_path, capsys, isolated, backup):
    """The same restore with the watermark deleted (what the issue saw send the creates again): the engine looks at
    what Twilio holds before every create (flow.holdings), so the profile is adopted, not made twice."""
    path = f.write_csv(tmp_path / "one.csv", [f.csv_row("K1", phone_number="+12065550100")])
    assert run(capsys, "import", str(path))[0] == 0
    backup.take()
    run(capsys, "advance", "K1")
    backup.restore()
    watermark(isolated).unlink()
    _, out, _ = run(capsys, "advance", "K1")
    assert "found at Twilio: adopted" in out
    dump = json.loads(run(capsys, "sandbox", "dump", "--json")[1])
    assert sum("a2p:K1:" in (p.get("friendly_name") or "") for p in dump["customer_profiles"]) == 1


def test_the_watermark_doubts_a_store_behind_it_an_unreadable_mark_and_keeps_the_doubt_until_cleared(tmp_path, store):
    from wizard.flow.doubt import Watermark

    mark = Watermark(tmp_path / "mark")
    assert mark.check(store) is False  # a new folder
    mark.started(7)  # calls were sent that this (restored) store does not know
    assert mark.check(store) is True and Watermark(tmp_path / "mark").check(store) is True  # kept in the file
    mark.clear(store)
    assert mark.check(store) is False
    (tmp_path / "mark").write_text("{garbage")
    assert Watermark(tmp_path / "mark").check(store) is True  # unreadable: the safe side


def test_reconcile_all_asks_before_billable_work_and_stays_in_doubt_until_it_is_done(tmp_path, capsys, isolated,
                                                                                      backup):
    path = f.write_csv(tmp_path / "one.csv", [f.csv_row("K1", phone_number="+12065550100")])
    assert run(capsys, "import", str(path))[0] == 0
    backup.take()
    assert run(capsys, "advance", "K1")[0] == 0  # profile, bundle and brand go out
    backup.restore()  # the store no longer knows them
    sent = json.loads(run(capsys, "sandbox", "dump", "--json")[1])

    code, out, err = run(capsys, "reconcile", "--all")  # no terminal, no --yes: free work only
    assert code == 0 and "stays in doubt" in err and "trusted again" not in out
    dump = json.loads(run(capsys, "sandbox", "dump", "--json")[1])
    assert dump["brand_registrations"] == sent["brand_registrations"]  # nothing billable was sent
    assert sum("a2p:K1:" in (p.get("friendly_name") or "") for p in dump["customer_profiles"]) == 1  # adopted

    code, out, err = run(capsys, "reconcile", "--all", "--yes")
    assert code == 0 and "trusted again" in out
    asyncio.run(_one_of_each_so_far(isolated))


async def _one_of_each_so_far(home: Path) -> None:
    rt = Runtime.open(home=home, mode="sandbox")
    try:
        dump = Desk(rt).sandbox_dump()
        assert len(dump["brand_registrations"]) == 1 and not Desk(rt).in_doubt
        assert sum("a2p:K1:" in (p.get("friendly_name") or "") for p in dump["customer_profiles"]) == 1
    finally:
        await rt.aclose()


@pytest.mark.parametrize("held", ["-5", '{"journal": -5}', '{"journal": "7"}', '{"journal": true}', "[1]", "null",
                                  '{"journal": 3, "doubt": "no"}', '{"journal": 1e400}', "\x00\xff"])
def test_a_mark_file_holding_no_mark_is_doubt_in_one_line(tmp_path, capsys, isolated, held):
    path = f.write_csv(tmp_path / "one.csv", [f.csv_row("K1", phone_number="+12065550100")])
    assert run(capsys, "import", str(path))[0] == 0
    Locations.resolve(isolated).journal_mark.write_text(held, encoding="utf-8", errors="surrogateescape")
    code, out, err = run(capsys, "advance", "K1")
    assert code == 0 and "Traceback" not in out + err
    assert [line for line in err.splitlines() if line] == [
        "a2p-wizard: this store is older than what was sent to Twilio (a restored backup or a replaced file): every "
        "create looks at Twilio first and adopts what is there. Run `a2p-wizard reconcile --all` once to settle it."]
    assert run(capsys, "reconcile", "--all")[0] == 0  # the way out, as after a restore
    assert "older than" not in run(capsys, "advance", "K1")[2]
