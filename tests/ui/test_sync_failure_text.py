"""The status bar says why a sync failed in the UI language, from the failure's code
(#15 part 4); a code this app does not know still reads sensibly."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from concierge.i18n import translator_for
from concierge.sync import SyncResult
from concierge.sync.failures import SyncFailure, local_rejection_message
from ui.statusbar import SyncStatusWidget, sync_error_text

pytestmark = pytest.mark.qt


def _failed(failure: SyncFailure, *, offline: bool = False) -> SyncResult:
    return SyncResult(ok=False, error="English text for the log", pushed=0, pulled=0,
                      conflicts=0, rejected=0, new_urgent_visit_ids=[],
                      finished_at=datetime.now(UTC), offline=offline, failure=failure)


def test_a_failed_sync_reads_in_german_with_the_retry_time(german: object, qtbot) -> None:
    retry = datetime(2026, 12, 5, 14, 42, tzinfo=UTC)
    result = _failed(SyncFailure("server_error", {"status": 503,
                                                  "retry_at": retry.isoformat()}))
    status = SyncStatusWidget()
    qtbot.addWidget(status)
    status.set_finished(result)
    tip = status.last_sync.toolTip()
    assert tip.startswith("Der Innendienst hat ein Problem oder ist ausgelastet.")
    assert translator_for("de").format_time(retry) in tip
    assert "English" not in tip and "letzter Versuch fehlgeschlagen" in status.last_sync.text()


def test_an_unknown_code_reads_sensibly(german: object) -> None:
    text = sync_error_text(_failed(SyncFailure("quota_exceeded")))
    assert text.startswith("Die Synchronisierung ist fehlgeschlagen (quota_exceeded).")


@pytest.mark.parametrize("code", ["unsendable", "attachment_unreadable", "unreadable_record"])
def test_a_change_this_app_set_aside_says_why_in_german_not_as_the_offices_words(
        german: object, code: str) -> None:
    """The class of #15 part 4: codes the app itself gives in "needs attention"."""
    from ui.errors import office_error_text

    text = office_error_text(code, "An English sentence for the log.")
    assert "English" not in text and "Innendienst sagt" not in text
    message = local_rejection_message(code)
    assert message is not None and text == translator_for("de").render(message)


def test_a_visit_resolved_remotely_reads_in_german_with_the_german_time(german: object) -> None:
    """#18 item 5 in the reader's language; a reason this app does not know reads as
    withdrawn."""
    from concierge.store import WithdrawnVisit
    from ui.withdrawal import withdrawal_sentence, withdrawal_status

    at = datetime.now().astimezone().replace(hour=10, minute=42, second=0, microsecond=0)
    fixed = WithdrawnVisit("vis-1", "resolved_remotely", "Tür neu kalibriert", at)
    assert withdrawal_status(fixed) == "Aus der Ferne behoben um 10:42"
    assert "um 10:42 aus der Ferne behoben" in withdrawal_sentence(fixed)
    later = WithdrawnVisit("vis-2", "merged_into_another", "", None)
    assert withdrawal_status(later) == "Vom Innendienst zurückgezogen"


def test_a_background_task_cut_off_from_the_office_says_so_in_german(german: object) -> None:
    """The class: an API failure without an office code reaching a person elsewhere (a task
    that failed, say) is worded by its kind, not the client's English message."""
    from concierge.api.errors import NotRespondingError, OfflineError
    from ui.errors import people_message

    assert people_message(OfflineError("The server could not be reached.")).startswith(
        "Der Innendienst ist nicht erreichbar.")
    assert people_message(NotRespondingError("Too slow.")).startswith(
        "Der Innendienst antwortet nicht rechtzeitig.")


def test_sign_in_troubles_read_in_german(german: object) -> None:
    from concierge.auth import CertificateProblem, ClockSkew, ServerTrouble
    from ui.errors import people_message

    assert people_message(ServerTrouble("server_trouble", address="https://x", status=503)) \
        .startswith("Der Innendienst unter https://x hat ein Problem (HTTP 503).")
    assert "Uhr" in people_message(ClockSkew("clock_skew"))
    assert "Zertifikat" in people_message(CertificateProblem("certificate_untrusted"))
