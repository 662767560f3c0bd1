"""The flow engine against the sandbox: the cases of tests/support/flow_cases.py, each on SQLite and on PostgreSQL."""

from tests.support.flow_cases import *  # noqa: F403 (the cases are these tests; the Prism contract run replays them)
