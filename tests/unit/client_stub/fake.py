"""A fake server behind the Transport interface: scripted answers, every request recorded."""

from __future__ import annotations

import json
from urllib.parse import urlparse

from client_stub import Response, TransportError


class FakeServer:
    def __init__(self):
        self.requests: list[dict] = []
        self.pulls: list[dict] = []  # queued pull answers (bodies); default: nothing new
        self.push_script: list = []  # queued push outcomes: status, "lost", "cut" or Exception
        self.timestamp = 10
        self.stored: dict[str, dict] = {}  # (table, id) -> row, what the "server" applied

    def request(self, method, url, *, headers, params=None, body=None):
        path = urlparse(url).path
        entry = {"method": method, "path": path, "headers": dict(headers),
                 "params": dict(params or {}), "body": body}
        self.requests.append(entry)
        if path == "/api/v1/auth/tokens":
            return _json(201, {"token": "tok-1"})
        if path.startswith("/api/v1/attachments/"):
            return _json(201, {"sha256": path.rsplit("/", 1)[1]})
        if path == "/api/v1/sync/pull":
            if self.pulls:
                return _json(200, self.pulls.pop(0))
            return _json(200, {"changes": {}, "timestamp": self.timestamp, "has_more": False})
        if path == "/api/v1/sync/push":
            payload = json.loads(body)
            outcome = self.push_script.pop(0) if self.push_script else 200
            rejected = {}
            if isinstance(outcome, dict):  # {"reject": {table: [ids]}}
                rejected, outcome = outcome["reject"], 200
            if outcome in (200, "lost", "cut"):
                for table, parts in payload["changes"].items():
                    for row in parts["created"]:
                        if row["id"] not in rejected.get(table, []):
                            self.stored[(table, row["id"])] = row
                if outcome == "lost":
                    raise TransportError("answer lost")
                if outcome == "cut":  # applied, then the server died half-way through the answer
                    return Response(200, b'{"applied": {"chec',
                                    {"Content-Type": "application/json"})
                return _json(200, {"applied": {}, "experimentalRejectedIds": rejected})
            if isinstance(outcome, Exception):
                raise outcome
            return _json(outcome, {"code": outcome, "message": f"scripted {outcome}"})
        return _json(404, {"message": "no such path"})

    def of(self, path):
        return [r for r in self.requests if r["path"] == path]


def _json(status, body) -> Response:
    return Response(status, json.dumps(body).encode(), {"Content-Type": "application/json"})
