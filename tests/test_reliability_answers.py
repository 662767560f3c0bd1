"""Twilio's success answers are untrusted: parsed at one door (wizard/twilio/answers.py), bounded, paged only on
Twilio's own address. Each reproduction of issue 21 runs the CLI against a hostile server on 127.0.0.1 in front
of a served sandbox (tests/support/hostile.py): no traceback, no secret kept or shown, no request to another port."""

from __future__ import annotations

import asyncio
import base64
import json
import sqlite3
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, get_args, get_origin

import pytest
from pydantic import BaseModel

from tests.support import factories as f
from tests.support import oas
from tests.support.hostile import (
    HostileServer,
    bad_item,
    echo,
    endless_pages,
    html,
    huge,
    next_page,
    raw_unsafe,
    setting,
    trickle,
)
from tests.support.reliability import Live, served_sandbox
from wizard.cli import main
from wizard.desk import Desk
from wizard.twilio.answers import MODELS, Answer
from wizard.twilio.operations import OPERATIONS

BRAND = r"^/v1/a2p/BrandRegistrations/BN"
BRANDS = r"^/v1/a2p/BrandRegistrations\?"
NUMBERS = r"/IncomingPhoneNumbers\.json\?"


# -- the models against Twilio's specs ---------------------------------------------------------------------------


def _kind(annotation: Any) -> tuple[str, Any]:
    """A model field's JSON kind ("string", "integer", "boolean", "array", "object") and its inner type."""
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) is not None and get_origin(annotation) is not list and args:
        return _kind(args[0])
    if get_origin(annotation) is list:
        return "array", get_args(annotation)[0]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "object", annotation
    return {str: "string", int: "integer", bool: "boolean"}[annotation], None


def mismatches(host: str, model: type[BaseModel], schema: dict[str, Any], where: str = "") -> list[str]:
    """Every field of `model` the spec's `schema` lacks or types otherwise (nested where the spec says more)."""
    node = oas.resolve(oas.spec(host), schema)
    props = node.get("properties")
    if props is None:  # the spec leaves this object open ("items": {}): nothing to check it against
        return []
    found = []
    for name, field in model.model_fields.items():
        if name not in props:
            found.append(f"{where}{name}: not in the spec")
            continue
        kind, inner = _kind(field.annotation)
        declared = oas.resolve(oas.spec(host), props[name])
        if "type" in declared and declared["type"] != kind:
            found.append(f"{where}{name}: {kind} here, {declared['type']} in the spec")
        elif kind == "object" and "type" in declared:
            found += mismatches(host, inner, declared, f"{where}{name}.")
        elif kind == "array" and isinstance(inner, type) and issubclass(inner, BaseModel):
            found += mismatches(host, inner, declared.get("items", {}), f"{where}{name}[].")
    return found


def success_schema(name: str) -> dict[str, Any]:
    """The spec's schema of operation `name`'s success answer (for a list: of one item of its list)."""
    op = OPERATIONS[name]
    _, _, found = oas.spec_operation(op)
    status = next(int(s) for s in found["responses"] if s.startswith("2"))
    schema = oas.response_schema(op, status) or {}
    if op.list_key:
        return oas.resolve(oas.spec(op.host), schema["properties"][op.list_key])["items"]
    return schema


def test_every_operation_has_an_answer_model():
    assert set(MODELS) == set(OPERATIONS)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_answer_model_has_only_fields_the_spec_has_of_the_same_type(name):
    assert mismatches(OPERATIONS[name].host, MODELS[name], success_schema(name)) == []


def test_the_spec_check_fails_a_field_the_spec_lacks_or_types_otherwise():
    class Invented(Answer):
        sid: str
        colour: str | None = None
        status: int | None = None

    assert mismatches("messaging", Invented, success_schema("fetch_brand_registration")) == [
        "colour: not in the spec", "status: integer here, string in the spec"]


# -- a hostile server in front of a served sandbox ---------------------------------------------------------------


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def twilio(tmp_path, monkeypatch, isolated) -> Iterator[tuple[Live, HostileServer]]:
    """A served sandbox behind a hostile server (no rule yet) that live mode is pointed at."""
    with served_sandbox(tmp_path / "twilio" / "sandbox.db", api_key_auth=False) as live, \
            HostileServer(live.base_url) as server:
        for name, value in (live.env | {"A2P_TWILIO_BASE_URL": server.url}).items():
            monkeypatch.setenv(name, value)
        yield live, server


