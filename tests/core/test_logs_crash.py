from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path

import pytest

from concierge.crash import CrashHandler, mark_seen, pending_reports
from concierge.logs import RotatingLogFile, redact, setup_logging

SECRETS = ["hunter2-pass", "eyJaccess.token.value", "r3fresh-T0ken", "s3cr3t-api"]


@pytest.fixture
def log_dir(tmp_path: Path):
    setup_logging(tmp_path, stderr=False)
    yield tmp_path
    setup_logging(None, stderr=False)


def test_secrets_never_reach_the_log_file(log_dir: Path) -> None:
    log = logging.getLogger("concierge.test")
    log.info("login payload %s", {"username": "ana", "password": SECRETS[0]})
    log.info("headers: {'Authorization': 'Bearer %s'}", SECRETS[1])
    log.warning("refresh_token=%s&api_key=%s", SECRETS[2], SECRETS[3])
    try:
        raise ValueError(f"token: {SECRETS[1]}")
    except ValueError:
        log.exception("failed with Authorization: Bearer %s", SECRETS[1])
    text = (log_dir / "concierge.log").read_text()
    assert "ana" in text and "[REDACTED]" in text
    for secret in SECRETS:
        assert secret not in text


def test_the_log_file_rotates_keeping_the_newest_backups(tmp_path: Path) -> None:
    path = tmp_path / "concierge.log"
    handler = RotatingLogFile(path, max_bytes=100, backups=2)
    handler.setFormatter(logging.Formatter("%(message)s"))
    lines = [f"line {n:02d} " + "x" * 60 for n in range(6)]
    try:
        for line in lines:
            handler.handle(logging.makeLogRecord({"msg": line}))
    finally:
        handler.close()
    # 2 lines fill a file past 100 bytes: 6 lines make 3 files, the oldest dropped beyond 2
    assert path.read_text().splitlines() == lines[4:]
    assert (tmp_path / "concierge.log.1").read_text().splitlines() == lines[2:4]
    assert (tmp_path / "concierge.log.2").read_text().splitlines() == lines[0:2]
    assert not (tmp_path / "concierge.log.3").exists()


def test_redact_keeps_ordinary_text() -> None:
    line = "synced 12 visits for ana in 0.4 s"
    assert redact(line) == line


def test_uncaught_exception_writes_a_report_offered_once(tmp_path: Path) -> None:
    handler = CrashHandler(tmp_path).install()
    try:
        try:
            raise RuntimeError("boom with password=" + SECRETS[0])
        except RuntimeError:
            sys.excepthook(*sys.exc_info())  # type: ignore[arg-type]
    finally:
        handler.uninstall()
    reports = pending_reports(tmp_path)
    assert len(reports) == 1
    text = reports[0].read_text()
    assert "RuntimeError: boom" in text and SECRETS[0] not in text
    mark_seen(reports[0])
    assert pending_reports(tmp_path) == []


def test_thread_crash_is_reported(tmp_path: Path) -> None:
    handler = CrashHandler(tmp_path).install()
    try:
        worker = threading.Thread(target=lambda: 1 / 0, name="concierge-test-worker")
        worker.start()
        worker.join()
    finally:
        handler.uninstall()
    [report] = pending_reports(tmp_path)
    assert "ZeroDivisionError" in report.read_text()
    assert "concierge-test-worker" in report.read_text()


def test_scheduler_ticks_stay_out_of_the_log(log_dir: Path) -> None:
    logging.getLogger("apscheduler.executors.default").info("Running job tick")
    logging.getLogger("apscheduler.scheduler").warning("Run time of job was missed")
    text = (log_dir / "concierge.log").read_text()
    assert "Running job tick" not in text
    assert "was missed" in text
