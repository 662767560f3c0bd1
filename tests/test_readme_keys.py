"""The README's key table and the screens' bindings agree: every key a footer shows is in the table, in the row of
its screen (or "everywhere"), and every key the table names is bound where it says."""

from __future__ import annotations

import re

from textual.dom import DOMNode

from screens.app import WizardApp
from screens.customer_list import CustomersScreen
from screens.customer_screen import CustomerScreen
from screens.modals.confirm import ConfirmModal
from screens.modals.offboard import OffboardModal
from screens.settings_screen import SettingsScreen
from screens.steps.campaign import CampaignForm
from tests.support import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
ROWS: dict[str, tuple[type[DOMNode], ...]] = {
    "everywhere": (WizardApp,),
    "customers list": (CustomersScreen,),
    "a customer": (CustomerScreen,),
    "Brand & OTP": (CustomerScreen,),
    "Campaign": (CampaignForm, CustomerScreen),  # the form's f3–f5; `n` is the screen's, on step 4
    "settings": (SettingsScreen,),
    "a question": (ConfirmModal, OffboardModal),
}
NAMES = {"/": "slash", "?": "question_mark", "ctrl+PgUp": "ctrl+pageup", "ctrl+PgDn": "ctrl+pagedown"}


def readme_keys() -> dict[str, set[str]]:
    """Each row of the README's key table ("where" → the keys it names, as Textual names them)."""
    table = README.split("| where | keys |", 1)[1].split("\n\n", 1)[0]
    rows: dict[str, set[str]] = {}
    for line in table.splitlines()[2:]:
        where, keys = (cell.strip() for cell in line.strip("|").split("|"))
        named = set(re.findall(r"`([^`]+)`", keys))
        if "1" in named and "4" in named:  # `1`–`4`
            named |= {"2", "3"}
        rows[where] = {NAMES.get(key, key) for key in named}
    return rows


def bound(node: type[DOMNode], *, shown_only: bool = False) -> set[str]:
    """The keys `node` binds (its own and inherited), or only those its footer shows."""
    return {key for key, bindings in node._merge_bindings().key_to_bindings.items()
            if any(b.show for b in bindings) or not shown_only}


def test_the_table_has_a_row_for_each_place() -> None:
    assert set(readme_keys()) == set(ROWS)


def test_every_key_a_footer_shows_is_in_the_readme_s_table() -> None:
    rows = readme_keys()
    for node in {node for nodes in ROWS.values() for node in nodes}:
        documented = rows["everywhere"].union(*(rows[where] for where, nodes in ROWS.items() if node in nodes))
        assert bound(node, shown_only=True) - documented == set(), node.__name__


def test_every_key_the_table_names_is_bound_where_it_says() -> None:
    everywhere = bound(WizardApp) | {"ctrl+p"}  # the command palette's key is the App's COMMAND_PALETTE_BINDING
    for where, keys in readme_keys().items():
        assert keys - everywhere - set().union(*(bound(node) for node in ROWS[where])) == set(), where
