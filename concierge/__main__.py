# SPDX-License-Identifier: Apache-2.0
import sys

from concierge.cli import main

sys.exit(main())
