"""Sandbox fault injection (429, 5xx, lost, slow), the loopback HTTP server and the SQLite state."""

from __future__ import annotations

import socket
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest

from tests.support.sandbox_api import AUTH, MS, NOW, TH, body, error
from wizard.sandbox import transport as transport_module
from wizard.sandbox.fake import Sandbox
from wizard.sandbox.faults import FaultInjector, FaultPlan
from wizard.sandbox.server import MAX_BODY, serve
from wizard.sandbox.state_file import TAGGED, SandboxState
from wizard.sandbox.transport import SandboxTransport


def make(tmp_path: Path, plan: FaultPlan) -> Sandbox:
    return Sandbox.open(tmp_path / "sandbox.db", now=lambda: NOW, faults=plan)


def services(sandbox: Sandbox) -> list[str]:
    return [s["friendly_name"] for s in sandbox.dump()["messaging_services"]]


def test_parse() -> None:
    plan = FaultPlan.parse("lost=0.2, 5xx=0.1,429=0.1,retry-after=1,slow=0.05,seed=7")
    assert plan == FaultPlan(lost=0.2, server_error=0.1, too_many=0.1, retry_after=1, slow=0.05, seed=7)
    assert FaultPlan.parse("slow=1,slow-seconds=0.5").slow_seconds == 0.5
    assert FaultPlan.parse("") == FaultPlan() and not FaultPlan().active
    for junk, fragment in (
        ("boom=1", "Unknown fault setting"),
        ("lost", "Unknown fault setting"),
        ("lost=abc", "needs a number"),
        ("lost=2", "between 0 and 1"),
        ("seed=1.5", "needs a number"),
        ("retry-after=-1", ">= 0"),
    ):
        with pytest.raises(ValueError, match=fragment):
            FaultPlan.parse(junk)


def test_draws_are_reproducible_with_a_seed() -> None:
    plan = FaultPlan(lost=0.3, server_error=0.3, too_many=0.3, slow=0.5, seed=7)
    first, second = FaultInjector(plan), FaultInjector(plan)
    draws = [first.draw() for _ in range(50)]
    assert draws == [second.draw() for _ in range(50)]
    assert {d.fault for d in draws} == {"429", "5xx", "lost", None} and {d.slow for d in draws} == {
        True,
        False,
    }


async def test_lost_performs_the_create_then_raises(tmp_path: Path) -> None:
    sandbox = make(tmp_path, FaultPlan(lost=1, seed=1))
    async with httpx.AsyncClient(transport=SandboxTransport(sandbox), auth=AUTH) as api:
        with pytest.raises(httpx.ReadTimeout):
            await api.post(f"{MS}/v1/Services", data={"FriendlyName": "lost one"})
    with (
        httpx.Client(transport=SandboxTransport(sandbox), auth=AUTH) as client,
        pytest.raises(httpx.ReadTimeout),
    ):
        client.post(f"{MS}/v1/Services", data={"FriendlyName": "lost two"})
    assert services(sandbox) == ["lost one", "lost two"]
    sandbox.close()


@pytest.mark.parametrize(("retry_after", "header"), [(1.0, "1"), (0.25, "0.25"), (None, None)])
async def test_429_is_not_performed(tmp_path: Path, retry_after: float | None, header: str | None) -> None:
    sandbox = make(tmp_path, FaultPlan(too_many=1, retry_after=retry_after, seed=2))
    async with httpx.AsyncClient(transport=SandboxTransport(sandbox), auth=AUTH) as api:
        response = await api.post(f"{MS}/v1/Services", data={"FriendlyName": "never"})
    error(response, 429, 20429)
    assert response.headers.get("Retry-After") == header
    assert services(sandbox) == []
    sandbox.close()


def test_5xx_is_not_performed(tmp_path: Path) -> None:
    sandbox = make(tmp_path, FaultPlan(server_error=1, seed=3))
    with httpx.Client(transport=SandboxTransport(sandbox), auth=AUTH) as client:
        statuses = {
            client.post(f"{MS}/v1/Services", data={"FriendlyName": "never"}).status_code for _ in range(20)
        }
        response = client.get(f"{TH}/v1/CustomerProfiles")
    assert statuses == {500, 503}
    error(response, response.status_code, 20500)
    assert services(sandbox) == []
    sandbox.close()


def test_no_faults_off_the_flow_paths_or_at_zero(tmp_path: Path) -> None:
    faulty = make(tmp_path, FaultPlan(too_many=1))
    with httpx.Client(transport=SandboxTransport(faulty), auth=AUTH) as client:
        error(client.get(f"{TH}/v1/NoSuchResource"), 404, 20404)
    faulty.close()
    calm = Sandbox.open(tmp_path / "calm.db", now=lambda: NOW, faults=FaultPlan(seed=4))
    with httpx.Client(transport=SandboxTransport(calm), auth=AUTH) as client:
        assert all(client.get(f"{TH}/v1/CustomerProfiles").status_code == 200 for _ in range(20))
    calm.close()


