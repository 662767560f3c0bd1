"""The `a2p-wizard` command line's arguments: every command, its options, and the checks of their values."""

from __future__ import annotations

import argparse
import re
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from wizard.listing import SORTS
from wizard.visible import visible

FILTER_MAX = 200
"""The longest `list --filter` text taken (no name, email or brand is longer)."""
SIGNED_DURATION = re.compile(r"^-\d")
"""A `sandbox clock` argument such as -1h: a duration argparse must not take for an option."""

STORE_COPY = """\
Copy every customer and the whole journal, exactly as stored, between the store the app uses (the data folder's
SQLite file, or A2P_STORE_URL's database) and URL: a postgresql:// URL or the path of an SQLite file. The target
must be empty (a new database or file): it is written in one transaction and checked against the source (rows and
a sha256 per table) before it is committed, so it ends up a whole, checked copy or as it was. Nothing is deleted
from the source, which is read as one snapshot; close the app on both ends while copying, so that nothing written
after the snapshot is left behind. Keep the password out of a URL typed on a command line (other users can see
it there): PostgreSQL reads it from PGPASSWORD or ~/.pgpass."""


class _OptionsOnly(argparse.ArgumentParser):
    """A parser that raises what it finds wrong (as ArgumentError) instead of printing it and exiting."""

    def error(self, message: str) -> NoReturn:
        raise argparse.ArgumentError(None, message)


