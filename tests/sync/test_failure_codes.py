"""A failed sync says why as a stable code with parameters, rendered in the reader's
language (#15 part 4): the status bar, the CLI and the stored last error alike."""

from __future__ import annotations

import pytest

from concierge.api.errors import (
    ApiError,
    ClockSkewError,
    InvalidRequestError,
    MalformedResponseError,
    NotRespondingError,
    OfflineError,
    ResetRequiredError,
    ServerError,
    TlsError,
    UnauthorizedError,
)
from concierge.i18n import translator_for
from concierge.sync.failures import (
    SyncFailure,
    failure_message,
    failure_of,
    failure_text,
    stored_failure_text,
)
from tests.sync.conftest import Laptop, Office


def test_an_offline_sync_fails_with_a_code_that_reads_in_german_too(
    laptop: Laptop, office: Office
) -> None:
    assert laptop.sync().ok
    office.stop()
    result = laptop.sync()
    assert not result.ok and result.failure is not None
    assert result.failure.code == "offline" and result.failure.retry_at == result.retry_at
    assert result.retry_at is not None
    en, de = translator_for("en"), translator_for("de")
    assert failure_text(result.failure, en).startswith("The back office cannot be reached.")
    german = failure_text(result.failure, de)
    assert "nicht erreichbar" in german and "back office" not in german.lower()
    assert de.format_time(result.retry_at) in german  # the time in the German format
    status = laptop.store.status()  # it outlives the app: stored with its code
    assert stored_failure_text(status.last_failure, status.last_error, de) == german
    office.start()
    assert laptop.sync().ok
    assert laptop.store.status().last_failure is None


@pytest.mark.parametrize(("exc", "code"), [
    (ClockSkewError("x"), "clock_skew"), (TlsError("x"), "tls"),
    (NotRespondingError("x"), "not_responding"), (OfflineError("x"), "offline"),
    (ServerError("x", status=503), "server_error"), (UnauthorizedError("x"), "unauthorized"),
    (ResetRequiredError("x"), "reset_loop"), (MalformedResponseError("x"), "malformed_response"),
    (InvalidRequestError("x", status=404, code="not_found"), "refused"),
    (ApiError("x"), "refused"), (KeyError("x"), "unexpected"),
])
def test_every_failure_has_a_code_and_a_sentence_in_each_language(
        exc: BaseException, code: str) -> None:
    failure = failure_of(exc)
    assert failure.code == code
    again = SyncFailure.from_json(failure.to_json())
    assert again == failure
    english = translator_for("en").render(failure_message(failure))
    german = translator_for("de").render(failure_message(failure))
    assert english and german and english != german
    assert "{" not in german


def test_a_code_this_app_does_not_know_reads_sensibly() -> None:
    later = SyncFailure("quota_exceeded", {"limit": 3})
    assert failure_text(later, translator_for("en")).startswith("The sync failed (quota_exceeded).")
    assert "quota_exceeded" in failure_text(later, translator_for("de"))
    assert SyncFailure.from_json("not json") is None
    assert stored_failure_text(None, "Old English text", translator_for("de")) == \
        "Old English text"  # a store written by an older app
