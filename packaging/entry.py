"""Frozen-app entry point (PyInstaller): the same as the `concierge` console script."""

import sys

from ui.launcher import main

sys.exit(main())
