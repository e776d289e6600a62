# SPDX-License-Identifier: Apache-2.0
"""``/healthz`` (the process answers; no database call) and ``/readyz`` (the database is
reachable, its schema is the code's, the data is prepared and the office is not stopping).

Both unauthenticated; callers rely on the status code, the body lists each check.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from concierge_office.migrate import MigrationError, status
from concierge_office.state import state_of

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "alive"}


@router.get("/readyz", responses={503: {"description": "Not ready (the body lists the checks)"}})
def readyz(request: Request) -> JSONResponse:
    state = state_of(request)
    checks = {
        "prepared": state.ready.is_set() and not state.ready.failed,
        "not_stopping": not state.stopping.is_set(),
        "database": False,
        "schema_current": False,
    }
    try:
        with state.db.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
            checks["database"] = True
            checks["schema_current"] = status(conn).at_head
    except (SQLAlchemyError, MigrationError, OSError) as error:
        log.warning("readiness check: %s", error.__class__.__name__)
    ready = all(checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "checks": checks},
        status_code=200 if ready else 503,
    )
