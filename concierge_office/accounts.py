# SPDX-License-Identifier: Apache-2.0
"""Well-known accounts: the office administrator and the demo password."""

from __future__ import annotations

from sqlalchemy import select

from concierge_office import db
from concierge_office.db import Database

DEMO_PASSWORD = "concierge-demo"
ADMIN_LOGIN = "office"
ADMIN_PASSWORD = "office-demo"
# Argon2id hashes of the two published passwords above, computed once (hashing takes ~0.5 s
# each on a small machine, which a demo start cannot afford).  tests/office checks that
# they verify and use the hasher's current parameters.
DEMO_PASSWORD_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$diy7Yw/h2XAbK/72nYqw1A"
    "$osvpCq0nln4JMwpmwpejwwwyh5mtbvvkn/mprkVtjNk"
)
ADMIN_PASSWORD_HASH = (
    "$argon2id$v=19$m=65536,t=3,p=4$kFeL/Pg48g7eo+Yu6lL0Kw"
    "$q3HEIVWdt0tkWdS0xvj1Un17cvIPgXjFLdYjOMlpQUI"
)


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
                    password_hash=ADMIN_PASSWORD_HASH,
                )
            )
