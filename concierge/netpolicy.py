# SPDX-License-Identifier: Apache-2.0
"""Which server URLs the app may talk to: https, or plain http to loopback only."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from concierge.i18n import Msg, msg


class ServerAddressError(ValueError):
    """Not an address the app may use; ``msg`` says why for a person (``str()``: English)."""

    def __init__(self, message: Msg) -> None:
        self.msg = message
        super().__init__(message.text.format_map(message.params))


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
        raise CredentialsInUrlError(msg(
            "The server address {address} contains a user name or password. Remove them "
            "from the address and sign in with your user name and password instead.",
            address=shown))
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ServerAddressError(msg("'{address}' is not a server address; use "
                                     "https://host[:port].", address=url))
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise InsecureServerError(msg(
            "'{address}' uses plain http to another machine; use https:// (plain http is "
            "only allowed for this computer, e.g. http://127.0.0.1).", address=url))
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
