"""Attachments: content-addressed uploads (checked, stored once) and scoped downloads."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from sqlalchemy import and_, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from server.access import visit_visible
from server.audit import service as audit
from server.errors import InvalidInput, NotFound, TooLarge
from server.models import Attachment, Blob, BlobUpload, Role, Visit, VisitAssignee
from server.sync.storage import BlobStore
from server.sync.validate import Rejection

SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024


def check_hash_name(sha256: str) -> None:
    if not SHA256.match(sha256 or ""):
        raise InvalidInput("the path must be the file's lowercase hex SHA-256",
                           {"sha256": ["64 lowercase hex characters"]})


def store_attachment(session: Session, store: BlobStore, sha256: str, data: bytes,
                     content_type: str | None, user_id: str, now: datetime, visit_id: str,
                     max_bytes: int = MAX_ATTACHMENT_BYTES) -> tuple[Blob, bool]:
    """Check and store bytes uploaded for a visit of the uploader's; (blob, newly stored)."""
    check_hash_name(sha256)
    if not session.scalar(select(exists().where(
            VisitAssignee.visit_id == visit_id, VisitAssignee.user_id == user_id,
            VisitAssignee.ended_at.is_(None)))):
        raise NotFound(f"no visit {visit_id!r} is assigned to you")
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
    session.execute(insert(BlobUpload).values(sha256=sha256, visit_id=visit_id,
                                              user_id=user_id, uploaded_at=now)
                    .on_conflict_do_nothing())
    return session.get(Blob, sha256), created


def read_attachment(session: Session, store: BlobStore, sha256: str, caller) -> tuple[Blob, bytes]:
    """The bytes, when a fact on a visit the caller sees names them and they were uploaded for
    that visit (by one of its collectors); compliance and admins read every stored file.

    Knowing a hash proves nothing: every refusal is the 404 of an unknown hash. The download
    is audited with the visits that let it through.
    """
    check_hash_name(sha256)
    blob = session.get(Blob, sha256)
    visits: list[str] = []
    if blob is not None and caller.role not in (Role.ADMIN, Role.COMPLIANCE):
        visits = list(session.scalars(
            select(Attachment.visit_id).distinct()
            .join(Visit, Visit.id == Attachment.visit_id)
            .join(BlobUpload, and_(BlobUpload.sha256 == Attachment.sha256,
                                   BlobUpload.visit_id == Attachment.visit_id))
            .where(Attachment.sha256 == sha256, visit_visible(caller))
            .order_by(Attachment.visit_id).limit(20)))
        if not visits:
            blob = None
    if blob is None:
        raise NotFound("no such attachment")
    audit.record(session, caller.user_id, "attachment.download", "blob", sha256,
                 {"visit_ids": visits, "size": blob.size})
    return blob, store.get(blob.storage_key)


def misplaced(session: Session, rows: list, rejected: list) -> list:
    """Attachment facts naming stored bytes that were not uploaded for their visit: those go
    to quarantine (a fact must not borrow another visit's photo); the others are returned."""
    wanted = {(r.values.get("sha256"), r.values.get("visit_id")) for r in rows}
    hashes = {sha for sha, _ in wanted}
    stored = set(session.scalars(select(Blob.sha256).where(Blob.sha256.in_(hashes))))
    uploaded = {tuple(r) for r in session.execute(select(
        BlobUpload.sha256, BlobUpload.visit_id).where(BlobUpload.sha256.in_(stored)))}
    keep = []
    for row in rows:
        key = (row.values.get("sha256"), row.values.get("visit_id"))
        if key[0] in stored and key not in uploaded:
            rejected.append(Rejection(row.table, row.row_id, row.operation,
                                      "attachment_not_for_visit", {"sha256": [
                                          "these bytes were not uploaded for this visit; "
                                          "upload them with ?visit_id= of this visit"]},
                                      row.raw))
        else:
            keep.append(row)
    return keep
