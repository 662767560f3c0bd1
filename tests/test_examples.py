"""The first-start example customers: each one lands where it should, the same way every time."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import Clock
from wizard.customer.stages import AWAITING_OTP
from wizard.errors import OperatorError
from wizard.listing import otp_left
from wizard.session.runtime import Runtime

WHERE = {
    "Maya Patel": (4, "done"),
    "Luis Ortega": (4, "operator"),
    "Grace Kim": (3, "otp"),
    "Sam Reed": (3, "fix"),
    "Chloé Tremblay": (3, "customer"),
    "Omar Haddad": (1, "fix"),
    "Priya Sharma": (1, "ready"),
}


async def test_examples_land_one_at_each_point_of_the_flow(runtime: Runtime) -> None:
    keys = await runtime.desk.load_examples()
    assert keys == [f"C{n:05d}" for n in range(1, 8)]
    found = {}
    for key in keys:
        c = runtime.engine.load(key)
        s = runtime.engine.summary(c)
        found[c.name] = (s.stage, s.kind)
    assert found == WHERE
    sam = runtime.engine.load("C00004")
    assert sam.state.statuses["brand"] == "FAILED"
    omar = runtime.engine.load("C00006")
    assert omar.state.evaluations["profile"].status == "noncompliant"


async def test_examples_are_deterministic(runtime: Runtime, tmp_path: Path) -> None:
    progress: list[str] = []
    await runtime.desk.load_examples(progress.append)
    assert progress == list(WHERE)
    async with Runtime.open(home=tmp_path / "again", mode="sandbox", now=Clock()) as again:
        await again.desk.load_examples()
        assert listed(again) == listed(runtime)
    assert listed(runtime)["C00003"][1:] == ("APPROVED/UNVERIFIED", 0, "4 h left")  # the passcode runs out soon
    assert listed(runtime)["C00005"][1:] == ("APPROVED/UNVERIFIED", 4, "23 h left")


def listed(rt: Runtime) -> dict[str, tuple[object, ...]]:
    now = rt.engine.clock()
    return {r["key"]: (r["stage"], r["step_status"], r["attention"],
                       otp_left(r["otp_sent_at"], now, waiting=r["step_status"] == AWAITING_OTP))
            for r in rt.store.summaries()}


async def test_examples_refuse_live_mode(runtime: Runtime) -> None:
    with pytest.raises(OperatorError, match="sandbox only"):
        await replace(runtime, sandbox=None).desk.load_examples()
    assert runtime.store.count() == 0