def build_parser(*, commands: bool = True) -> argparse.ArgumentParser:
    """The command line's parser; without `commands`, only the options that come before a command (no help, and
    what is wrong raised as `argparse.ArgumentError`)."""
    parser = (argparse.ArgumentParser if commands else _OptionsOnly)(
        prog="a2p-wizard",
        description="Register US/Canada sole-proprietor customers for A2P 10DLC through Twilio.",
        add_help=commands,
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--sandbox", dest="mode", action="store_const", const="sandbox",
                      help="use the built-in sandbox (the default without credentials)")
    mode.add_argument("--live", dest="mode", action="store_const", const="live",
                      help="talk to Twilio (the default with credentials)")
    parser.add_argument("--data-dir", metavar="DIR", help="keep store, sandbox, logs and config in DIR")
    parser.add_argument("--store", metavar="URL",
                        help="keep the customers in a team's PostgreSQL database (postgresql://USER@HOST/DB) instead "
                             "of DIR's SQLite file; leave the password out of the URL (other users see command "
                             "lines): set PGPASSWORD or use ~/.pgpass")
    parser.add_argument("--mock-brand", action="store_true", default=None,
                        help="register brands with Mock=true (no TCR fees; rehearsals only)")
    if not commands:
        return parser
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("list", help="one row per customer: key, name, stage, status, next action (the app's list: "
                                    "its order, filter and sort)")
    _json_flag(p, "the rows")
    p.add_argument("--offboarded", action="store_true",
                   help="list the offboarded customers instead of the active ones (the app's o)")
    p.add_argument("--sort", choices=SORTS, default="attention", metavar="COLUMN",
                   help=f"order by one of the app's columns: {', '.join(SORTS)} (default attention: those needing "
                        "you first, then the latest update)")
    p.add_argument("--desc", action="store_true", help="the order reversed (the app's r)")
    p.add_argument("--filter", type=_filter, default="", metavar="TEXT",
                   help="only the customers whose name, email, phone, mobile, brand or key holds TEXT (accents and "
                        "case ignored; a phone number matched by its digits), as the app's / filter")
    p.add_argument("--limit", type=_limit, metavar="N", help="only the first N customers")
    p = sub.add_parser("show", help="one customer's dossier: inputs, SIDs, statuses, journal, errors")
    _key(p)
    _json_flag(p, "the dossier")
    p = sub.add_parser("import", help="create customers from a CSV file (header row = field names)")
    p.add_argument("file", type=Path, help="a CSV file with a header row of the columns (docs/guide.md)")
    p.add_argument("--allow-duplicates", action="store_true",
                   help="import rows whose email, mobile, or phone and name match another customer (warned)")
    for name, text in (("advance", "run every action that can run now"), ("refresh", "poll statuses only"),
                       ("reconcile", "advance, looking at Twilio before every create (after restoring a backup)")):
        p = sub.add_parser(name, help=text)
        target = p.add_mutually_exclusive_group(required=True)
        target.add_argument("key", nargs="?", help="the customer's key, e.g. C00001 (list shows every key)")
        target.add_argument("--all", action="store_true", help="every customer")
        if name == "advance":
            p.add_argument("--yes", action="store_true", help="with --all: run billable calls without asking (else "
                                                              "asked in a terminal; free work only without one)")
        if name == "reconcile":
            p.add_argument("--yes", action="store_true", help="release numbers bought for duplicate services and, with "
                                                              "--all, run billable calls, without asking")
    p = sub.add_parser("offboard", help="delete a customer's campaign, number (if asked) and Messaging Service; "
                                        "the customer is kept, offboarded")
    _key(p)
    p.add_argument("--release-number", action="store_true",
                   help="release the phone number (else it is taken out of the service and stays on the account)")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p = sub.add_parser("fees", help="what Twilio bills: this month's one-time fees, the monthly run-rate by kind "
                                     "(each number once, kept ones too) and what offboarding would save")
    _json_flag(p, "the fees")
    otp = sub.add_parser("otp", help="one-time passcode").add_subparsers(dest="otp_command", required=True)
    _key(otp.add_parser("resend", help="ask Twilio for a new OTP"))
    sub.add_parser("locate", help="print the paths of store, config, logs")
    p = sub.add_parser("serve", help="serve the app to web browsers (textual-serve): one app per browser tab")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=_port, default=8000, help="port to listen on (default 8000)")
    p.add_argument("--allow-remote", action="store_true",
                   help="allow a non-loopback --host (there is no login: only behind an authenticating proxy)")
    p.add_argument("--public-url", type=_public_url, metavar="URL",
                   help="the address browsers use, when a proxy stands in front (e.g. https://a2p.example.com)")
    events = sub.add_parser("events", help="Twilio Event Streams for the A2P events").add_subparsers(
        dest="events_command", required=True)
    events.add_parser("setup", help="create the webhook sink and its subscription to the A2P event types (only "
                                    "what is missing: safe to run twice)").add_argument(
        "--sink-url", required=True, metavar="URL", help="where Twilio posts the events: the receiver's public URL")
    events.add_parser("status", help="the account's webhook sinks, their subscriptions, the last event taken")
    p = sub.add_parser("receive", help="receive Twilio's status callbacks and events at A2P_CALLBACK_URL (only that)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: behind a proxy)")
    p.add_argument("--port", type=_port, default=8001, help="port to listen on (default 8001)")
    p = sub.add_parser("policy", help="write starter privacy policy and terms pages for a customer (review, host)")
    _key(p)
    p.add_argument("--out", type=Path, metavar="DIR", help="folder to write them into (default: DATA/policies/KEY)")
    numbers = sub.add_parser("numbers", help="phone numbers").add_subparsers(dest="numbers_command", required=True)
    p = numbers.add_parser("available", help="US local numbers for sale (what phone_number=buy would get)")
    p.add_argument("key", nargs="?", help="a customer: the area code of their phone")
    p.add_argument("--area-code", metavar="NPA", help="a US area code, e.g. 206")
    _json_flag(p, "the numbers and their price")
    p = sub.add_parser("lint", help="approval-readiness checks for a JSON file or a stored customer")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("file", nargs="?", type=Path, help="one JSON object with the CSV import's column names")
    source.add_argument("--customer", metavar="KEY", help="a stored customer's key, e.g. C00001")
    p.add_argument("--fetch", action="store_true", help="also open the policy pages and check what they say")
    _json_flag(p, "the findings")
    store = sub.add_parser("store", help="the customers store itself").add_subparsers(dest="store_command",
                                                                                   required=True)
    p = store.add_parser("copy", help="copy the whole store to or from another (SQLite file or PostgreSQL)",
                         description=STORE_COPY)
    way = p.add_mutually_exclusive_group(required=True)
    way.add_argument("--to", dest="to_url", metavar="URL", help="copy the store the app uses into URL (empty)")
    way.add_argument("--from", dest="from_url", metavar="URL",
                     help="copy URL into the store the app uses (which must be empty)")
    sandbox = sub.add_parser("sandbox", help="sandbox controls").add_subparsers(dest="sandbox_command",
                                                                               required=True)
    _key(sandbox.add_parser("reply-yes", help="the customer answers the OTP"))
    clock = sandbox.add_parser("clock", help="move the sandbox clock, e.g. +25h")
    clock._negative_number_matcher = SIGNED_DURATION  # "-1h" is the duration, not an option (answered: forward only)
    clock.add_argument("duration", help="how far: a number and s, m, h or d, e.g. +25h, +30m, +2d")
    _json_flag(sandbox.add_parser("dump", help="every resource the sandbox holds"), "the resources")
    return parser


def _json_flag(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--json", action="store_true", help=f"print {what} as JSON (for scripts), not as text")


def _key(parser: argparse._ActionsContainer, what: str = "the customer") -> None:
    parser.add_argument("key", help=f"{what}'s key, e.g. C00001 (list shows every key)")


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number (1-65535): {visible(text)!r}")
    return int(text)


def _filter(text: str) -> str:
    if len(text) > FILTER_MAX:
        raise argparse.ArgumentTypeError(f"a filter is at most {FILTER_MAX} characters")
    return text


def _limit(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a number of customers (1 or more): {visible(text)!r}")
    return int(text)


def _public_url(text: str) -> str:
    if not text.startswith(("http://", "https://")):
        raise argparse.ArgumentTypeError(f"not an http:// or https:// URL: {visible(text)!r}")
    return text


def opening_the_app(argv: Sequence[str] | None) -> argparse.Namespace | None:
    """The options when `argv` only opens the app (options, no command, no help), read without building every
    command's parser (half the parser's time at the app's start: argparse looks up a translation per help text);
    None when it holds more, or anything wrong: the whole parser then reads it, and says what."""
    try:
        args, rest = build_parser(commands=False).parse_known_args(argv)
    except argparse.ArgumentError:
        return None
    return None if rest else argparse.Namespace(**vars(args), command=None)
