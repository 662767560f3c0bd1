"""The one base class of failures whose message is written for the operator (light: the screens import it)."""


class OperatorError(Exception):
    """A handled failure: its message says in plain words what happened and what to do; never a traceback."""
