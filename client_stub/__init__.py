"""Doorstep reference device: a local SQLite replica, an outbox of offline facts, and sync.

Flask-free; speaks the sync protocol of docs/sync.md over HTTP with `requests`. Used by people
(``python -m client_stub``), by the e2e tests against a live server and by load tests
(`client_stub.simulator.simulate_day`).
"""

from client_stub.client import DoorstepClient, SyncError, SyncResult
from client_stub.retry import RetryPolicy
from client_stub.store import LocalStore
from client_stub.transport import RequestsTransport, Response, TransportError

__all__ = ["DoorstepClient", "LocalStore", "RequestsTransport", "Response", "RetryPolicy",
           "SyncError", "SyncResult", "TransportError"]
