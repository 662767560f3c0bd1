"""The failures whose message is written for the operator (light: the screens import it before the domain).

The store's own errors are re-exported, so that the screens reach the store only through the domain.
"""

from storage.customers import StaleWrite, StoreError, UnknownCustomer
from storage.sqlite.store import damaged
from wizard.visible import visible

__all__ = ["OperatorError", "StaleWrite", "StoreError", "UnknownCustomer", "damaged", "shown"]


class OperatorError(Exception):
    """A handled failure: its message says in plain words what happened and what to do; never a traceback."""


def shown(error: object) -> str:
    """An error's message as a terminal may show it (wizard.visible: no control or invisible character raw)."""
    return visible(str(error), lines=True)
