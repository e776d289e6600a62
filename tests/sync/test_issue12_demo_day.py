"""A technician's day through a proxy that faults 30 % of requests with every kind of fault:
nothing lost, nothing applied twice, no 5xx from the office, and the two sides converge."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

from concierge.api.client import ApiClient
from concierge.api.retry import RetryPolicy
from concierge.sync import SyncOptions
from tests.sync.conftest import BULK_TECH, Laptop, Office, local_visits
from tests.sync.proxy import ALL_FAULTS, FaultProxy, random_faults

STEPS = int(os.environ.get("CONCIERGE_DEMO_DAY_STEPS", "3"))
SEED = int(os.environ.get("CONCIERGE_DEMO_DAY_SEED", "12"))


def _sync_until_ok(laptop: Laptop, tries: int = 25) -> int:
    for attempt in range(1, tries + 1):
        if laptop.sync().ok:
            return attempt
    raise AssertionError(f"no successful sync in {tries} runs")


def test_12_demo_day_through_thirty_percent_faults(
    office: Office, laptop_factory: Callable[..., Laptop]
) -> None:
    with FaultProxy(office.url) as proxy:
        laptop = laptop_factory(office, BULK_TECH, url=proxy.url,
                                options=SyncOptions(batch_size=5, page_size=25, deadline=30.0))
        laptop.client.close()
        laptop.client = ApiClient(proxy.url, tokens=laptop.account, timeout=(1.0, 1.0),
                                  retry=RetryPolicy(attempts=4, base=0.02, cap=0.2),
                                  request_limit=0.8)
        laptop.engine.client = laptop.client
        proxy.trickle_pace = 0.2
        proxy.choose_fault = random_faults(0.3, seed=SEED, kinds=ALL_FAULTS)
        runs = _sync_until_ok(laptop)
        store = laptop.store
        visits = sorted(r.id for r in store.visit_rows() if r.status == "scheduled")[: STEPS * 2]
        made = 0
        for step in range(STEPS):
            visit_id, elsewhere = visits[2 * step], visits[2 * step + 1]
            store.update_visit(visit_id, status="in_progress", technician_notes=f"on site {step}")
            photo = store.add_attachment(f"photo {step}".encode(), "image/png", f"p{step}.png")
            session = {"id": f"ses-day-{step}", "visit_id": visit_id, "status": "in_progress",
                       "step": "wishes", "data": {"wishes": [f"wish {step}"]},
                       "attachments": [photo], "started_at": datetime.now(UTC),
                       "completed_at": None}
            store.save_session(session)
            runs += _sync_until_ok(laptop)
            store.save_session({**session, "status": "completed", "step": "report",
                                "data": {"wishes": [f"wish {step}"], "outcome": "tuned"}})
            office.patch_visit(elsewhere, office_notes=f"office note {step}")
            runs += _sync_until_ok(laptop)
            made += 3  # visit change, session started, session completed
        faulted_from = 1  # the sign-in came before the faults
        faulted_until = len(proxy.log)
        proxy.choose_fault = lambda method, path: None
        runs += _sync_until_ok(laptop)
        log = list(proxy.log)

    assert store.status().pending_ops == 0 and store.rejected_ops() == []
    server = office.server_visits(BULK_TECH)
    assert local_visits(store) == server
    for step in range(STEPS):
        assert server[visits[2 * step]]["status"] == "completed"
        assert server[visits[2 * step + 1]]["office_notes"] == f"office note {step}"
        session = office.admin_get(f"/admin/sessions/ses-day-{step}")
        assert session["status"] == "completed" and session["data"]["outcome"] == "tuned"
    ops = office.admin_get("/admin/ops")["ops"]
    assert len(ops) == made and all(op["applied_changes"] >= 1 for op in ops)
    assert all(op["status"] in ("applied",) for op in ops)
    forwarded = [int(o.split()[0]) for _, _, o in log if o.split()[0].isdigit()]
    assert all(status < 500 for status in forwarded), "the office answered a 5xx"
    faults = Counter(o.split()[-1] for _, _, o in log if not o.isdigit())
    during = log[faulted_from:faulted_until]
    assert sum(1 for _, _, o in during if not o.isdigit()) >= 0.28 * len(during)
    assert set(faults) >= {"reset", "500", "503", "429", "truncate", "lost", "trickle", "stall"}
    print(json.dumps({"steps": STEPS, "seed": SEED, "runs": runs, "requests": len(log),
                      "faults": dict(sorted(faults.items())), "ops": len(ops)}))
