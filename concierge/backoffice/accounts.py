"""Well-known accounts: the office administrator and the demo password."""

from __future__ import annotations

from sqlalchemy import select

from concierge.backoffice import db
from concierge.backoffice.auth import hash_password
from concierge.backoffice.db import Database

DEMO_PASSWORD = "concierge-demo"
ADMIN_LOGIN = "office"
ADMIN_PASSWORD = "office-demo"


def ensure_admin(database: Database) -> None:
    with database.write() as conn:
        if (
            conn.execute(select(db.users.c.id).where(db.users.c.login == ADMIN_LOGIN)).first()
            is None
        ):
            conn.execute(
                db.users.insert().values(
                    id="user-office",
                    login=ADMIN_LOGIN,
                    name="Office dispatcher",
                    role="admin",
                    region=None,
                    skills=[],
                    password_hash=hash_password(ADMIN_PASSWORD),
                )
            )
