# SPDX-License-Identifier: Apache-2.0
"""Which server URLs the app may talk to: https, or plain http to loopback only."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from concierge.errors import PersonError


class ServerAddressError(PersonError, ValueError):
    """Not an address the app may use: ``code`` with the ``address``; ``msg`` says why for
    a person (``str()``: English)."""


class InsecureServerError(ServerAddressError):
    """The URL would send credentials in clear text to another machine."""


class CredentialsInUrlError(ServerAddressError):
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
        raise CredentialsInUrlError("address_with_credentials", address=shown)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ServerAddressError("not_an_address", address=url)
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise InsecureServerError("insecure_address", address=url)
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
