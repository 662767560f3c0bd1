"""The README and docs keep their promises: the two quick-start commands, every readiness rule and playbook."""

from __future__ import annotations

from tests.support import ROOT
from wizard.customer.playbooks import PLAYBOOKS
from wizard.customer.rules import RULES

README = (ROOT / "README.md").read_text(encoding="utf-8")
RULES_DOC = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")


def test_quick_start_is_two_commands():
    quick = README.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = [line.split("#")[0].strip() for line in quick.splitlines() if line.startswith("uv run")]
    assert commands == ["uv run a2p-wizard", "uv run pytest"]


def test_every_readiness_rule_is_listed_with_its_severity():
    for rule, (severity, _) in RULES.items():
        line = next((row for row in RULES_DOC.splitlines() if f"`{rule}`" in row), None)
        assert line is not None, rule
        assert f"| {severity} |" in line, rule


def test_every_playbook_code_is_listed():
    """Each code has its row in the playbook table (a link elsewhere in the text is not enough)."""
    rows = RULES_DOC.splitlines()
    for code, pb in PLAYBOOKS.items():
        step = str(pb.redo_step) if pb.redo_step else "—"
        assert any(row.startswith(f"| [{code}]({pb.url}) | {pb.title}") and row.endswith(f"| {step} | {pb.fee} |")
                   for row in rows), code


def test_readme_is_short_and_its_links_resolve():
    assert len(README.splitlines()) <= 200
    for target in {part.split(")")[0].split("#")[0] for part in README.split("](")[1:]}:
        if not target.startswith("http"):
            assert (ROOT / target).exists(), target
