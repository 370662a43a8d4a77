"""gunicorn as production runs it (`server/gunicorn_conf.py`), on a free port, for one run.

With `own_group=True` the server runs in a process group of its own, so `kill()` can SIGKILL
the master and its workers at once (a crash: no graceful shutdown, no answers) and `start()`
brings it back on the same port; its log is appended to across restarts.
"""

from __future__ import annotations

import contextlib
import os
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

    def __init__(self, env: dict, log_path: Path, workers: int, threads: int, *,
                 own_group: bool = False):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {**env, "HOST": "127.0.0.1", "PORT": str(self.port),
                    "WEB_CONCURRENCY": str(workers), "GUNICORN_THREADS": str(threads)}
        self.process: subprocess.Popen | None = None
        self.exit_code: int | None = None
        self.own_group = own_group
        self.starts = 0
        self.kills = 0

    def start(self, deadline_s: float = 60) -> None:
        """Start and wait until it answers. With `own_group`, call it from a thread that
        outlives the server (the main thread): the kernel kills the master when the thread
        that started it ends, so not even a SIGKILLed test run leaves gunicorn behind."""
        mode = "ab" if self.starts else "wb"  # a restart appends
        self._log = open(self.log_path, mode)  # noqa: SIM115 - closed in stop()
        self.starts += 1
        self.exit_code = None
        gunicorn = ["--config", "server/gunicorn_conf.py", "server:create_app()"]
        if self.own_group:
            command = [sys.executable, "-c", _DIE_WITH_PARENT, str(os.getpid()), *gunicorn]
        else:
            command = [sys.executable, "-m", "gunicorn", *gunicorn]
        self.process = subprocess.Popen(command, cwd=REPO, env=self.env, stdout=self._log,
                                        stderr=subprocess.STDOUT,
                                        start_new_session=self.own_group)
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
        if self.own_group:  # no worker outlives its master
            self._kill_group()
        self._log.close()
        return self.exit_code

    def kill(self, deadline_s: float = 20) -> None:
        """SIGKILL the master and every worker at once (the process group), then wait until
        none of them runs any more: the port is free for `start()` again."""
        if not self.own_group:
            raise RuntimeError("kill() needs Gunicorn(..., own_group=True)")
        if self.process is None or self.exit_code is not None:
            return
        with contextlib.suppress(ProcessLookupError):  # unless it is gone already
            os.killpg(self.process.pid, signal.SIGKILL)  # the master leads its group
        self._kill_group(deadline_s)
        self.process.wait(timeout=deadline_s)
        self.exit_code = self.process.returncode
        self.kills += 1
        self._log.close()

    def _kill_group(self, deadline_s: float = 20) -> None:
        group = self.process.pid  # start_new_session: the master leads its own group
        deadline = time.monotonic() + deadline_s
        while members := group_members(group):
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn processes {members} outlived SIGKILL")
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
            self.process.poll()  # reap the master
            time.sleep(0.02)

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


# Run as `python -c _DIE_WITH_PARENT <parent pid> <gunicorn args>`: ask the kernel to SIGKILL
# this process when the thread that started it exits (even when the test run is SIGKILLed),
# then become gunicorn. PR_SET_PDEATHSIG survives exec; gunicorn's workers notice their master
# is gone and stop.
_DIE_WITH_PARENT = """
import ctypes, os, signal, sys
if sys.platform.startswith("linux"):
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != int(sys.argv[1]):  # the parent died before prctl
        sys.exit(1)
os.execv(sys.executable, [sys.executable, "-m", "gunicorn", *sys.argv[2:]])
"""


def group_members(group: int) -> list[int]:
    """Live (not zombie) processes of a process group, from /proc (Linux)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) "
        state, pgrp = fields[0], int(fields[2])
        if pgrp == group and state not in ("Z", "X"):
            members.append(int(entry.name))
    return members
