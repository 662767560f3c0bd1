"""The command line: a front end beside the screens, behind the same door (pyproject's import-linter contracts).

`main` starts it all: `a2p-wizard` (pyproject's script) and `python -m wizard` run it.
"""

from wizard.cli.launch import main

__all__ = ["main"]
