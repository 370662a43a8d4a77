"""Attachments: content-addressed uploads (checked, stored once) and scoped downloads."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from server.errors import Forbidden, InvalidInput, NotFound, TooLarge
from server.models import Attachment, Blob, Role, User
from server.sync.storage import BlobStore

SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024


def check_hash_name(sha256: str) -> None:
    if not SHA256.match(sha256 or ""):
        raise InvalidInput("the path must be the file's lowercase hex SHA-256",
                           {"sha256": ["64 lowercase hex characters"]})


def store_attachment(session: Session, store: BlobStore, sha256: str, data: bytes,
                     content_type: str | None, user_id: str, now: datetime,
                     max_bytes: int = MAX_ATTACHMENT_BYTES) -> tuple[Blob, bool]:
    """Check and store uploaded bytes once; returns (blob, newly stored). Caller commits."""
    check_hash_name(sha256)
    if len(data) > max_bytes:
        raise TooLarge(f"attachments are limited to {max_bytes} bytes")
    if not data:
        raise InvalidInput("the body is empty", {"body": ["the file bytes"]})
    actual = hashlib.sha256(data).hexdigest()
    if actual != sha256:
        raise InvalidInput("the body does not hash to the SHA-256 in the path",
                           {"sha256": [f"body hashes to {actual}"]})
    key = store.put(sha256, data)  # bytes first: a row never points at a missing file
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    created = session.scalar(insert(Blob).values(
        sha256=sha256, size=len(data), content_type=(content_type or None) and
        content_type[:100], storage_key=key, uploaded_by=user_id, created_at=now)
        .on_conflict_do_nothing().returning(Blob.sha256)) is not None
    return session.get(Blob, sha256), created


def read_attachment(session: Session, store: BlobStore, sha256: str, user_id: str, role: str,
                    team_id: str | None) -> tuple[Blob, bytes]:
    """The bytes, for compliance/admin, a dispatcher of the uploader's team, or the agent."""
    check_hash_name(sha256)
    blob = session.get(Blob, sha256)
    if blob is None:
        raise NotFound("no such attachment")
    if role not in (Role.ADMIN, Role.COMPLIANCE):
        facts = select(Attachment.id).where(Attachment.sha256 == sha256)
        if role == Role.AGENT:
            facts = facts.where(Attachment.user_id == user_id)
        else:
            facts = facts.where(Attachment.user_id.in_(
                select(User.id).where(User.team_id == team_id)))
        if not session.scalar(select(exists(facts))):
            raise Forbidden("no fact of yours (or your team's) references this attachment")
    return blob, store.get(blob.storage_key)
