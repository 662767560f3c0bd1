"""`python -m wizard` runs the same command line as `a2p-wizard`."""

import sys

from wizard.cli import main

sys.exit(main())
