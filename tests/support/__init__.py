"""What the tests share: kits (builders, drivers, servers, fault injectors), never tests themselves.

A test module imports from here (`from tests.support.flow import …`); no test imports another test module or
`conftest`. The fixtures stay in `tests/conftest.py`, which builds them from these kits.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
"""The repository's folder (where `a2p-wizard` processes of the tests run, and the README and docs are)."""
