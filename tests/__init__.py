"""The test suite. Shared kits live in `tests.support`; pytest rewrites their asserts as it does the tests'."""

import pytest

pytest.register_assert_rewrite("tests.support")
