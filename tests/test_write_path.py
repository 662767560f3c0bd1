"""The one write path: every change to a customer is read, judged and written once, in one transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from screens.steps.profile import ProfileForm
from storage.sqlite.store import Store
from tests.support import factories as f
from tests.support.customer_app import SIZE, CustomerApp
from tests.support.pilot import settle, type_into
from wizard.customer.customer import Customer
from wizard.desk import Desk
from wizard.flow import status
from wizard.session.runtime import Runtime


class PerTransaction:
    """Counts of `from_record` and summary computations in each write transaction (and outside any)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.counts: list[Counter[str]] = []
        self.depth = 0
        transaction, from_record, summarize = Store.transaction, Customer.from_record.__func__, status.summarize

        @contextmanager
        def counted_transaction(store: Store) -> Iterator[Any]:
            outer = self.depth == 0
            if outer:
                self.counts.append(Counter())
            self.depth += 1
            try:
                with transaction(store) as db:
                    yield db
            finally:
                self.depth -= 1

        def counted(name: str, fn: Any) -> Any:
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                if self.depth:
                    self.counts[-1][name] += 1
                return fn(*args, **kwargs)
            return wrapper

        monkeypatch.setattr(Store, "transaction", counted_transaction)
        monkeypatch.setattr(Customer, "from_record", classmethod(counted("from_record", from_record)))
        monkeypatch.setattr("wizard.flow.engine.summarize", counted("summarize", summarize))

    def worst(self) -> Counter[str]:
        return Counter({name: max(c[name] for c in self.counts) for name in ("from_record", "summarize")})


@pytest.mark.slow
async def test_a_step_1_save_from_the_form_reads_and_judges_once_per_transaction(runtime: Runtime, monkeypatch):
    key = Desk(runtime).create(f.profile()).key
    app = CustomerApp(runtime, key)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen.query_one(ProfileForm), ProfileForm)
        await type_into(pilot, "city", "Tacoma")
        counter = PerTransaction(monkeypatch)
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert runtime.engine.load(key).profile.city == "Tacoma"
    assert len(counter.counts) >= 9  # the save, then every call of step 1 (journal and result)
    assert counter.worst() == Counter(from_record=1, summarize=1), counter.counts


async def test_a_draft_saved_over_another_is_written(runtime: Runtime) -> None:
    """The drafts a customer is read with are its own: changing them changes what is compared before writing."""
    c = Desk(runtime).create(f.profile())
    c = Desk(runtime).save_draft(c.key, c.version, 1, {"city": "Tacoma"})
    c = Desk(runtime).save_draft(c.key, c.version, 1, {"city": "Olympia"})
    assert runtime.engine.load(c.key).drafts == {"profile": {"city": "Olympia"}}
    c = Desk(runtime).drop_draft(c.key, c.version, 1)
    assert runtime.engine.load(c.key).drafts == {}
