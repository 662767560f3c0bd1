"""The failures whose message is written for the operator (light: the screens import it before the domain).

The store's own errors are re-exported, so that the screens reach the store only through the domain.
"""

from storage.store import StaleWrite, StoreError, UnknownCustomer

__all__ = ["OperatorError", "StaleWrite", "StoreError", "UnknownCustomer"]


class OperatorError(Exception):
    """A handled failure: its message says in plain words what happened and what to do; never a traceback."""
