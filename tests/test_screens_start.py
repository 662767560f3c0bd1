"""The app's start: the list is painted from the opened installation before the domain is connected; keys
that need the domain wait for it; a connection that fails ends the app with the reason, not a traceback."""

from __future__ import annotations

import threading

import pytest

from screens.app import WizardApp
from screens.customer_list import CustomersScreen
from tests.support.pilot import toasts, until
from tests.support.reliability import spoil_index
from wizard.desk import Desk
from wizard.errors import StoreError
from wizard.session.runtime import Runtime
from wizard.session.startup import Startup

SIZE = (120, 40)


def hold(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Make Runtime.connect wait until the returned event is set (as if importing the domain took its time)."""
    gate = threading.Event()
    connect = Runtime.connect

    def slow(cls: type[Runtime], startup: Startup, **options: object) -> Runtime:
        assert gate.wait(10), "the test never let the connection finish"
        return connect(startup, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(Runtime, "connect", classmethod(slow))
    return gate


async def test_the_list_is_painted_before_the_domain_is_connected(isolated, clock, monkeypatch):
    async with Runtime.open(home=isolated, now=clock) as rt:
        await Desk(rt).load_examples()
    held = hold(monkeypatch)
    startup = Startup.open(now=clock)
    app = WizardApp(startup)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, CustomersScreen) and screen.table.total == 7
            assert "SANDBOX" in str(screen.query_one("ModeBanner").render())
            with pytest.raises(RuntimeError, match="not connected yet"):
                app.desk  # noqa: B018
            app.simulate_key("n")  # opens the new customer once connected
            await pilot.pause()
            assert app.screen is screen
            held.set()
            await app.connected()
            for _ in range(20):
                await pilot.pause()
                if app.screen is not screen:
                    break
            assert type(app.screen).__name__ == "CustomerScreen"
            assert app.desk.startup is startup  # connected on the installation the list was painted from
    finally:
        held.set()
        startup.close()


async def test_a_connection_that_fails_ends_the_app_with_the_reason(isolated, clock, monkeypatch, capfd):
    monkeypatch.setenv("A2P_SANDBOX_FAULTS", "gremlins=1")  # read by the settings, when connecting
    startup = Startup.open(now=clock)
    app = WizardApp(startup)
    try:
        async with app.run_test(size=SIZE) as pilot:
            for _ in range(50):
                await pilot.pause(0.05)
                if app.return_code is not None:
                    break
    finally:
        startup.close()
    assert app.return_code == 1
    assert "a2p-wizard: A2P_SANDBOX_FAULTS: Unknown fault setting" in capfd.readouterr().err


async def test_a_damaged_store_is_reported_once_connected_and_stops_every_run(isolated, clock):
    async with Runtime.open(home=isolated, now=clock) as rt:
        await Desk(rt).load_examples()
        sent = len(rt.store.journal("C00007"))
    assert spoil_index(isolated / "a2p-wizard.db", "customers_name") > 0
    startup = Startup.open(now=clock)
    app = WizardApp(startup)
    try:
        async with app.run_test(size=SIZE) as pilot:
            desk = await app.connected()
            await until(pilot, lambda: any("damaged" in (n.title or "") for n in toasts(app)), "the damage report")
            [report] = [n.message for n in toasts(app) if "damaged" in (n.title or "")]
            assert "What to do, in order" in report
            run = None
            with pytest.raises(StoreError, match="is damaged"):
                run = await desk.advance("C00007")  # ready to send its starter profile: nothing goes out
            assert run is None and len(desk.customer("C00007").state.sids) == 0
    finally:
        startup.close()
    async with Runtime.open(home=isolated, now=clock) as rt:
        assert len(rt.store.journal("C00007")) == sent