async def test_slow_waits_before_answering(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[tuple[str, float]] = []

    async def async_sleep(seconds: float) -> None:
        waits.append(("async", seconds))

    monkeypatch.setattr(transport_module, "asyncio", SimpleNamespace(sleep=async_sleep))
    monkeypatch.setattr(transport_module, "time", SimpleNamespace(sleep=lambda s: waits.append(("sync", s))))
    sandbox = make(tmp_path, FaultPlan(slow=1, slow_seconds=3))
    async with httpx.AsyncClient(transport=SandboxTransport(sandbox), auth=AUTH) as api:
        body(await api.get(f"{TH}/v1/CustomerProfiles"), 200)
    with httpx.Client(transport=SandboxTransport(sandbox), auth=AUTH) as client:
        body(client.get(f"{TH}/v1/CustomerProfiles"), 200)
    assert waits == [("async", 3), ("sync", 3)]
    sandbox.close()


def test_loopback_server_answers_real_http(tmp_path: Path) -> None:
    sandbox = make(tmp_path, FaultPlan())
    server, base = serve(sandbox)
    try:
        assert base.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=base, auth=AUTH) as client:
            created = body(client.post("/v1/Services", data={"FriendlyName": "over http"}), 201)
            assert created["url"] == f"{base}/v1/Services/{created['sid']}"
            page = body(client.get("/v1/CustomerProfiles", params={"PageSize": 1}), 200)
            assert page["results"][0]["sid"] == sandbox.PRIMARY_PROFILE_SID
            assert page["meta"]["url"].startswith(f"{base}/v1/CustomerProfiles?")
            error(client.get("/v1/CustomerProfiles", auth=None), 401, 20003)
    finally:
        server.shutdown()
        server.server_close()
        sandbox.close()
    with pytest.raises(ValueError, match="127.0.0.1"):
        serve(sandbox, host="0.0.0.0")


@pytest.mark.parametrize(("length", "status"), [(str(10**12), 413), (str(MAX_BODY + 1), 413), ("-1", 400),
                                                ("abc", 400), ("\u00b2", 400), ("9" * 5000, 400)])
def test_loopback_server_refuses_a_body_it_should_not_read_and_serves_on(tmp_path: Path, length: str,
                                                                         status: int) -> None:
    sandbox = make(tmp_path, FaultPlan())
    server, base = serve(sandbox)
    try:
        with socket.create_connection(server.server_address, timeout=5) as raw:
            head = f"POST /v1/Services HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n"
            raw.sendall(f"{head}ab".encode("latin-1"))
            answer = raw.makefile("rb").read()  # the server answers at once and closes: no wait for the body
        assert answer.startswith(f"HTTP/1.1 {status} ".encode()) and b"Content-Length is" in answer
        with httpx.Client(base_url=base, auth=AUTH) as client:
            body(client.post("/v1/Services", data={"FriendlyName": "still served"}), 201)
    finally:
        server.shutdown()
        server.server_close()
        sandbox.close()


def test_state_store(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "state.db"
    state = SandboxState(path)
    state.put("things", "b", {"n": 1})
    state.put("things", "a", {"n": 2})
    state.put("other", "c", {"n": 3})
    state.put("things", "b", {"n": 4})  # an update keeps the creation order
    assert state.list("things") == [{"n": 4}, {"n": 2}]
    assert state.get("c") == {"n": 3} and state.get("c", "things") is None and state.get("zz") is None
    with pytest.raises(RuntimeError), state.transaction():
        state.put("things", "d", {"n": 5})
        with state.transaction():  # nested: joins the outer one
            state.meta_set("k", "v")
        raise RuntimeError
    assert state.get("d") is None and state.meta_get("k") is None
    state.delete("a")
    state.meta_set("k", "w")
    assert [r["n"] for r in state.list("things")] == [4] and state.meta_get("k") == "w"
    state.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        columns = [row[2] for row in db.execute("PRAGMA index_info('resources_kind_seq')")]
    assert columns == ["kind", "seq"]


def test_tagged_reads_only_the_tags_resources(tmp_path: Path) -> None:
    state = SandboxState(tmp_path / "state.db")
    state.put("brands", "BN1", {"n": 1}, tags=("mobile:+1", "bundle:BU1"))
    state.put("brands", "BN2", {"n": 2}, tags=("mobile:+1",))
    state.put("campaigns", "QE1", {"n": 3}, tags=("mobile:+1",))
    assert state.tagged("brands", "mobile:+1") == [{"n": 1}, {"n": 2}] and state.tagged("brands", "bundle:BU2") == []
    plan = [row[-1] for row in state._db.execute(f"EXPLAIN QUERY PLAN {TAGGED}", ("mobile:+1", "brands"))]
    assert plan[0].startswith("SEARCH tags USING PRIMARY KEY (tag=?)"), plan  # not every resource of the kind
    assert "(sid=?)" in plan[1], plan
