"""Twilio error playbooks: every code the flow meets has a cause, a fix, a step and a fee."""

import pytest

from wizard.customer.playbooks import PLAYBOOKS, describe, playbook

REQUIRED = [
    30752, 30751, 22218, 30914, 30915, 30896, 30893, 30889, 30897, 30886, 30701, 30991, 21724, 21725,
    21712, 21715, 20429, 30034, 18601, 22214, 22215, 22216, 22217, 22219, 20001, 20003, 20404, 21421,
    80104, 21711,
]  # fmt: skip


@pytest.mark.parametrize("code", REQUIRED)
def test_every_listed_code_has_a_playbook(code: int) -> None:
    pb = playbook(code)
    assert pb is not None and pb.code == code
    assert pb.title and pb.cause and pb.fix and pb.fee
    assert pb.url == f"https://www.twilio.com/docs/api/errors/{code}"
    assert pb.redo_step in (None, 1, 2, 3, 4)


def test_table_is_keyed_by_its_codes() -> None:
    assert all(code == pb.code for code, pb in PLAYBOOKS.items())
    assert all(pb.url.endswith(str(code)) for code, pb in PLAYBOOKS.items())


@pytest.mark.parametrize(
    ("code", "step", "fee"),
    [
        (30752, 3, "Free"),
        (30701, 3, "3 times"),
        (30893, 4, "$15"),
        (30886, 4, "$15"),
        (22216, 1, "Free"),
        (21724, 3, "$4.50"),
        (20429, None, "Free"),
    ],
)
def test_steps_and_fees(code: int, step: int | None, fee: str) -> None:
    pb = PLAYBOOKS[code]
    assert pb.redo_step == step and fee in pb.fee


def test_describe_known_code() -> None:
    pb = PLAYBOOKS[30701]
    assert describe(30701) == f"30701 Brand field invalid — {pb.fix} (redo step 3)"


def test_describe_known_code_with_twilio_message_stays_on_one_line() -> None:
    line = describe(30701, "Invalid State/Region/Province.\n  please check  the input")
    assert line.startswith(
        "30701 Brand field invalid (Invalid State/Region/Province. please check the input) — "
    )
    assert line.endswith("(redo step 3)") and "\n" not in line


def test_describe_without_step_to_redo() -> None:
    assert "redo step" not in describe(20429)
    assert describe(20429).startswith("20429 Too many requests — ")


def test_describe_unknown_code_falls_back_to_message_and_url() -> None:
    assert (
        describe(12345, "Something odd")
        == "12345 Something odd — see https://www.twilio.com/docs/api/errors/12345"
    )
    assert describe(12345) == "12345 Twilio error — see https://www.twilio.com/docs/api/errors/12345"
    assert playbook(12345) is None
