"""Production serving for real: migrate, start gunicorn (`make serve`'s command), call it, stop it.

PostgreSQL only: a throwaway database, `flask db upgrade` as its own step, gunicorn with two
workers in multiprocess-metrics and JSON-log mode, SIGTERM during an in-flight request; and the
scheduler process `flask jobs run` leading, then stopping on SIGTERM and releasing its lease.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from bench.pgdb import throwaway_database
from tests.support.factories import PASSWORD

REPO = Path(__file__).resolve().parents[2]
GRACEFUL_S = 10
TOKEN = "ops-scrape"
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def served_database(pg_database_url):
    """An empty PostgreSQL database of its own, dropped afterwards."""
    with throwaway_database(pg_database_url, "doorstep_s") as url:
        yield url


@pytest.fixture(scope="module")
def deployed(served_database, tmp_path_factory):
    """The production environment, migrated (`flask db upgrade`) and with one admin login."""
    instance = tmp_path_factory.mktemp("served")
    env = {**os.environ, "DOORSTEP_ENV": "production", "DATABASE_URL": served_database,
           "SECRET_KEY": "serving-test-secret", "AUDIT_HMAC_KEY": "serving-test-audit-key",
           "FLASK_APP": "server:create_app",
           "DOORSTEP_INSTANCE": str(instance), "ATTACHMENT_DIR": str(instance / "files"),
           "LOG_JSON": "1", "PYTHONUNBUFFERED": "1"}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    flask = [sys.executable, "-m", "flask"]
    subprocess.run([*flask, "db", "upgrade"], cwd=REPO, env=env, check=True,
                   capture_output=True, timeout=120)
    subprocess.run([*flask, "users", "create", "opsadmin", "--role", "admin", "--password-stdin"],
                   cwd=REPO, env=env, input=f"{PASSWORD}\n", text=True, check=True,
                   capture_output=True, timeout=60)
    return env, instance


def _wait_for(url: str, process: subprocess.Popen, deadline_s: float = 60) -> requests.Response:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server exited while starting"
        try:
            response = requests.get(url, timeout=5)
            if response.status_code == 200:
                return response
        except (requests.ConnectionError, requests.Timeout):  # workers still booting
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer 200 in {deadline_s} s")


def _start(command: list[str], env: dict, logs: Path) -> subprocess.Popen:
    with (logs / "out.log").open("wb") as out, (logs / "err.log").open("wb") as err:
        return subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=err)


def _send_half_a_login(port: int) -> tuple[socket.socket, bytes]:
    """Open a login request and send only part of its body: it is in flight until the rest."""
    body = json.dumps({"username": "opsadmin", "password": PASSWORD}).encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=GRACEFUL_S + 5)
    sock.sendall(b"POST /api/v1/auth/tokens HTTP/1.1\r\nHost: localhost\r\n"
                 b"Content-Type: application/json\r\nX-Request-Id: in-flight-1\r\n"
                 + f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:10])
    return sock, body[10:]


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    sock.close()
    return b"".join(chunks)


def _listening_sockets(port: int) -> int:
    """How many sockets listen on 127.0.0.1:port (from /proc/net/tcp: state 0A is LISTEN)."""
    count = 0
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        if state == "0A" and int(local.split(":")[1], 16) == port:
            count += 1
    return count


def test_gunicorn_serves_the_api_and_finishes_an_in_flight_request_on_sigterm(
        deployed, tmp_path):
    env, _instance = deployed
    port = free_port()
    metrics_dir = tmp_path / "prom"
    env = {**env, "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": "2",
           "GUNICORN_THREADS": "2", "GUNICORN_GRACEFUL_TIMEOUT": str(GRACEFUL_S),
           "METRICS_ENABLED": "1", "METRICS_TOKEN": TOKEN,
           "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    server = _start([sys.executable, "-m", "gunicorn", "--config", "server/gunicorn_conf.py",
                     "server:create_app()"], env, tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        assert _wait_for(f"{base}/api/v1/health/live", server).json() == {"status": "ok"}
        ready = _wait_for(f"{base}/api/v1/health", server).json()
        assert ready["status"] == "ok" and ready["migrations"]["at_head"] is True
        # reuse_port `auto`: a socket per worker where the kernel migrates a restarting worker's
        # queued connections, else the master's one socket (it outlives worker restarts)
        from server.config import kernel_moves_queued_connections

        assert _listening_sockets(port) == (2 if kernel_moves_queued_connections() else 1)

        login = requests.post(f"{base}/api/v1/auth/tokens", timeout=10,
                              json={"username": "opsadmin", "password": PASSWORD})
        assert login.status_code == 201
        auth = {"Authorization": f"Bearer {login.json()['token']}", "X-Request-Id": "me-1"}
        me = requests.get(f"{base}/api/v1/users/me", headers=auth, timeout=10)
        assert me.status_code == 200 and me.json()["username"] == "opsadmin"
        assert me.headers["X-Request-Id"] == "me-1"
        assert requests.get(f"{base}/metrics", timeout=10).status_code == 401
        scraped = requests.get(f"{base}/metrics", timeout=10,
                               headers={"Authorization": f"Bearer {TOKEN}"}).text
        assert ('doorstep_http_request_duration_seconds_count{method="GET",'
                'route="/api/v1/users/me",status="2xx"} 1.0') in scraped
        assert list(metrics_dir.glob("*.db"))  # the workers wrote multiprocess samples

        sock, rest = _send_half_a_login(port)
        time.sleep(0.5)
        server.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        sock.sendall(rest)
        answer = _read_all(sock)
        assert answer.startswith(b"HTTP/1.1 201"), answer[:200]
        assert server.wait(timeout=GRACEFUL_S + 5) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()

    app_lines = [json.loads(line) for line in (tmp_path / "err.log").read_text().splitlines()
                 if line.startswith("{")]
    requests_logged = [line for line in app_lines if line["logger"] == "doorstep.request"]
    me_line = next(line for line in requests_logged if line["request_id"] == "me-1")
    assert me_line["route"] == "/api/v1/users/me" and me_line["user_id"] == me.json()["id"]
    assert any(line["request_id"] == "in-flight-1" and line["status"] == 201
               for line in requests_logged)
    assert any(line["logger"] == "gunicorn.error" for line in app_lines)
    access = [json.loads(line) for line in (tmp_path / "out.log").read_text().splitlines()]
    me_access = next(a for a in access if a.get("request_id") == "me-1")
    assert (me_access["method"], me_access["path"], me_access["status"]) == (
        "GET", "/api/v1/users/me", 200)


def test_the_scheduler_process_leads_then_stops_on_sigterm_and_releases_its_lease(
        deployed, served_database, tmp_path):
    env, _instance = deployed
    port = free_port()
    env = {**env, "SCHEDULER_LEASE_TTL_S": "3", "SCHEDULER_METRICS_PORT": str(port),
           "SCHEDULER_HOLDER": "ops-test"}
    scheduler = _start([sys.executable, "-m", "flask", "jobs", "run"], env, tmp_path)
    try:
        deadline = time.monotonic() + 60
        while "doorstep_scheduler_leader 1.0" not in _scrape_or_empty(port):
            assert scheduler.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        scheduler.send_signal(signal.SIGTERM)
        assert scheduler.wait(timeout=30) == 0
    finally:
        if scheduler.poll() is None:
            scheduler.kill()
            scheduler.wait()
    engine = create_engine(served_database)
    with engine.connect() as conn:
        holder, released = conn.execute(text(
            "SELECT holder, expires_at <= now() FROM scheduler_leases")).one()
    engine.dispose()
    assert holder == "ops-test" and released is True
    assert "scheduler stopped" in (tmp_path / "out.log").read_text()


def _scrape_or_empty(port: int) -> str:
    try:
        return requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    except (requests.ConnectionError, requests.Timeout):
        return ""


def test_reuse_port_auto_needs_two_workers_and_a_kernel_that_migrates_queued_connections(
        tmp_path, monkeypatch):
    import server.config as config

    knob = tmp_path / "tcp_migrate_req"
    monkeypatch.setattr(config, "MIGRATE_REQ", str(knob))
    for value, workers, expected in (("1", "2", True), ("1", "1", False), ("0", "4", False)):
        knob.write_text(value + "\n")
        assert config.serving_config({"WEB_CONCURRENCY": workers})["reuse_port"] is expected
    knob.unlink()  # an older kernel has no such setting
    assert config.serving_config({"WEB_CONCURRENCY": "4"})["reuse_port"] is False


def test_serving_settings_read_reuse_port_and_keepalive_from_the_environment():
    import server.config as config
    from server.config import ConfigError, serving_config

    default = serving_config({})
    assert default["keepalive"] == 5
    assert default["reuse_port"] is config.kernel_moves_queued_connections()
    chosen = serving_config({"GUNICORN_REUSE_PORT": "1", "GUNICORN_KEEPALIVE": "2"})
    assert chosen["reuse_port"] is True and chosen["keepalive"] == 2
    assert serving_config({"GUNICORN_REUSE_PORT": "0"})["reuse_port"] is False
    with pytest.raises(ConfigError, match="GUNICORN_KEEPALIVE"):
        serving_config({"GUNICORN_KEEPALIVE": "soon"})
