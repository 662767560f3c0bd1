"""The sandbox clock: sped-up real time plus explicit advances, persisted across opens."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.env import Clock
from wizard.sandbox.fake import Sandbox


def test_clock_runs_speed_times_faster_than_real_time_and_survives_reopening(tmp_path):
    real = Clock()
    start = real.now
    sandbox = Sandbox.open(tmp_path / "s.db", now=real, speed=60)
    assert sandbox.clock() == start
    real.advance(minutes=1)
    assert sandbox.clock() == start + timedelta(hours=1)
    sandbox.advance_clock(timedelta(hours=2))
    assert sandbox.clock() == start + timedelta(hours=3)
    sandbox.close()
    real.advance(seconds=30)
    reopened = Sandbox.open(tmp_path / "s.db", now=real, speed=60)
    assert reopened.clock() == start + timedelta(hours=3, minutes=30)


def test_speed_one_is_real_time_and_the_clock_never_goes_back(tmp_path):
    real = Clock()
    sandbox = Sandbox.open(tmp_path / "s.db", now=real, speed=1)
    real.advance(minutes=5)
    assert sandbox.clock() == real.now
    with pytest.raises(ValueError):
        sandbox.advance_clock(timedelta(minutes=-1))
    with pytest.raises(ValueError):
        Sandbox.open(tmp_path / "t.db", now=real, speed=0)


async def test_runtime_runs_the_sandbox_fast_by_default_and_as_configured(isolated, clock, monkeypatch):
    from wizard.session.runtime import Runtime

    monkeypatch.delenv("A2P_SANDBOX_SPEED")
    async with Runtime.open(home=isolated, mode="sandbox", now=clock) as rt:
        assert rt.sandbox.clock.speed == 60
    monkeypatch.setenv("A2P_SANDBOX_SPEED", "1")
    async with Runtime.open(home=isolated, mode="sandbox", now=clock) as rt:
        assert rt.sandbox.clock.speed == 1


@pytest.mark.parametrize("duration", ["+3000000d", "+99999999999d", "+3654d", "+1e400d"])
def test_a_clock_move_beyond_ten_years_is_refused_with_a_message(capsys, isolated, duration):
    from wizard.cli import main

    code = main(["sandbox", "clock", duration])
    err = capsys.readouterr().err
    assert code == 1 and ("10 years" in err or "cannot read the duration" in err), err
    assert main(["sandbox", "clock", "+3650d"]) == 0 and main(["sandbox", "clock", "+4d"]) == 1
    assert main(["list"]) == 0


@pytest.mark.parametrize("stored", [repr(3_000_000 * 86400.0), "inf", "nan", "-5", "garbage"])
def test_a_sandbox_file_broken_by_an_old_clock_move_is_repaired_not_a_traceback_on_every_command(
        capsys, isolated, stored):
    from wizard.cli import main
    from wizard.sandbox.clock import MAX_OFFSET
    from wizard.sandbox.state_file import SandboxState

    assert main(["list"]) == 0
    state = SandboxState(isolated / "sandbox.db")
    state.meta_set("clock_offset", stored)
    state.close()
    assert main(["list"]) == 0 and main(["sandbox", "dump"]) == 0
    state = SandboxState(isolated / "sandbox.db")
    assert 0 <= float(state.meta_get("clock_offset") or 0) <= MAX_OFFSET.total_seconds()
    state.close()
