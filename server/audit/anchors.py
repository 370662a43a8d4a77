"""Anchors: the chain's head written outside the database, so a cut-off tail is seen.

The scheduler appends one line per run to an append-only file (AUDIT_ANCHOR_FILE): the newest
event's id and hash and how many events there were, with an HMAC under the audit key so a
line cannot be made up either. `flask audit verify` reads them all: every anchored event must
still be in the database with its hash; the chain itself is checked link by link.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.audit.chain import Break
from server.models import AuditEvent


@dataclass(frozen=True)
class Anchor:
    event_id: int
    hash: str
    count: int
    at: str


def _mac(key: bytes, event_id: int, digest: str, count: int, at: str) -> str:
    return hmac.new(key, f"{event_id}|{digest}|{count}|{at}".encode(),
                    hashlib.sha256).hexdigest()


def write_anchor(session: Session, path: str, key: bytes, now: datetime) -> dict:
    """Append the chain's head to the anchor file (nothing when the head has not moved)."""
    head = session.execute(select(AuditEvent.id, AuditEvent.hash)
                           .order_by(AuditEvent.id.desc()).limit(1)).first()
    if head is None:
        return {"anchored": 0}
    if _last_hash(path) == head[1]:
        return {"anchored": 0}
    count = session.scalar(select(func.count()).select_from(AuditEvent)
                           .where(AuditEvent.id <= head[0]))
    at = now.isoformat()
    line = json.dumps({"event_id": head[0], "hash": head[1], "count": count, "at": at,
                       "mac": _mac(key, head[0], head[1], count, at)}, sort_keys=True)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return {"anchored": 1, "event_id": head[0]}


def _last_hash(path: str) -> str | None:
    """The hash on the file's last line, read from its end (the file only grows); None when
    there is none or it is unreadable (verify reports a bad line, the job appends anyway)."""
    if not Path(path).exists():
        return None
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        handle.seek(max(0, handle.tell() - 4096))
        lines = handle.read().decode(errors="replace").strip().splitlines()
    try:
        return json.loads(lines[-1]).get("hash") if lines else None
    except (ValueError, AttributeError):
        return None


class BadAnchor(ValueError):
    """An anchor line that is not what the scheduler wrote."""


def read_anchors(path: str, key: bytes) -> list[Anchor]:
    """Every anchor in the file, each checked against its HMAC; BadAnchor on a forged line."""
    anchors = []
    for number, text in enumerate(Path(path).read_text().splitlines(), start=1):
        if not text.strip():
            continue
        try:
            raw = json.loads(text)
            anchor = Anchor(int(raw["event_id"]), str(raw["hash"]), int(raw["count"]),
                            str(raw["at"]))
            ok = hmac.compare_digest(str(raw["mac"]), _mac(key, anchor.event_id, anchor.hash,
                                                           anchor.count, anchor.at))
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok:
            raise BadAnchor(f"line {number} of {path} is not a valid anchor")
        anchors.append(anchor)
    return anchors


def check_anchors(session: Session, anchors: list[Anchor]) -> Break | None:
    """The first anchor whose event is gone or changed (events deleted, truncated, edited)."""
    if not anchors:
        return None
    found = dict(session.execute(select(AuditEvent.id, AuditEvent.hash).where(
        AuditEvent.id.in_({a.event_id for a in anchors}))).all())
    for anchor in anchors:
        if found.get(anchor.event_id) != anchor.hash:
            return Break(anchor.event_id, f"anchored event {anchor.event_id} (anchored "
                                          f"{anchor.at}) is gone or changed: events were "
                                          "deleted, truncated or rewritten")
    newest = anchors[-1]
    below = session.scalar(select(func.count()).select_from(AuditEvent)
                           .where(AuditEvent.id <= newest.event_id))
    if below != newest.count:
        return Break(newest.event_id, f"{newest.count} events were anchored up to event "
                                      f"{newest.event_id}, {below} are there now")
    return None