def registered(capsys, tmp_path: Path, home: Path, *keys: str) -> None:
    """Customers `keys` imported and advanced to a registered brand waiting for Twilio's review."""
    path = f.write_csv(tmp_path / "people.csv", [f.csv_row(k) for k in keys])
    assert run(capsys, "--live", "import", str(path))[0] == 0
    code, out, err = run(capsys, "--live", "advance", "--all", "--yes")
    assert all(state_of(home, k)["sids"].get("brand") for k in keys), out + err


def store_texts(home: Path) -> str:
    """Every text value in every table of the store, joined."""
    found = []
    with sqlite3.connect(home / "a2p-wizard.db") as db:
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            for row in db.execute(f'SELECT * FROM "{table}"'):
                found += [v for v in row if isinstance(v, str)]
    return "\n".join(found)


def secrets_in(text: str, live: Live) -> list[str]:
    token = live.auth_token
    pair = f"{live.env['TWILIO_ACCOUNT_SID']}:{token}"
    basic = base64.b64encode(pair.encode()).decode()
    return [label for label, needle in (("token", token), ("AC…:token", pair), ("Basic base64", basic),
                                        ("Basic base64 unpadded", basic.rstrip("="))) if needle in text]


def guarded(command: Callable[[], tuple[int, str, str]]) -> tuple[int, str, str]:
    """`command`'s result; a failure if it has not ended after 120 s (a guard, not a measure: without the bounds
    these commands never end)."""
    done: list[tuple[int, str, str]] = []
    worker = threading.Thread(target=lambda: done.append(command()), daemon=True)
    worker.start()
    worker.join(120)
    assert done, "the command was still running after 120 s"
    return done[0]


def state_of(home: Path, key: str) -> dict[str, Any]:
    with sqlite3.connect(home / "a2p-wizard.db") as db:
        return json.loads(db.execute("SELECT state FROM customers WHERE key = ?", (key,)).fetchone()[0])


@pytest.mark.parametrize("field", ["status", "failure_reason"])
def test_secrets_echoed_in_a_2xx_answer_are_never_kept_or_shown(twilio, capsys, tmp_path, isolated, field):
    live, server = twilio
    registered(capsys, tmp_path, isolated, "K1")
    also = {"status": "FAILED", "errors": []} if field == "failure_reason" else {}
    server.add(BRAND, echo(field, **also))
    server.add(BRANDS, echo(field, items="data", **also))
    outputs = [run(capsys, "--live", "refresh", "K1"), run(capsys, "--live", "refresh", "--all")]
    outputs += [run(capsys, "--live", *argv) for argv in (("show", "K1"), ("show", "K1", "--json"),
                                                             ("list", "--json"))]
    assert "you sent Authorization: [redacted]" in outputs[2][1]  # what the server said is kept, its secrets are not
    for text in [out + err for _, out, err in outputs] + [store_texts(isolated)]:
        assert secrets_in(text, live) == [] and "Traceback" not in text and raw_unsafe(text) == []


@pytest.mark.slow
@pytest.mark.parametrize("value", [123, ["APPROVED"], {"a": 1}, True])
def test_a_brand_status_of_another_type_is_refused_nothing_stored_and_the_batch_goes_on(
        twilio, capsys, tmp_path, isolated, value):
    live, server = twilio
    registered(capsys, tmp_path, isolated, "K1")
    assert run(capsys, "--live", "import", str(f.write_csv(tmp_path / "more.csv", [f.csv_row("K2")])))[0] == 0
    brand = state_of(isolated, "K1")["sids"]["brand"]
    server.add(f"^/v1/a2p/BrandRegistrations/{brand}", setting("status", value))
    before = state_of(isolated, "K1")["statuses"]
    code, out, err = run(capsys, "--live", "refresh", "K1")
    assert "Traceback" not in out + err
    assert "was not understood: status is not text" in out + err
    assert state_of(isolated, "K1")["statuses"] == before
    code, out, err = run(capsys, "--live", "advance", "--all", "--yes")
    assert "Traceback" not in out + err and "Failed: K1 (1)" in out, out + err
    assert state_of(isolated, "K2")["sids"].get("brand")  # the others went on to their brand
    for argv in (("show", "K1"), ("show", "K1", "--json"), ("list",), ("lint", "--customer", "K1"),
                 ("policy", "K1"), ("reconcile", "--all", "--yes")):
        code, out, err = run(capsys, "--live", *argv)
        assert "Traceback" not in out + err and "ValidationError" not in out + err, argv


