"""gunicorn settings for production serving, from the environment via server/config.py."""

from pathlib import Path

from server.config import serving_config
from server.logging_setup import gunicorn_logconfig

_settings = serving_config()

bind = _settings["bind"]
workers = _settings["workers"]
threads = _settings["threads"]
worker_class = "gthread"
# Sync pushes of large batches and route planning can take seconds; never minutes.
timeout = _settings["timeout"]
# SIGTERM: stop accepting, let in-flight requests finish for up to this long, exit 0.
graceful_timeout = _settings["graceful_timeout"]
keepalive = _settings["keepalive"]
reuse_port = _settings["reuse_port"]
max_requests = _settings["max_requests"]
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
preload_app = False  # each worker builds its own engine; no connections shared across forks
if _settings["log_json"]:
    logconfig_dict = gunicorn_logconfig()

_multiproc_dir = _settings["prometheus_multiproc_dir"]


def on_starting(server):
    """Start with an empty metrics directory: samples of an earlier run's workers are stale."""
    if _multiproc_dir:
        directory = Path(_multiproc_dir)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()


def child_exit(server, worker):
    """Drop a dead worker's live gauges from the multiprocess metrics."""
    if _multiproc_dir:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid, _multiproc_dir)
