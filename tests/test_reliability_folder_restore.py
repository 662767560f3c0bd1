"""A whole data folder restored from a backup — store, journal mark, logs: everything but Twilio — creates nothing
twice and leaves no customer stuck (issue 20, item 2).

The restored journal mark travels with the folder, so the store does not look older than what was sent: the engine
must know what Twilio holds without being told to doubt. Sandbox mode (the sandbox's own state stands for Twilio and
is not restored) and live mode against the sandbox served on 127.0.0.1 with faults on; and a second data folder
holding the same keys against the same Twilio. These tests use the data folder's SQLite store (a folder backup is a
copy of its file)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import timedelta
from pathlib import Path

import pytest

from tests.support import factories as f
from tests.support.reliability import check_one_of_each, served_sandbox
from tests.support.restore import FolderBackup, advance_rounds, cli, rows
from wizard.sandbox.fake import Sandbox, SandboxError
from wizard.sandbox.faults import FaultPlan
from wizard.session.runtime import Runtime

CUSTOMERS = 8
ROUNDS = 10
EVERY_ROUND = 6
"""Customers of the restore-at-every-round tests."""


def _import(tmp_path: Path, capsys, customers: int = CUSTOMERS) -> list[str]:
    keys = [f"R{n}" for n in range(customers)]
    path = f.write_csv(tmp_path / "batch.csv", [f.csv_row(k, phone_number="buy") for k in keys])
    assert cli(capsys, "import", str(path))[0] == 0
    return keys


async def _promise(home: Path, keys: list[str], sandbox: Sandbox | None = None) -> dict[str, list[str]]:
    rt = Runtime.open(home=home, mode="live" if sandbox else "sandbox")
    try:
        return {k: found for k in keys if (found := await check_one_of_each(rt, k, sandbox))}
    finally:
        await rt.aclose()


def _sandbox_moves(capsys) -> tuple[Callable[[str], None], Callable[[timedelta], None]]:
    """The customer's YES and the sandbox clock moved on, through the command line (sandbox mode)."""

    def reply_yes(key: str) -> None:
        cli(capsys, "sandbox", "reply-yes", key)

    def clock(delta: timedelta) -> None:
        cli(capsys, "sandbox", "clock", f"+{int(delta.total_seconds() // 3600)}h")

    return reply_yes, clock


@contextmanager
def _served(monkeypatch, path: Path, seed: int) -> Iterator[tuple[Sandbox, Callable[[str], None]]]:
    """Live mode against the sandbox served on 127.0.0.1 with faults on (seeded): the served sandbox, and the YES
    of every brand it holds (a live operator cannot reply for one customer by key)."""
    faults = FaultPlan(lost=0.1, server_error=0.05, too_many=0.05, retry_after=0, seed=seed)
    with served_sandbox(path, faults=faults) as live:
        for name, value in live.env.items():
            monkeypatch.setenv(name, value)

        def reply_yes(_key: str) -> None:
            for brand in live.sandbox.dump()["brand_registrations"]:
                with suppress(SandboxError):
                    live.sandbox.reply_yes(brand["sid"])

        yield live.sandbox, reply_yes


def _restore_mid_flight(tmp_path: Path, home: Path, capsys, keys: list[str], reply_yes, clock) -> list[dict]:
    """One round, the folder backed up, every customer to VERIFIED, the folder restored, advanced again."""
    backup = FolderBackup(home, tmp_path / "backup")
    advance_rounds(capsys, 1, reply_yes=reply_yes, clock=clock)
    backup.take()
    rows = advance_rounds(capsys, ROUNDS, reply_yes=reply_yes, clock=clock)
    assert all(r["done"] for r in rows), [(r["key"], r["next_action"]) for r in rows if not r["done"]]
    backup.restore()
    return advance_rounds(capsys, ROUNDS, reply_yes=reply_yes, clock=clock)


def _restore_every_round(backup: FolderBackup, capsys, reply_yes, clock) -> tuple[int, list[dict]]:
    """Each round: the folder copied, one round advanced, the copy restored, the round advanced again; until every
    customer is done. How many rounds it took, and the rows."""
    for restores in range(ROUNDS * 2):
        listed = rows(capsys)
        if all(r["done"] for r in listed):
            return restores, listed
        backup.take()
        advance_rounds(capsys, 1, reply_yes=reply_yes, clock=clock)
        backup.restore()
        advance_rounds(capsys, 1, reply_yes=reply_yes, clock=clock)
    return ROUNDS * 2, rows(capsys)


