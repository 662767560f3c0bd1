"""The first-start example customers: each one lands where it should, the same way every time."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.support.env import Clock
from wizard.customer.stages import AWAITING_OTP
from wizard.desk import Desk
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


@pytest.mark.slow
async def test_examples_land_one_at_each_point_of_the_flow(runtime: Runtime) -> None:
    keys = await Desk(runtime).load_examples()
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


@pytest.mark.slow
async def test_examples_are_deterministic(runtime: Runtime, tmp_path: Path) -> None:
    progress: list[str] = []
    await Desk(runtime).load_examples(progress.append)
    assert progress == list(WHERE)
    async with Runtime.open(home=tmp_path / "again", mode="sandbox", now=Clock()) as again:
        await Desk(again).load_examples()
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
        await Desk(replace(runtime, sandbox=None)).load_examples()
    assert runtime.store.count() == 0


@pytest.mark.slow
async def test_every_example_customer_can_be_finished_from_the_app_alone(runtime: Runtime) -> None:
    """Each example waits for something the app itself offers: a fix, the missing steps, a number to buy."""
    from tests.support import factories as f
    from tests.support.flow import drive

    desk = Desk(runtime)
    await desk.load_examples()
    for key in list(desk.keys()):
        c = desk.customer(key)
        if "Noncompliant" in c.profile.street:
            fixed = c.profile.model_copy(update={"street": "12 Compliant Ave"})
            c = desk.save_step(key, c.version, 1, fixed)
        if c.bundle is None:
            bundle = f.bundle(brand_name=c.name, mobile_phone=f"+1303555{key[-2:]}11")
            c = desk.save_step(key, c.version, 2, bundle)
        elif "Fail" in c.bundle.brand_name:
            c = desk.save_step(key, c.version, 2, c.bundle.model_copy(update={"brand_name": "Reed Locksmith"}))
        if c.campaign is None:  # the picker's "buy near the customer"; a Canadian one is named a US area code
            number = "buy" if desk.area_code(key) else "buy:716"
            desk.save_step(key, c.version, 4, f.campaign(phone_number=number))
        done = await drive(runtime, key, rounds=30)
        assert runtime.engine.summary(done).done, (key, runtime.engine.summary(done).next_action)
