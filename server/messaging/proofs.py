"""Staff download of a proof of payment a debtor sent on the self-service page.

The upload lands as a review follow-up on the case (dedupe key
`self-service-proof:<case>:<sha256>`); that follow-up is what ties the file to the case. Only a
caller who may read the case gets it (the case's agency's dispatchers, compliance and admins;
a collector only while assigned to the case); every other answer is the 404 of an unknown
file, and every download is audited.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.access import Caller, readable_case
from server.audit import service as audit
from server.errors import NotFound
from server.models import Blob, FollowUp
from server.sync.attachments import check_hash_name

KEY = "self-service-proof:"


def proof_key(case_id: str, sha256: str) -> str:
    """The dedupe key of the review follow-up an upload makes."""
    return f"{KEY}{case_id}:{sha256}"


def proof_path(follow_up: FollowUp) -> str | None:
    """The API path of the proof a review follow-up names, if it names one."""
    key = follow_up.dedupe_key or ""
    if not key.startswith(KEY):
        return None
    case_id, _, sha256 = key[len(KEY):].rpartition(":")
    return f"/api/v1/cases/{case_id}/self-service-proofs/{sha256}"


def read_proof(session: Session, store, caller: Caller, case_id: str, sha256: str,
               now: datetime) -> tuple[Blob, bytes]:
    """The proof's bytes for a caller who may read the case; NotFound otherwise (audited)."""
    check_hash_name(sha256)
    try:
        case = readable_case(session, caller, case_id)
    except NotFound:
        raise NotFound("no such proof of payment") from None
    review = session.scalar(select(FollowUp.id).where(
        FollowUp.dedupe_key == proof_key(case.id, sha256)))
    blob = session.get(Blob, sha256) if review else None
    if blob is None:
        raise NotFound("no such proof of payment")
    audit.record(session, caller.user_id, "self_service.proof_download", "case", case.id,
                 {"sha256": sha256, "size": blob.size, "follow_up_id": review}, now=now)
    return blob, store.get(blob.storage_key)
