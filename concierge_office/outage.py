# SPDX-License-Identifier: Apache-2.0
"""The database is unreachable: 503 with Retry-After, never a 500 with a traceback.

Pooled connections are checked before use (``pool_pre_ping``), so once the database is
back the next request reconnects by itself.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request, Response
from sqlalchemy.exc import DBAPIError, OperationalError

from concierge_office.errors import error_response

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5


def _unavailable(_: Request, exc: Exception) -> Response:
    log.warning("database unavailable: %s", str(exc).splitlines()[0][:200])
    return error_response(
        503, "database_unavailable",
        "The back office cannot reach its database; try again shortly.",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def _driver_error(request: Request, exc: Exception) -> Response:
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return _unavailable(request, exc)
    log.error("database error", exc_info=exc)
    return error_response(500, "internal_error", "Internal server error.")


def install_outage_handlers(app: FastAPI) -> None:
    app.add_exception_handler(OperationalError, _unavailable)
    app.add_exception_handler(DBAPIError, _driver_error)
