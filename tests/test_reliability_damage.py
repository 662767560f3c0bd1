"""A damaged store, a bad base URL: every command answers with a message, never a traceback.

A row the app cannot read (malformed JSON, a value an older version accepted) is a store's content: those tests run
on both stores (`on_both_stores`, the row spoiled with the backend's own SQL). A damaged page or index is what a
failing disk does to an SQLite file as such: those stay SQLite-only (PostgreSQL's own files are its server's
business; a server lost mid-run is tests/test_team_store.py's)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import psycopg
import pytest

from tests.support import factories as f
from tests.support.reliability import spoil_index
from wizard.cli import main


def execute(home: Path, url: str | None, sql: str, *params: object) -> list[tuple]:
    """One statement on the store the commands use (the data folder's file, or A2P_STORE_URL's database), as
    damage or an older version left it; the rows it returns."""
    if url:
        with psycopg.connect(url) as db:
            cursor = db.execute(sql.replace("?", "%s"), params)
            return cursor.fetchall() if cursor.description else []
    with closing(sqlite3.connect(home / "a2p-wizard.db")) as db, db:
        return db.execute(sql, params).fetchall()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def imported(tmp_path: Path, capsys, n: int) -> None:
    path = f.write_csv(tmp_path / "people.csv", [f.csv_row(f"K{i:04d}") for i in range(n)])
    assert run(capsys, "import", str(path))[0] == 0


COMMANDS = [("list",), ("list", "--json"), ("show", "K0001"), ("advance", "K0001"), ("advance", "--all")]


@pytest.mark.parametrize("spoil", ["malformed JSON", "JSON not an object"])
def test_a_row_with_malformed_json_gives_the_damaged_store_message_from_every_command(
        tmp_path, capsys, isolated, on_both_stores, spoil):
    imported(tmp_path, capsys, 3)
    execute(isolated, on_both_stores, "UPDATE customers SET state = ? WHERE key = 'K0001'",
            "{not json" if spoil == "malformed JSON" else "[1]")
    for argv in COMMANDS[2:]:
        code, out, err = run(capsys, *argv)
        assert code == 1 and "is damaged" in err and "What to do, in order" in err, (argv, out, err)


@pytest.mark.slow
def test_a_damaged_page_gives_the_damaged_store_message_from_every_command(tmp_path, capsys, isolated):
    imported(tmp_path, capsys, 400)
    store = isolated / "a2p-wizard.db"
    with sqlite3.connect(store) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = db.execute("PRAGMA page_size").fetchone()[0]
        pages = db.execute("PRAGMA page_count").fetchone()[0]
    data = bytearray(store.read_bytes())
    for n in range(pages // 3, 2 * pages // 3):
        data[n * page + 8:(n + 1) * page] = b"\xa5" * (page - 8)
    store.write_bytes(bytes(data))
    for argv in COMMANDS:
        code, out, err = run(capsys, *argv)
        assert code == 1 and "damaged" in err and "Traceback" not in err, (argv, out[-500:], err)


@pytest.mark.parametrize("url", ["http://[::1", "ftp://127.0.0.1/", "http://:80", "127.0.0.1:8080",
                                 "http://127.0.0.1:99999"])
def test_a_bad_base_url_is_a_setup_error(capsys, monkeypatch, url):
    monkeypatch.setenv("A2P_TWILIO_BASE_URL", url)
    code, out, err = run(capsys, "fees")  # a command that connects (`list` reads the store alone)
    assert code == 1 and "A2P_TWILIO_BASE_URL must be an http(s) URL with a host" in err


def test_a_saved_value_the_rules_now_refuse_is_a_message_not_a_traceback(tmp_path, capsys, isolated, on_both_stores):
    import json

    imported(tmp_path, capsys, 2)
    [(stored,)] = execute(isolated, on_both_stores, "SELECT inputs FROM customers WHERE key = 'K0001'")
    inputs = json.loads(stored)
    inputs["bundle"]["brand_name"] = "Zoë\u200dTutoring"  # accepted by an older version
    execute(isolated, on_both_stores, "UPDATE customers SET inputs = ? WHERE key = 'K0001'", json.dumps(inputs))
    for argv in (("show", "K0001"), ("advance", "K0001")):
        code, out, err = run(capsys, *argv)
        assert code == 1 and "K0001's saved bundle no longer passes" in out + err and "U+200D" in out + err, argv
    assert run(capsys, "show", "K0000")[0] == 0


@pytest.mark.parametrize("argv", [("advance", "--all"), ("advance", "K0001"), ("refresh", "--all"),
                                  ("reconcile", "--all")])
@pytest.mark.slow
def test_a_damaged_store_stops_a_run_before_its_first_call(tmp_path, capsys, isolated, argv):
    imported(tmp_path, capsys, 400)
    store = isolated / "a2p-wizard.db"
    if argv[0] == "refresh":  # something submitted to read
        assert run(capsys, "advance", "K0001")[0] == 0
    with sqlite3.connect(store) as db:
        sent = db.execute("SELECT count(*) FROM journal").fetchone()[0]
    assert spoil_index(store, "customers_name") > 1
    code, out, err = run(capsys, *argv)
    assert code == 1 and "is damaged" in err and "What to do, in order" in err and "Traceback" not in err, (out, err)
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT count(*) FROM journal").fetchone()[0] == sent  # not one call more
