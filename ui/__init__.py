# SPDX-License-Identifier: Apache-2.0
"""Field Concierge's PySide6 front end: renders the core's state, sends intents back."""