@pytest.mark.parametrize("item", ["not an object", 7, None, ["x"], {"sid": 123}, {"sid": "BN1", "status": 5}])
def test_a_list_item_that_is_not_a_brand_is_refused_and_refresh_all_goes_on_one_by_one(
        twilio, capsys, tmp_path, isolated, item):
    live, server = twilio
    registered(capsys, tmp_path, isolated, "K1", "K2")
    server.add(BRANDS, bad_item("data", item))
    code, out, err = run(capsys, "--live", "refresh", "--all")
    assert code == 0 and "Traceback" not in out + err and "TypeError" not in out + err
    assert "Twilio's answer to list brand registrations was not understood: data[" in err
    assert "Refreshed 2 customer(s)" in out
    reads = [path for method, path, _ in server.requests if path.startswith("/v1/a2p/BrandRegistrations/BN")]
    assert len(reads) == 2  # each customer's brand read on its own instead


@pytest.mark.parametrize("style", ["v1", "2010"])
def test_a_next_page_on_another_port_is_never_requested(twilio, capsys, tmp_path, isolated, style):
    live, server = twilio
    registered(capsys, tmp_path, isolated, "K1")
    with HostileServer() as other:
        if style == "v1":
            server.add(BRANDS, next_page(lambda asked: f"{other.url}/v1/a2p/BrandRegistrations?PageToken=x"))
            argv = ("refresh", "--all")
        else:
            server.add(NUMBERS, next_page(lambda asked: f"http://127.0.0.1:{other.url.rsplit(':', 1)[1]}/x.json"))
            argv = ("advance", "K1")
        code, out, err = run(capsys, "--live", *argv)
        assert other.requests == []
    assert "Traceback" not in out + err
    assert "links its next page to another address; not followed" in out + err


def test_a_next_page_that_is_the_same_page_ends_with_a_message(twilio, capsys, tmp_path, isolated):
    live, server = twilio
    registered(capsys, tmp_path, isolated, "K1")
    server.add(BRANDS, next_page(lambda asked: f"{server.url}{asked.path}"))
    lists = lambda: [p for _, p, _ in server.requests if p.startswith("/v1/a2p/BrandRegistrations?")]  # noqa: E731
    before = len(lists())  # advancing K1 may have read the list already (what Twilio holds, before a create)
    code, out, err = guarded(lambda: run(capsys, "--live", "refresh", "--all"))
    assert "links back to a page already read; stopped there" in err and "Traceback" not in out + err
    assert len(lists()) - before == 2


