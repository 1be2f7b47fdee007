"""``python -m sim``: the same command line as ``alliance-sim``."""

import sys

from sim.presentation.cli import main

sys.exit(main())
