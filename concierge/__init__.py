"""Field Concierge core: domain, API client, local store, sync, insights, sessions.

Qt-free by contract (see the import-linter contracts in pyproject.toml).
"""

__version__ = "0.1.0"
APP_NAME = "field-concierge"
APP_AUTHOR = "FieldConcierge"
