# SPDX-License-Identifier: Apache-2.0
"""The FastAPI application: routers, error handling and the body size limit."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from concierge import __version__
from concierge.protocol import schemas
from concierge_office import (
    admin,
    attachments,
    auth,
    bootstrap,
    fleet,
    serve_api,
    sync,
    telemetry,
    withdrawn_work,
)
from concierge_office.compression import install_compression
from concierge_office.devices import admin as devices_admin
from concierge_office.errors import (
    BodyLimitMiddleware,
    error_response,
    install_error_handlers,
)
from concierge_office.health import router as probes
from concierge_office.outage import install_outage_handlers
from concierge_office.state import AppState, Readiness

API_VERSION = "1.0.0"

_health = APIRouter(prefix="/v1", tags=["health"])


@_health.get("/health", response_model=schemas.Health)
def health() -> schemas.Health:
    return schemas.Health(version=API_VERSION, time=datetime.now(UTC))


def create_app(state: AppState) -> FastAPI:
    app = FastAPI(
        title="Field Concierge back office",
        version=__version__,
        description="Visits, telemetry and offline sync for the Field Concierge laptop app.",
    )
    app.state.backoffice = state
    for router in (
        _health,
        auth.router,
        fleet.router,
        telemetry.router,
        sync.router,
        attachments.router,
        admin.router,
        withdrawn_work.router,  # sessions for visits the office withdrew
        serve_api.router,  # #19: follow-ups, call-backs
        bootstrap.router,
        probes,
        devices_admin.router,  # MQTT broker status, remote attempts, approvals, figures
    ):
        app.include_router(router)
    install_error_handlers(app)
    install_outage_handlers(app)
    json_limit = state.config.max_json_body
    attachment_limit = schemas.MAX_ATTACHMENT_BYTES

    def limit_for(path: str) -> int:
        return attachment_limit if path.startswith("/v1/attachments/") else json_limit

    app.add_middleware(BodyLimitMiddleware, limit_for=limit_for)
    install_compression(app, limit_for)
    app.add_middleware(ReadinessMiddleware, ready=state.ready)
    return app


# Served while the office is still preparing its data (the rest waits for it).
_ALWAYS_SERVED = (
    "/v1/health", "/v1/auth/", "/healthz", "/readyz", "/docs", "/redoc", "/openapi.json",
)


class ReadinessMiddleware:
    """Holds data requests until the office is ready, so nobody sees a half-seeded demo."""

    def __init__(self, app: ASGIApp, ready: Readiness) -> None:
        self.app = app
        self.ready = ready

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith(_ALWAYS_SERVED):
            if not self.ready.is_set():
                await self.ready.wait()
            if self.ready.failed:
                message = "The back office could not prepare its data; see its log."
                await error_response(503, "not_ready", message)(scope, receive, send)
                return
        await self.app(scope, receive, send)
