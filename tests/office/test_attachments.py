"""Content-addressed uploads: verified, idempotent, scoped."""

from __future__ import annotations

import hashlib

from concierge_office.server import EmbeddedBackOffice
from tests.office.conftest import LoginFactory


def test_upload_is_verified_idempotent_and_readable(
    office: EmbeddedBackOffice, login: LoginFactory
) -> None:
    ana, admin = login(office, "ana"), login(office, "office")
    content = b"%PDF-1.7 service report"
    sha = hashlib.sha256(content).hexdigest()
    path = f"/v1/attachments/{sha}"
    pdf = {"Content-Type": "application/pdf"}
    first = ana.request("PUT", path, data=content, headers=pdf)
    assert first.status_code == 201 and first.json() == {
        "sha256": sha,
        "content_type": "application/pdf",
        "size": len(content),
        "created": True,
    }
    again = ana.request("PUT", path, data=content, headers=pdf)
    assert again.status_code == 200 and again.json()["created"] is False
    head = ana.request("HEAD", path)
    assert head.status_code == 200 and head.headers["Content-Length"] == str(len(content))
    got = ana.get(path)
    assert got.content == content and got.headers["Content-Type"] == "application/pdf"
    assert admin.get(path).content == content
    other = hashlib.sha256(b"other").hexdigest()
    mismatch = ana.request("PUT", f"/v1/attachments/{other}", data=content, headers=pdf)
    assert mismatch.status_code == 422 and mismatch.json()["error"]["code"] == "sha256_mismatch"
    wrong_type = ana.request(
        "PUT", path, data=content, headers={"Content-Type": "application/x-msdownload"}
    )
    assert wrong_type.status_code == 415
    assert ana.get(f"/v1/attachments/{other}").status_code == 404
    too_big = ana.request("PUT", path, data=b"x" * (20 * 1024 * 1024 + 1), headers=pdf)
    assert too_big.status_code == 413
