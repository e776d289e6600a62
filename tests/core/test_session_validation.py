from datetime import UTC, datetime
from typing import Any

import pytest

from concierge.domain import AssetKind, StepType, metric_spec
from concierge.i18n import translator_for
from concierge.session.model import ChecklistItem, SessionDoc, SignOff, StepResult
from concierge.session.validation import (
    MeasurementError,
    blockers,
    check_range,
    parse_measurement,
    step_problem,
)

EN = translator_for("en").render  # the source text, to compare with


def said(problem: Any) -> str:
    """A step problem in English for a step titled "S" on the whole site."""
    return EN(problem.with_params(step="S", where=""))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12.5", 12.5), ("12,5", 12.5), (" -3 ", -3.0), ("1 234,5", 1234.5),
        ("1.234,5", 1234.5), ("1,234.5", 1234.5), ("4.2 s", 4.2), ("4,2s", 4.2), (".5", 0.5),
        ("1e3", 1000.0), ("1\u202f000", 1000.0),
    ],
)
def test_parse_accepts_locale_friendly_numbers(text: str, value: float) -> None:
    assert parse_measurement(text, "s") == pytest.approx(value)


@pytest.mark.parametrize("text", ["abc", "12.5.3", "twelve", "nan", "inf", "1e999", "--1", "5 kg"])
def test_parse_refuses_non_numbers_with_a_clear_message(text: str) -> None:
    with pytest.raises(MeasurementError) as err:
        parse_measurement(text, "s")
    assert str(err.value) == f"“{text}” is not a number. Enter digits only, e.g. 12.5 or 12,5 (s)."


def test_parse_empty_asks_for_a_value() -> None:
    with pytest.raises(MeasurementError, match=r"^Enter a value in °C\.$"):
        parse_measurement("  ", "°C")


def test_range_flags_with_guidance_and_threshold() -> None:
    assert check_range(4.0, 3.0, 5.0, "s") is None
    low = check_range(2.5, 3.0, 5.0, "s")
    assert low is not None and low.severity == "out_of_range"
    assert EN(low.message).startswith("2.5 s is below the target 3–5 s. Check the reading;")
    spec = metric_spec(AssetKind.ELEVATOR, "door_cycle_time")
    high = check_range(8.5, 3.0, 5.0, "s", spec)
    assert high is not None and high.severity == "critical"
    assert EN(high.message).endswith("It is past the critical threshold (8 s).")
    only_low = check_range(1.0, 2.0, None, "dB")
    assert only_low is not None and "target of at least 2 dB" in EN(only_low.message)


def _item(key: str, step_type: StepType, required: bool = True, **kw: Any) -> ChecklistItem:
    return ChecklistItem(
        id=f"a/{key}", asset_id="a", key=key, title=f"Step {key}", type=step_type,
        required=required, **kw,
    )


def test_step_is_closed_only_when_done_with_input_or_skipped_with_reason() -> None:
    check = _item("c", StepType.CHECK)
    assert said(step_problem(check, StepResult())) == (
        "Required step “S” is still open: mark it done or skip it with a reason."
    )
    assert step_problem(check, StepResult(status="done", value=True)) is None
    assert said(step_problem(check, StepResult(status="skipped", skip_reason="  "))) == (
        "Required step “S” was skipped without a reason."
    )
    assert step_problem(check, StepResult(status="skipped", skip_reason="No access")) is None
    measure = _item("m", StepType.MEASUREMENT)
    assert said(step_problem(measure, StepResult(status="done", value="x"))) == (
        "Required step “S” is marked done but has no measurement."
    )
    choice = _item("ch", StepType.CHOICE, choices=["A", "B"])
    assert step_problem(choice, StepResult(status="done", value="C")) is not None
    assert step_problem(choice, StepResult(status="done", value="A")) is None
    photo = _item("p", StepType.PHOTO)
    assert step_problem(photo, StepResult(status="done", attachments=["0" * 64])) is None


def test_blockers_list_exactly_what_is_missing() -> None:
    doc = SessionDoc(
        checklist=[
            _item("c", StepType.CHECK),
            _item("opt", StepType.NOTE, required=False),
            _item("m", StepType.MEASUREMENT),
        ],
        results={"a/m": StepResult(status="done", value=4.2)},
    )
    assert [EN(m) for m in blockers(doc, {"a": "Elevator M1 (SN-a)"})] == [
        "Required step “Step c” (Elevator M1 (SN-a)) is still open: "
        "mark it done or skip it with a reason.",
        "The customer's signature is missing (the customer is present).",
        "The technician's sign-off is missing.",
    ]
    doc.results["a/c"] = StepResult(status="skipped", skip_reason="Customer declined")
    doc.signature.strokes = [[(0.1, 0.1), (0.2, 0.3)]]
    doc.sign_off = SignOff(name="Sam", at=datetime(2025, 1, 1, tzinfo=UTC))
    assert blockers(doc) == []


def test_no_signature_needed_when_the_customer_is_away() -> None:
    doc = SessionDoc()
    doc.wishes.customer_present = False
    assert [EN(m) for m in blockers(doc)] == ["The technician's sign-off is missing."]
