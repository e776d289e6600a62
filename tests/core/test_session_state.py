from datetime import UTC, datetime

from concierge.domain import StepType
from concierge.i18n import translator_for
from concierge.session.model import ChecklistItem, SessionDoc, SignOff, StepResult
from concierge.session.state import (
    STEPS,
    Step,
    next_step,
    parse_step,
    previous_step,
    progress,
)

EN = translator_for("en").render  # the source text, to compare with


def test_steps_in_order_forward_and_back() -> None:
    assert [s.value for s in STEPS] == [
        "welcome", "baseline", "optimise", "verify", "delight", "report"
    ]
    assert next_step(Step.WELCOME) is Step.BASELINE
    assert next_step(Step.REPORT) is None
    assert previous_step(Step.BASELINE) is Step.WELCOME
    assert previous_step(Step.WELCOME) is None
    step: Step | None = Step.WELCOME
    walked = []
    while step is not None:
        walked.append(step)
        step = next_step(step)
    assert tuple(walked) == STEPS


def test_unknown_step_falls_back_to_welcome() -> None:
    assert parse_step("verify") is Step.VERIFY
    assert parse_step("teleport") is Step.WELCOME


def test_progress_marks_current_done_and_attention() -> None:
    item = ChecklistItem(id="a/x", asset_id="a", key="x", title="X", type=StepType.CHECK)
    doc = SessionDoc(checklist=[item], visited=["welcome", "baseline", "optimise"])
    doc.wishes.tags = ["noise"]
    p = {e.step: e for e in progress(doc, Step.OPTIMISE)}
    assert p[Step.WELCOME].state == "done"
    assert p[Step.BASELINE].state == "done"
    assert p[Step.OPTIMISE].state == "attention" and p[Step.OPTIMISE].current
    assert EN(p[Step.OPTIMISE].detail) == "0 of 1 step"
    assert p[Step.VERIFY].state == "todo"
    doc.results["a/x"] = StepResult(status="done", value=True)
    doc.sign_off = SignOff(name="Sam", at=datetime(2025, 1, 1, tzinfo=UTC))
    doc.wishes.customer_present = False
    p = {e.step: e for e in progress(doc, Step.REPORT, completed=True)}
    assert p[Step.OPTIMISE].state == "done"
    assert p[Step.DELIGHT].state == "done"
    assert p[Step.REPORT].state == "done" and p[Step.REPORT].current
