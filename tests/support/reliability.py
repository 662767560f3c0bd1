"""Helpers for the reliability tests (tests/test_reliability_*.py).

- `scratch_dir`: a throw-away folder on tmpfs when there is one (SQLite's fsyncs dominate otherwise; a killed
  process loses nothing the kernel already has, so tmpfs changes nothing about what a crash can do).
- `run_cases`: crash cases, each an `a2p-wizard …` run in its saved data folder, forked (tests/support/commands.py).
- `templates` (with tests/support/flow.py's SCENARIOS and drive): reach every action of the flow (happy and unhappy
  paths) and save the data folder just before each action first runs, so a crash case starts from a copy. `Backend`
  keeps the customers in the folder's SQLite file or, on PostgreSQL, in a database per saved folder and per case
  (`Home`).
- `check_one_of_each`: the end-of-case promise: done, one of each Twilio resource, every SID in the store.
- `served_sandbox`: the sandbox over real HTTP on 127.0.0.1 with live-mode settings and fresh secrets.
- `python -m tests.support.reliability operator HOME NAME ROUNDS [TWILIO]`: a second operator's session, in its own
  process (with TWILIO, on another machine: see `_operator`).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg

from storage.copying import copy_store
from storage.customers import CustomerStore
from storage.postgres.store import PostgresStore
from storage.sqlite.store import Store
from tests.support import pg
from tests.support.commands import run_forked
from tests.support.flow import CREATES, SCENARIOS, Scenario, create, drive
from wizard.desk import Desk

KEY = "C00001"
FILES = ("a2p-wizard.db", "sandbox.db")


@contextmanager
def scratch_dir(fallback: Path) -> Iterator[Path]:
    """A fresh folder on /dev/shm (removed afterwards), else `fallback`."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        fallback.mkdir(parents=True, exist_ok=True)
        yield fallback
        return
    folder = Path(tempfile.mkdtemp(prefix="a2p-reliability-", dir=shm))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_cases(homes: dict[Any, Home], args: Callable[[Any], list[str]], hook: Callable[[Any], str],
              out: str) -> dict[Any, dict]:
    """`run_forked` for cases keyed as `homes` is: each case's command `args(case)` in its home, with
    A2P_CRASH_AT=`hook(case)`, its output in the home's `out`.out / .err; the results by case."""
    cases = list(homes)
    done = run_forked([{"home": str(homes[c].path), "args": args(c), "out": str(homes[c].path / out),
                        "env": {**homes[c].env, "A2P_CRASH_AT": hook(c)}} for c in cases])
    return dict(zip(cases, done, strict=True))


# -- scenarios: every action of the four steps ------------------------------------------------------------


@dataclass(frozen=True)
class Home:
    """A data folder and, on PostgreSQL, the URL of its customers' database (None: the folder's own SQLite file)."""

    path: Path
    store_url: str | None = None

    @property
    def env(self) -> dict[str, str]:
        """What a process of this case is given: A2P_STORE_URL names its database, the app's real wiring."""
        return {"A2P_STORE_URL": self.store_url} if self.store_url else {}

    def runtime(self) -> Any:
        """The sandbox runtime on this data folder and store, as after a restart."""
        from wizard.session.runtime import Runtime

        return Runtime.open(home=self.path, mode="sandbox", store_url=self.store_url)


