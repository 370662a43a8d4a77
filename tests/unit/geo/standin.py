"""A local stand-in for a geocoding provider's HTTP API (127.0.0.1 only, never the internet)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# A route answers (status, body); body is JSON-encoded unless it is already bytes.
Route = Callable[[dict[str, str]], tuple[int, object]]


@dataclass
class Hit:
    """One request the stand-in received."""

    path: str
    params: dict[str, str]
    at: float


@dataclass
class StandIn:
    """A provider stand-in: routes by path, records every hit, can answer slowly."""

    routes: dict[str, Route]
    delay_s: float = 0.0
    hits: list[Hit] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def domain(self) -> str:
        """host:port to configure as GEOCODER_DOMAIN."""
        host, port = self.server.server_address[:2]
        return f"{host}:{port}"

    def start(self) -> StandIn:
        """Serve in a daemon thread on an ephemeral port."""
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                url = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                standin.hits.append(Hit(url.path, params, time.monotonic()))
                if standin.delay_s:
                    time.sleep(standin.delay_s)
                route = standin.routes.get(url.path)
                status, body = route(params) if route else (404, {"error": "no route"})
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                # The client may have given up already (the timeout tests).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        self.server.shutdown()
        self.server.server_close()
