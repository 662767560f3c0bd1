"""The app as screens see it: one typed handle instead of a cast (or `type: ignore`) in every screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, cast, runtime_checkable

from textual.dom import DOMNode

if TYPE_CHECKING:
    from wizard.desk import Desk
    from wizard.listing import CustomerList
    from wizard.session.startup import Startup


class Host(Protocol):
    """What the screens need from the app that hosts them (WizardApp, or a test's smaller app)."""

    @property
    def startup(self) -> Startup: ...

    @property
    def desk(self) -> Desk:
        """The door to the domain; screens that use it are opened once the app is connected."""
        ...


class ListHost(Host, Protocol):
    """What the Customers list needs as well: it is shown before the app is connected."""

    customer_list: CustomerList

    async def connected(self) -> Desk: ...

    def when_connected(self, callback: Callable[[], object]) -> None: ...


@runtime_checkable
class KeepsDrafts(Protocol):
    """A screen holding a form: what it holds is kept as a draft before the app quits (the app knows it by this,
    not by its class, which would import the domain before the first frame)."""

    def keep_draft(self) -> None: ...


def host(node: DOMNode) -> Host:
    return cast("Host", node.app)


def list_host(node: DOMNode) -> ListHost:
    return cast("ListHost", node.app)