@dataclass
class Backend:
    """Where the cases keep their customers: the data folder's SQLite file (`server` None), or a database of their
    own on the tests' PostgreSQL `server`. A saved folder is then the sandbox's state plus a template database,
    and each case a copy of both (CREATE DATABASE … TEMPLATE). `drop` removes every database made."""

    server: pg.Server | None = None
    databases: list[str] = field(default_factory=list)

    def fresh(self, path: Path) -> Home:
        """A new data folder's place, with a new empty store."""
        return Home(path, self._url(self._database()) if self.server else None)

    def save(self, store: CustomerStore, sandbox: Path, folder: Path) -> Home:
        """Keep `store` and the sandbox's state as they are now (consistent copies of the open stores), every lease
        cleared (a copy taken mid-run holds the running process's)."""
        folder.mkdir(parents=True)
        _backup(sandbox, folder / FILES[1])
        if self.server is None:
            assert isinstance(store, Store)
            _backup(store.path, folder / FILES[0])
            with closing(sqlite3.connect(folder / FILES[0])) as db, db:
                db.execute(CLEAR_LEASES)
            return Home(folder)
        url = self._url(self._database())
        with closing(PostgresStore(url)) as copy:
            copy_store(store, copy)
        with psycopg.connect(url) as db:
            db.execute(CLEAR_LEASES)
        return Home(folder, url)

    def copy(self, saved: Home, path: Path) -> Home:
        """A new data folder at `path` holding what `saved` holds: its files, and a database made from its own."""
        path.mkdir(parents=True, mode=0o700)
        for name in FILES:
            if (saved.path / name).exists():
                shutil.copy2(saved.path / name, path / name)
        if saved.store_url is None:
            return Home(path)
        assert self.server is not None
        return Home(path, self._url(self._database(template=self.server.database_of(saved.store_url))))

    def drop(self) -> None:
        if self.server:
            self.server.drop_database(*self.databases)
        self.databases.clear()

    def _database(self, template: str | None = None) -> str:
        assert self.server is not None
        self.databases.append(self.server.create_database(template=template))
        return self.databases[-1]

    def _url(self, database: str) -> str:
        assert self.server is not None
        return self.server.url(database)


CLEAR_LEASES = "UPDATE customers SET lease_owner = NULL, lease_until = NULL"


@dataclass(frozen=True)
class Template:
    """A saved data folder, just before `action` first ran in `scenario`, and the command running it."""

    action: str
    scenario: Scenario
    command: tuple[str, ...]
    saved: Home


