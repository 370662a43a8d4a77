"""`make run`'s one command: the web server and the scheduler, started and stopped together.

Development and demos only (production runs gunicorn and `flask jobs run` as two services,
docs/operations.md). Ctrl-C or SIGTERM stops both; when either exits on its own, the other is
stopped too, so the demo is never half up (an API whose promises, reminders and revisits
silently stop moving).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence

GRACE_S = 10.0  # how long a child may take to finish after SIGTERM before it is killed


def dev_commands(host: str, port: int) -> list[list[str]]:
    """The two processes: Flask's development server and the scheduler (this environment)."""
    flask = [sys.executable, "-m", "flask", "--app", "server:create_app"]
    return [[*flask, "run", "--host", host, "--port", str(port)], [*flask, "jobs", "run"]]


def run_together(commands: Sequence[Sequence[str]], echo: Callable[[str], None] = print) -> int:
    """Start every command, wait until a signal arrives or one exits, then stop them all.

    Returns the first non-zero exit status of a child that stopped on its own, else 0."""
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set())
                for sig in (signal.SIGINT, signal.SIGTERM)}
    children = []
    try:
        for command in commands:
            children.append(subprocess.Popen(list(command)))
            echo(f"started pid {children[-1].pid}: flask {' '.join(command[5:])}")
        while not stop.is_set() and all(child.poll() is None for child in children):
            stop.wait(0.2)
        early = [child.returncode for child in children if child.poll() is not None]
        if early:
            echo("one process exited; stopping the other")
        return next((code for code in early if code), 0)
    finally:
        _stop_all(children, echo)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _stop_all(children: list[subprocess.Popen], echo: Callable[[str], None]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    for child in children:
        try:
            child.wait(timeout=GRACE_S)
        except subprocess.TimeoutExpired:
            echo(f"pid {child.pid} did not stop in {GRACE_S:.0f} s; killing it")
            child.kill()
            child.wait()
