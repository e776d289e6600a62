# SPDX-License-Identifier: Apache-2.0
"""Field Concierge core: domain, API client, local store, sync, insights, sessions.

Qt-free by contract (see the import-linter contracts in pyproject.toml).
"""

APP_NAME = "field-concierge"
APP_AUTHOR = "FieldConcierge"
UNKNOWN_VERSION = "0+unknown"


def __getattr__(name: str) -> str:
    """``__version__``: the one version, pyproject.toml's, read from the installed
    distribution on first use (importlib.metadata costs ~15 ms to import)."""
    if name != "__version__":
        raise AttributeError(f"module 'concierge' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        value = version(APP_NAME)
    except PackageNotFoundError:  # a source tree that was never installed
        value = UNKNOWN_VERSION
    globals()["__version__"] = value
    return value
