"""What the tests share: kits (builders, drivers, servers, fault injectors), never tests themselves.

A test module imports from here (`from tests.support.flow import …`); no test imports another test module or
`conftest`. The fixtures stay in `tests/conftest.py`, which builds them from these kits.
"""
