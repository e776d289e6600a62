"""The keyring the suite uses is a real Secret Service (gnome-keyring over D-Bus)."""

from __future__ import annotations

import uuid

import keyring
import pytest
from keyring.backends import SecretService

pytestmark = pytest.mark.keyring


def test_backend_is_the_secret_service() -> None:
    backend = keyring.get_keyring()
    assert isinstance(backend, SecretService.Keyring), backend


def test_secret_round_trips_through_the_secret_service() -> None:
    service, user, secret = "field-concierge-test", f"user-{uuid.uuid4()}", f"tok-{uuid.uuid4()}"
    keyring.set_password(service, user, secret)
    try:
        assert SecretService.Keyring().get_password(service, user) == secret
    finally:
        keyring.delete_password(service, user)
    assert keyring.get_password(service, user) is None
