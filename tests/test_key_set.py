"""storage.key_set.KeySet: a set of keys held by SQLite in a private temporary database."""

from __future__ import annotations

import pytest

from storage.key_set import KeySet


def test_it_holds_each_key_once_and_answers_membership_exactly() -> None:
    with KeySet(iter(["K1", "K2", "K1", "ä", "x" * 100_000])) as keys:
        assert len(keys) == 4
        assert "K1" in keys and "ä" in keys and "x" * 100_000 in keys
        assert "K3" not in keys and "k1" not in keys and "" not in keys and 1 not in keys


def test_it_is_closed_after_its_block() -> None:
    with KeySet([]) as keys:
        assert len(keys) == 0
    with pytest.raises(Exception, match="closed"):
        "K1" in keys  # noqa: B015 (the question is the test)
