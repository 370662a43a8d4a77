"""gunicorn as production runs it (`server/gunicorn_conf.py`), on a free port, for one run."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from bench.loadlib.world import REPO


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """`gunicorn --config server/gunicorn_conf.py 'server:create_app()'`; log to a file."""

    def __init__(self, env: dict, log_path: Path, workers: int, threads: int):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {**env, "HOST": "127.0.0.1", "PORT": str(self.port),
                    "WEB_CONCURRENCY": str(workers), "GUNICORN_THREADS": str(threads)}
        self.process: subprocess.Popen | None = None
        self.exit_code: int | None = None

    def start(self, deadline_s: float = 60) -> None:
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "server/gunicorn_conf.py",
             "server:create_app()"], cwd=REPO, env=self.env, stdout=self._log,
            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + deadline_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited while starting:\n{self.log_tail()}")
            try:
                if requests.get(f"{self.url}/api/v1/health/live", timeout=2).status_code == 200:
                    return
            except requests.RequestException:  # workers still booting
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer in {deadline_s}s:\n{self.log_tail()}")

    def stop(self, graceful_s: float = 40) -> int | None:
        """SIGTERM (graceful: in-flight requests finish), then wait; SIGKILL only past that."""
        if self.process is None or self.exit_code is not None:
            return self.exit_code
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=graceful_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.exit_code = self.process.returncode
        self._log.close()
        return self.exit_code

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def problems(self) -> list[str]:
        """Log lines that say something went wrong in the server (tracebacks, errors)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return []
        markers = ("Traceback", '"level": "ERROR"', '"level": "CRITICAL"', "[ERROR]",
                   "[CRITICAL]", "WORKER TIMEOUT")
        return [line for line in text.splitlines() if any(m in line for m in markers)]
