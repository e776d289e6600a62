"""Test playbooks with short windows; the scenario fleets come from devices.scenarios."""

from __future__ import annotations

import json
from pathlib import Path

from concierge_office.devices.playbooks import load_playbooks
from concierge_office.devices.scenarios import elevator_signals, store_history

__all__ = ["elevator_signals", "quick_playbooks", "store_history"]


def quick_playbooks(path: Path, *, window: float = 4.0) -> Path:
    """The packaged catalogue with verification windows of seconds (a test's time)."""
    catalogue = load_playbooks().model_dump(mode="json")
    for playbook in catalogue["playbooks"]:
        playbook["effect"] |= {"window_seconds": window, "settle_seconds": 0.3, "min_samples": 3}
        playbook["ack_timeout_seconds"] = 2.0
    path.write_text(json.dumps(catalogue))
    return path