def test_endless_pages_of_big_items_stop_at_the_lists_text_cap_in_bounded_memory(twilio, capsys, tmp_path, isolated,
                                                                                monkeypatch):
    from wizard.twilio import client

    live, server = twilio
    registered(capsys, tmp_path, isolated, "K1")
    monkeypatch.setattr(client, "MAX_LIST_TEXT", 16 * 2**20)  # 64 M characters in use: the test's pages smaller
    server.add(BRANDS, endless_pages(server.url, "data", lambda page, i: {
        "sid": f"BN{page:016x}{i:016x}", "status": "PENDING", "failure_reason": "x" * 7000}))
    lists = lambda: [p for _, p, _ in server.requests if p.startswith("/v1/a2p/BrandRegistrations?")]  # noqa: E731
    before = len(lists())
    tracemalloc.start()
    try:
        code, out, err = guarded(lambda: run(capsys, "--live", "refresh", "--all"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "holds more than 16,777,216 characters of text; stopped there" in err and "Traceback" not in out + err
    assert "Refreshed 1 customer(s)" in out  # each customer read on its own instead
    assert len(lists()) - before == 3  # 7 MB of text a page: the third passes 16 M
    assert peak < 64 * 2**20, f"{peak / 2**20:.0f} MB held"  # before: every page kept, 155 MB after 20 of them


COMMANDS = [("refresh", "K1"), ("refresh", "--all"), ("advance", "--all", "--yes"), ("show", "K1")]


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_a_huge_answer_is_refused_in_bounded_memory(twilio, capsys, tmp_path, isolated, argv):
    live, server = twilio
    registered(capsys, tmp_path, isolated, "K1")
    server.add(BRAND, huge(1536 * 2**20))
    server.add(BRANDS, huge(1536 * 2**20))
    tracemalloc.start()
    try:
        code, out, err = run(capsys, "--live", *argv)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "Traceback" not in out + err and peak < 64 * 2**20, f"{peak / 2**20:.0f} MB held"
    if argv[0] != "show":  # show makes no call
        assert "was larger than 8 MB and was not read" in out + err


@pytest.mark.parametrize("argv", COMMANDS, ids=" ".join)
def test_a_trickling_answer_ends_at_the_deadline(twilio, capsys, tmp_path, isolated, monkeypatch, argv):
    live, server = twilio
    registered(capsys, tmp_path, isolated, "K1")
    server.add(BRAND, trickle(0.2))
    server.add(BRANDS, trickle(0.2))
    monkeypatch.setenv("A2P_TWILIO_DEADLINE", "2")
    code, out, err = guarded(lambda: run(capsys, "--live", *argv))
    assert "Traceback" not in out + err
    if argv[0] != "show":
        assert "took more than 2 s (the deadline)" in out + err


async def _never_resolves(host: str, port: int) -> list[str]:
    """A name server that never answers (a page check left waiting)."""
    await asyncio.sleep(3600)
    return []


@pytest.mark.slow
@pytest.mark.parametrize("argv", [("refresh", "--all"), ("advance", "--all", "--yes"), ("show", "K1"),
                                  ("lint", "--customer", "K1", "--fetch")], ids=" ".join)
def test_a_command_ends_at_its_own_deadline_whatever_the_number_of_requests(twilio, capsys, tmp_path, isolated,
                                                                             monkeypatch, argv):
    from wizard.customer import page_check
    from wizard.customer.public_address import Reach

    live, server = twilio
    keys = ("K1", "K2", "K3")
    registered(capsys, tmp_path, isolated, *keys)
    before = {k: state_of(isolated, k) for k in keys}
    server.add(BRAND, trickle(0.2))
    server.add(BRANDS, trickle(0.2))
    monkeypatch.setattr(page_check, "REACH", Reach(resolve=_never_resolves))
    # each request alone may take an hour: only the command's own deadline can end it
    monkeypatch.setenv("A2P_PAGE_CHECK_DEADLINE", "3600")
    monkeypatch.setenv("A2P_TWILIO_DEADLINE", "3600")
    monkeypatch.setenv("A2P_COMMAND_DEADLINE", "3")
    code, out, err = guarded(lambda: run(capsys, "--live", *argv))
    assert "Traceback" not in out + err
    if argv[0] == "show":  # it makes no call: nothing to wait on
        assert code == 0 and "K1" in out
    else:
        assert code == 1 and f"{' '.join(argv[:1])} was stopped after 3 s, its deadline in all" in err
        assert "Nothing was lost" in err
    assert {k: state_of(isolated, k) for k in keys} == before  # each customer as it was
    assert run(capsys, "--live", "show", "K1")[0] == 0


def test_an_html_answer_to_a_read_is_a_message_and_the_customer_stays(twilio, capsys, tmp_path, isolated):
    live, server = twilio
    registered(capsys, tmp_path, isolated, "K1")
    before = state_of(isolated, "K1")["statuses"]
    server.add(BRAND, html())
    code, out, err = run(capsys, "--live", "refresh", "K1")
    assert "not understood: not JSON" in out + err and state_of(isolated, "K1")["statuses"] == before


# -- values an older version kept --------------------------------------------------------------------------------


SPOILED = {"statuses": {"profile": 123, "bundle": ["in-review"], "brand": {"a": 1}, "identity": 5.5},
           "problems": {"brand": [{"code": "x", "message": 404, "field": 3}], "campaign": "gone"},
           "last_error": {"code": 1, "message": ["?"]}, "last_error_action": "brand.read", "number": 12065550100}
"""What a version before the answer models could have saved from a hostile 2xx answer."""


def spoil(home: Path, key: str) -> None:
    state = state_of(home, key) | SPOILED
    state["statuses"] = {**state_of(home, key)["statuses"], **SPOILED["statuses"]}
    with sqlite3.connect(home / "a2p-wizard.db") as db:
        db.execute("UPDATE customers SET state = ? WHERE key = ?", (json.dumps(state), key))


def test_a_customer_holding_values_of_another_type_still_opens_and_a_refresh_replaces_them(
        tmp_path, capsys, isolated):
    path = f.write_csv(tmp_path / "people.csv", [f.csv_row("K1"), f.csv_row("K2")])
    assert run(capsys, "import", str(path))[0] == 0
    assert run(capsys, "advance", "K1")[0] == 0
    spoil(isolated, "K1")
    code, out, err = run(capsys, "show", "K1")
    assert code == 0 and "(unreadable)" in out, out + err
    code, out, err = run(capsys, "show", "K1", "--json")
    assert code == 0 and json.loads(out)
    for argv in (("list",), ("list", "--json"), ("lint", "--customer", "K1"), ("policy", "K1"),
                 ("refresh", "--all"), ("advance", "--all", "--yes"), ("reconcile", "--all", "--yes")):
        code, out, err = run(capsys, *argv)
        assert "Traceback" not in out + err and "validation error" not in out + err, argv
    spoil(isolated, "K1")
    for argv in (("advance", "K1"), ("offboard", "K1", "--yes")):  # the key's own commands the issue names
        code, out, err = run(capsys, *argv)
        assert "Traceback" not in out + err and "validation error" not in out + err and "K1" in out + err, argv
    spoil(isolated, "K1")
    run(capsys, "refresh", "K1")
    statuses = state_of(isolated, "K1")["statuses"]
    assert all(isinstance(v, str) and v != "(unreadable)" for k, v in statuses.items() if k != "identity")
    assert state_of(isolated, "K2")["sids"].get("brand")  # the batch went on with the other customer


async def test_the_customer_screen_opens_a_customer_holding_values_of_another_type(runtime, isolated):
    from tests.support.customer_app import SIZE, CustomerApp
    from tests.support.pilot import settle

    c = Desk(runtime).create(f.profile(), f.bundle())
    spoil(isolated, c.key)
    app = CustomerApp(runtime, c.key)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        drawn = app.export_screenshot()
    assert "(unreadable)" in drawn and "Traceback" not in drawn


@pytest.fixture
def one_registered(twilio, capsys, tmp_path, isolated) -> tuple[Live, HostileServer]:
    registered(capsys, tmp_path, isolated, "K1")
    return twilio


@pytest.mark.slow
@pytest.mark.parametrize(("rule", "shown"), [(echo("status"), "you sent Authorization: [redacted]"),
                                             (setting("status", 123), "status is not text"),
                                             (html(), "not JSON")], ids=["echo", "123", "html"])
async def test_the_customer_screen_against_the_hostile_server_shows_no_secret_and_no_traceback(
        one_registered, isolated, rule, shown):
    from tests.support.customer_app import SIZE, CustomerApp
    from tests.support.pilot import settle
    from wizard.session.runtime import Runtime

    live, server = one_registered
    server.add(BRAND, rule)
    rt = Runtime.open(home=isolated, mode="live")
    try:
        app = CustomerApp(rt, "K1")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("r")
            await app.workers.wait_for_complete()
            await settle(pilot)
            drawn = app.export_screenshot()
    finally:
        await rt.aclose()
    assert any(path.startswith("/v1/a2p/BrandRegistrations/BN") for _, path, _ in server.requests)
    assert secrets_in(drawn + store_texts(isolated), live) == [] and raw_unsafe(drawn) == []
    assert "Traceback" not in drawn and shown in drawn.replace("&#160;", " "), drawn[-3000:]
