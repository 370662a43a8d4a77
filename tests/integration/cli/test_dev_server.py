"""`flask dev` (`make run`): the web server and the scheduler start together and stop together."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.ops.test_serving import free_port

REPO = Path(__file__).resolve().parents[3]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.fixture
def dev(tmp_path):
    """`flask dev` on a migrated SQLite demo database of its own, and its output so far."""
    env = {**os.environ, "FLASK_APP": "server:create_app", "PYTHONUNBUFFERED": "1",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}",
           "DOORSTEP_INSTANCE": str(tmp_path / "instance"), "SCHEDULER_HOLDER": "dev-test"}
    flask = [sys.executable, "-m", "flask"]
    subprocess.run([*flask, "db", "upgrade"], cwd=REPO, env=env, check=True,
                   capture_output=True, timeout=120)
    port, log = free_port(), tmp_path / "dev.log"
    with log.open("wb") as out:
        process = subprocess.Popen([*flask, "dev", "--port", str(port)], cwd=REPO, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if "scheduler dev-test started" in text and _answers(port):
            break
        assert process.poll() is None, text
        time.sleep(0.3)
    else:
        process.kill()
        raise AssertionError(log.read_text(errors="replace"))
    pids = [int(p) for p in re.findall(r"started pid (\d+)", log.read_text())]
    yield process, pids, log
    if process.poll() is None:
        process.kill()
        process.wait()


def _answers(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/api/v1/health/live",
                            timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def test_sigterm_stops_the_web_server_and_the_scheduler_together(dev):
    process, pids, log = dev
    assert len(pids) == 2 and all(_alive(pid) for pid in pids)

    process.send_signal(signal.SIGTERM)

    assert process.wait(timeout=30) == 0, log.read_text()
    assert not any(_alive(pid) for pid in pids)
    assert "scheduler stopped" in log.read_text()  # it finished and released its lease


def test_when_one_process_dies_the_other_is_stopped_too(dev):
    process, (web, scheduler), log = dev

    os.kill(scheduler, signal.SIGKILL)

    assert process.wait(timeout=30) != 0
    assert not _alive(web)
    assert "one process exited; stopping the other" in log.read_text()
