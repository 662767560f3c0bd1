"""`a2p-wizard`'s start: the app by default (in the terminal, or served to browsers), else the command it names.

Exit status: 0 success, 1 a handled error (message on stderr, no traceback), 2 a usage error.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Sequence

from wizard.cli.parser import build_parser, opening_the_app
from wizard.errors import OperatorError, StoreError, damaged
from wizard.visible import visible


def main(argv: Sequence[str] | None = None) -> int:
    args = opening_the_app(argv) or build_parser().parse_args(argv)
    if args.command is None:
        return _tui(args)
    if args.command == "serve":
        return _serve(args)
    if args.command == "receive":
        from wizard.desk import receive  # lazy: only this command listens

        return receive(host=args.host, port=args.port, home=args.data_dir, mode=args.mode, store_url=args.store)
    try:
        return _command(args)
    except (OperatorError, StoreError) as error:
        print(f"a2p-wizard: {visible(error, lines=True)}", file=sys.stderr)
        return 1
    except sqlite3.DatabaseError as error:  # a damaged page met by a read
        print(f"a2p-wizard: {visible(damaged(None, error), lines=True)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("a2p-wizard: interrupted; run the same command again to resume.", file=sys.stderr)
        return 1
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (e.g. `| head`): not an error worth a traceback
        return 0


def _command(args: argparse.Namespace) -> int:
    """Run the command `args` names, importing only what it needs: the app's start and `list` do not wait for
    the domain the other commands connect (settings, Twilio client, engine)."""
    if args.command == "list":
        from wizard.cli.list_command import cmd_list

        return cmd_list(args)
    if args.command == "store":
        from wizard.cli.store_commands import cmd_copy

        return cmd_copy(args)
    import asyncio

    from wizard.cli.commands import dispatch

    return asyncio.run(dispatch(args))


def _tui(args: argparse.Namespace) -> int:
    from screens.app import run  # lazy: the command line is the layer above the screens

    return run(home=args.data_dir, mode=args.mode, mock_brand=args.mock_brand, store_url=args.store)


def _serve(args: argparse.Namespace) -> int:
    from screens.serve import serve  # lazy, like the TUI: the web server is the screens' way out

    if args.allow_remote and not args.public_url:  # the browsers' Origin would never match the listening address
        print("a2p-wizard: serve --allow-remote needs --public-url, the address browsers open: your login proxy's, "
              "e.g. --public-url https://a2p.example.com (without it every browser would be refused).", file=sys.stderr)
        return 2
    return serve(host=args.host, port=args.port, allow_remote=args.allow_remote, public_url=args.public_url,
                 home=args.data_dir, mode=args.mode, mock_brand=args.mock_brand, store_url=args.store)