@pytest.mark.slow
@pytest.mark.parametrize("twilio_too", [True, False], ids=["sandbox-restored-too", "sandbox-kept"])
def test_a_data_folder_restored_at_every_round_in_the_sandbox(tmp_path, capsys, isolated, twilio_too):
    """The whole folder restored after every round: with the sandbox's state in it (what a machine backup holds in
    sandbox mode: Twilio rolls back with the store), and without it (Twilio keeps what the lost round made)."""
    keys = _import(tmp_path, capsys, EVERY_ROUND)
    reply_yes, clock = _sandbox_moves(capsys)
    backup = FolderBackup(isolated, tmp_path / "backup", whole=twilio_too)
    restores, listed = _restore_every_round(backup, capsys, reply_yes, clock)
    assert [(r["key"], r["next_action"]) for r in listed if not r["done"]] == []  # all VERIFIED, none stuck
    # a restore after each of the flow's rounds (steps 1-2, brand, YES, campaign); with Twilio kept, the advance
    # after a restore carries on from where the lost round left Twilio: two rounds a restore
    assert restores >= (4 if twilio_too else 2)
    assert asyncio.run(_promise(isolated, keys)) == {}  # one brand, service, number, campaign each (sandbox dump)


@pytest.mark.slow
def test_a_data_folder_restored_at_every_round_live_against_a_faulty_server(tmp_path, capsys, isolated,
                                                                             monkeypatch):
    with _served(monkeypatch, tmp_path / "twilio" / "sandbox.db", seed=21) as (sandbox, reply_yes):
        keys = _import(tmp_path, capsys, EVERY_ROUND)
        backup = FolderBackup(isolated, tmp_path / "backup", whole=True)  # all of it: Twilio is elsewhere
        restores, listed = _restore_every_round(backup, capsys, reply_yes, sandbox.advance_clock)
        assert [(r["key"], r["next_action"]) for r in listed if not r["done"]] == []
        assert restores >= 2
        assert asyncio.run(_promise(isolated, keys, sandbox)) == {}  # the server's record: one of each


@pytest.mark.slow
def test_a_restored_data_folder_creates_nothing_twice_in_the_sandbox(tmp_path, capsys, isolated):
    keys = _import(tmp_path, capsys)
    reply_yes, clock = _sandbox_moves(capsys)
    rows = _restore_mid_flight(tmp_path, isolated, capsys, keys, reply_yes, clock)
    assert [(r["key"], r["next_action"]) for r in rows if not r["done"]] == []  # nobody stuck on 21711
    assert asyncio.run(_promise(isolated, keys)) == {}  # one brand, service, number, campaign each


@pytest.mark.slow
def test_a_restored_data_folder_creates_nothing_twice_live_against_a_faulty_server(tmp_path, capsys, isolated,
                                                                                     monkeypatch):
    with _served(monkeypatch, tmp_path / "twilio" / "sandbox.db", seed=20) as (sandbox, reply_yes):
        keys = _import(tmp_path, capsys)
        rows = _restore_mid_flight(tmp_path, isolated, capsys, keys, reply_yes, sandbox.advance_clock)
        assert [(r["key"], r["next_action"]) for r in rows if not r["done"]] == []
        assert asyncio.run(_promise(isolated, keys, sandbox)) == {}


@pytest.mark.slow
def test_a_second_data_folder_holding_the_same_keys_creates_nothing_twice(tmp_path, capsys, isolated, monkeypatch):
    """Two data folders, each with its own store, import the same customers against one Twilio (live, the faulty
    server on 127.0.0.1): the first advances a round, the second takes them to VERIFIED, the first finishes too.
    Each adopts what the other made: one brand, service, number and campaign per customer, in both stores."""
    with _served(monkeypatch, tmp_path / "twilio" / "sandbox.db", seed=22) as (sandbox, reply_yes):
        keys = _import(tmp_path, capsys, EVERY_ROUND)
        advance_rounds(capsys, 1, reply_yes=reply_yes, clock=sandbox.advance_clock)
        second = tmp_path / "second"
        monkeypatch.setenv("A2P_WIZARD_HOME", str(second))
        assert _import(tmp_path, capsys, EVERY_ROUND) == keys
        listed = advance_rounds(capsys, ROUNDS, reply_yes=reply_yes, clock=sandbox.advance_clock)
        assert [(r["key"], r["next_action"]) for r in listed if not r["done"]] == []
        monkeypatch.setenv("A2P_WIZARD_HOME", str(isolated))
        listed = advance_rounds(capsys, ROUNDS, reply_yes=reply_yes, clock=sandbox.advance_clock)
        assert [(r["key"], r["next_action"]) for r in listed if not r["done"]] == []
        assert asyncio.run(_promise(second, keys, sandbox)) == {}
        assert asyncio.run(_promise(isolated, keys, sandbox)) == {}
