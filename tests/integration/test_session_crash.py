"""kill -9 mid-session: a fresh process finds every input, attachment and signature stroke."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from concierge.session.engine import SessionEngine
from concierge.session.state import Step
from concierge.store import Store
from tests.core.session_factories import seeded_store, trend_insight

ROOT = Path(__file__).resolve().parents[2]

DRIVER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from concierge.session.engine import SessionEngine
    from concierge.session.state import Step
    from concierge.store import Store

    root = Path(sys.argv[1])
    store = Store.open(root / "store.sqlite3", root / "attachments")
    e = SessionEngine(store, "visit-1")
    e.set_wish_text("Make the doors quieter")
    e.set_tag("noise", True)
    e.go(Step.BASELINE)
    e.add_spot("e1", "door_cycle_time", "5,9")
    e.go(Step.OPTIMISE)
    e.set_measurement("e1/door-adjust", "4.4")
    e.attach("e1/photo", b"photo-bytes", "image/jpeg", "door.jpg")
    e.skip("e1/inspect", "Pit flooded")
    e.go(Step.DELIGHT)
    e.answer_wish(e.doc.wishes.items[0].id, "partly", "Better, not silent")
    e.record_goodwill("Oil the garage door", "goodwill", minutes=20)
    e.record_goodwill("New garage door spring", "goodwill", minutes=25)
    e.ask_help("handover", "Cannot finish the spring", "Called to an emergency")
    e.add_stroke([(0.1, 0.5), (0.2, 0.4), (0.3, 0.6)])
    e.add_stroke([(0.4, 0.5), (0.5, 0.45)])
    print("READY", flush=True)
    sys.stdin.read()  # wait here, mid-signature, until killed
""")


def test_kill_9_mid_session_then_resume(tmp_path: Path) -> None:
    ins = trend_insight("i1", "e1", "door_cycle_time", level=5.5, slope=0.1, threshold=6.0)
    seeded_store(tmp_path, insights=[ins]).close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(tmp_path)], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "READY"
    child.send_signal(signal.SIGKILL)
    assert child.wait(timeout=30) == -signal.SIGKILL
    assert child.stdin is not None
    child.stdin.close()
    child.stdout.close()

    with Store.open(tmp_path / "store.sqlite3", tmp_path / "attachments") as store:
        e = SessionEngine(store, "visit-1")
        assert e.step is Step.DELIGHT and e.status == "in_progress"
        assert [w.text for w in e.doc.wishes.items] == ["Make the doors quieter"]
        assert e.doc.wishes.tags == ["noise"]
        assert (e.doc.wishes.items[0].answer, e.doc.wishes.items[0].comment) == (
            "partly", "Better, not silent")
        assert [(r.text, r.status) for r in e.doc.goodwill] == [
            ("Oil the garage door", "done"), ("New garage door spring", "pending")]
        assert [(h.kind, h.reason, h.status) for h in e.doc.help] == [
            ("handover", "Called to an emergency", "pending")]
        assert e.doc.spot[0].value == 5.9
        assert e.doc.result("e1/door-adjust").value == 4.4
        assert e.doc.result("e1/inspect").skip_reason == "Pit flooded"
        [sha] = e.doc.result("e1/photo").attachments
        assert store.attachment_path(sha).read_bytes() == b"photo-bytes"
        assert e.doc.signature.strokes == [
            [(0.1, 0.5), (0.2, 0.4), (0.3, 0.6)], [(0.4, 0.5), (0.5, 0.45)]
        ]
        assert store.status().pending_ops == 2  # the session (coalesced) + visit status