def _backup(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


async def templates(root: Path, backend: Backend) -> tuple[dict[str, Template], dict[str, list[float]]]:
    """Drive each scenario once in `root`/<scenario> on `backend`; save the folder (and store) before every action's
    first run.

    Also returns each scenario's fee ledger without any crash: the reference a resumed run must match.
    """
    saved: dict[str, Template] = {}
    fees: dict[str, list[float]] = {}
    for scenario in SCENARIOS:
        rt = backend.fresh(root / scenario.name).runtime()
        key = create(rt, scenario)
        command: list[str] = ["advance"]
        original = rt.engine._run

        async def spy(c: Any, action: Any, *, _rt: Any = rt, _scenario: Scenario = scenario,
                      _original: Any = original, _command: list[str] = command) -> Any:
            if action.name not in saved:
                kept = backend.save(_rt.store, _rt.locations.sandbox, root / "templates" / action.name)
                saved[action.name] = Template(action.name, _scenario, (*_command, c.key), kept)
            return await _original(c, action)

        rt.engine._run = spy
        try:
            c = await drive(rt, key, scenario, command=command)
            assert rt.engine.summary(c).done, (scenario.name, rt.engine.summary(c))
            assert not await check_one_of_each(rt, key)
            fees[scenario.name] = ledger(c)
        finally:
            await rt.aclose()
    return saved, fees


# -- the promise ------------------------------------------------------------------------------------------

SID_SLOTS = ("profile", "profile_end_user", "address", "address_document", "profile_assign_profile_end_user",
             "profile_assign_address_document", "profile_assign_primary", "bundle", "bundle_end_user",
             "bundle_assign_end_user", "bundle_assign_profile", "brand", "service", "service_number", "campaign")


async def check_one_of_each(rt: Any, key: str, sandbox: Any = None) -> list[str]:
    """What breaks the promise for this customer (empty when it holds): not done, a duplicate or missing
    resource, a SID Twilio has but the store lacks, or a call left `sent`. `sandbox`: as for flow.drive."""
    problems = []
    c = rt.engine.load(key)
    sids = c.state.sids
    if not rt.engine.summary(c).done:
        problems.append(f"not done: {rt.engine.summary(c).next_action}")
    dump = (sandbox or rt.sandbox).dump()
    counts = {kind: sum(1 for i in dump[kind] if f"a2p:{key}:" in (i.get("friendly_name") or "")
                        or i.get("sid") in sids.values()) for kind in CREATES}
    counts["campaigns"] = sum(1 for i in dump["campaigns"] if i.get("messaging_service_sid") == sids.get("service"))
    counts["brand_registrations"] = sum(1 for i in dump["brand_registrations"]
                                        if i.get("customer_profile_bundle_sid") == sids.get("profile"))
    if counts != CREATES:
        problems.append(f"resources {counts} != {CREATES}")
    problems += [f"SID {slot} missing from the store" for slot in SID_SLOTS if not sids.get(slot)]
    for kind in ("customer_profiles", "trust_products", "end_users", "addresses", "supporting_documents",
                 "messaging_services"):
        for item in dump[kind]:
            if f"a2p:{key}:" in (item.get("friendly_name") or "") and item["sid"] not in sids.values():
                problems.append(f"{kind} {item['sid']} exists at Twilio but not in the store")
    for op, bundle, expected in (("list_customer_profile_entities", sids.get("profile"), 3),
                                 ("list_trust_product_entities", sids.get("bundle"), 2),
                                 ("list_service_phone_numbers", sids.get("service"), 1),
                                 ("list_campaigns", sids.get("service"), 1)):
        if bundle:
            items = [i async for i in rt.client.paginate(op, sid=bundle)]
            if len(items) != expected:
                problems.append(f"{op}: {len(items)} != {expected}")
    brands = [b for b in dump["brand_registrations"] if b.get("customer_profile_bundle_sid") == sids.get("profile")]
    if [b["sid"] for b in brands] != [sids.get("brand")]:
        problems.append(f"brands {[b['sid'] for b in brands]} != [{sids.get('brand')}]")
    numbers = [n for n in dump["incoming_phone_numbers"] if f"a2p:{key}:" in (n.get("friendly_name") or "")]
    if numbers and [n["sid"] for n in numbers] != [sids.get("phone_number")]:  # bought: exactly one, the store's
        problems.append(f"numbers bought {[n['sid'] for n in numbers]} != [{sids.get('phone_number')}]")
    if still := [e.action for e in rt.store.journal(key) if e.state == "sent"]:
        problems.append(f"journal entries still sent: {still}")
    return problems


def ledger(c: Any) -> list[float]:
    return [item.amount for item in c.state.ledger]


# -- live mode against the sandbox served over HTTP on loopback ---------------------------------------------


@dataclass(frozen=True)
class Live:
    """A served sandbox and the settings that point a live-mode app at it, with secrets worth hunting for."""

    sandbox: Any
    base_url: str
    env: dict[str, str]
    auth_token: str
    api_key: str
    api_secret: str

    @property
    def needles(self) -> dict[str, bytes]:
        """What must never be written anywhere: the secrets and their Basic-auth forms (the words "Authorization"
        or "Basic" may be: a server's text quoting a header keeps them, its credentials redacted)."""
        import base64

        from wizard.sandbox.fake import Sandbox

        found: dict[str, bytes] = {}
        for label, user, secret in (("auth token", Sandbox.ACCOUNT_SID, self.auth_token),
                                    ("API secret", self.api_key, self.api_secret)):
            basic = base64.b64encode(f"{user}:{secret}".encode())
            found[label] = secret.encode()
            found[f"{label} (Basic base64)"] = basic
            found[f"{label} (Basic base64, no padding)"] = basic.rstrip(b"=")
            found[f"{label} (base64 alone)"] = base64.b64encode(secret.encode()).rstrip(b"=")
        return found


@contextmanager
def served_sandbox(path: Path, *, api_key_auth: bool = True, faults: Any = None) -> Iterator[Live]:
    """The sandbox at `path`, served on 127.0.0.1 (with `faults`, a FaultPlan: a faulty server), and live-mode
    settings (real-looking secrets) for it."""
    import secrets as random_secrets

    from tests.support.env import Clock
    from wizard.sandbox.fake import Sandbox
    from wizard.sandbox.server import serve

    sandbox = Sandbox.open(path, now=Clock(), faults=faults)
    server, base_url = serve(sandbox)
    token, key, secret = (random_secrets.token_hex(16), "SK" + random_secrets.token_hex(16),
                          "apisecret" + random_secrets.token_hex(16))
    env = {"TWILIO_ACCOUNT_SID": Sandbox.ACCOUNT_SID, "TWILIO_AUTH_TOKEN": token,
           "A2P_PRIMARY_PROFILE_SID": sandbox.PRIMARY_PROFILE_SID, "A2P_TWILIO_BASE_URL": base_url}
    if api_key_auth:
        env |= {"TWILIO_API_KEY": key, "TWILIO_API_SECRET": secret}
    try:
        yield Live(sandbox, base_url, env, token, key, secret)
    finally:
        server.shutdown()
        server.server_close()
        sandbox.close()


# -- a second operator ------------------------------------------------------------------------------------

CITIES = ("Seattle", "Tacoma", "Bellevue", "Redmond", "Kirkland", "Everett", "Olympia", "Spokane")


async def _operator(home: str, name: str, rounds: int, twilio: str | None = None) -> dict[str, Any]:
    """One operator's session: advance everyone, then edit each customer's profile from the copy read before
    advancing (so the other operator or the engine may have saved it since), moving the sandbox clock on.

    With `twilio` (a served sandbox's state file, which this process opens too to answer passcodes and move its
    clock), the session is the one the environment sets up: live mode against that sandbox, on the store of
    A2P_STORE_URL — another machine with a data folder of its own.

    Operator "A" edits street2, any other the city — both in the profile step, so a stale save that got
    through would undo the other's edit. A refused save is reloaded and made again, as the app's form does.
    """
    from storage.sqlite.store import StaleWrite
    from wizard.sandbox.fake import Sandbox, SandboxError
    from wizard.session.runtime import Runtime

    out: dict[str, Any] = {"saved": [], "stale": [], "errors": [], "busy": 0, "advanced": 0}
    rt = Runtime.open(home=home, mode=None if twilio else "sandbox")
    sandbox = Sandbox.open(Path(twilio)) if twilio else rt.sandbox
    try:
        for n in range(rounds):
            keys = rt.store.keys()
            before = {k: rt.engine.load(k) for k in keys}
            for report in await rt.engine.advance_many(keys, concurrency=4):
                if report.error and "Another operator" in report.error:
                    out["busy"] += 1
                elif report.error:
                    out["errors"].append(report.error)
                else:
                    out["advanced"] += 1
            for key, c in before.items():
                field_name, value = ("street2", f"Suite {name}{n}") if name == "A" else ("city", CITIES[n % 8])
                for _attempt in range(5):
                    try:
                        edited = c.profile.model_copy(update={field_name: value})
                        saved = Desk(rt).save_step(key, c.version, 1, edited)
                        out["saved"].append([key, field_name, value, saved.version])
                        break
                    except StaleWrite as refused:
                        out["stale"].append(str(refused))
                        c = rt.engine.load(key)
            for key in keys:
                c = rt.engine.load(key)
                if rt.engine.summary(c).kind in ("customer", "otp") and c.state.sids.get("brand"):
                    with suppress(SandboxError):
                        sandbox.reply_yes(c.state.sids["brand"])
            sandbox.advance_clock(timedelta(minutes=50))
    except Exception as error:  # noqa: BLE001 - the test asserts there is none, with its text
        out["errors"].append(f"{type(error).__name__}: {error}\n{traceback.format_exc()}")
    finally:
        await rt.aclose()
        if twilio:
            sandbox.close()
    return out


def spoil_index(store: Path, index: str) -> int:
    """Overwrite every page of one index (the table itself stays readable); how many pages."""
    with sqlite3.connect(store) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size = db.execute("PRAGMA page_size").fetchone()[0]
        pages = [n for (n,) in db.execute("SELECT pageno FROM dbstat WHERE name = ?", (index,))]
    data = bytearray(store.read_bytes())
    for n in pages:
        data[(n - 1) * size:n * size] = b"\xa5" * size
    store.write_bytes(bytes(data))
    return len(pages)


if __name__ == "__main__":
    if sys.argv[1] == "operator":
        import asyncio

        print(json.dumps(asyncio.run(_operator(sys.argv[2], sys.argv[3], int(sys.argv[4]), *sys.argv[5:]))))
