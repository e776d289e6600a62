# SPDX-License-Identifier: Apache-2.0
"""``python -m concierge_office``: the same as ``concierge-office``."""

from concierge_office.cli import main

raise SystemExit(main())
