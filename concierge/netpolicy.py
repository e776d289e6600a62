# SPDX-License-Identifier: Apache-2.0
"""Which server URLs the app may talk to: https, or plain http to loopback only."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit


class InsecureServerError(ValueError):
    """The URL would send credentials in clear text to another machine."""


class CredentialsInUrlError(ValueError):
    """The URL carries a user name or password (they would be kept and shown as text)."""


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_server_url(url: str) -> str:
    """Return the normalised URL, or raise with a message a person can act on."""
    parts = urlsplit(url.strip())
    if "@" in parts.netloc:  # never echo what came before the @: it may be a password
        shown = f"{parts.scheme}://…@{parts.netloc.rpartition('@')[2]}"
        raise CredentialsInUrlError(
            f"The server address {shown} contains a user name or password. Remove them "
            "from the address and sign in with your user name and password instead."
        )
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValueError(f"'{url}' is not a server address; use https://host[:port].")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise InsecureServerError(
            f"'{url}' uses plain http to another machine; use https:// "
            "(plain http is only allowed for this computer, e.g. http://127.0.0.1)."
        )
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
