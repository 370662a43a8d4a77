"""Self-service links: signed, expiring, single-purpose and revocable.

The token is an itsdangerous signature (salted with the link's purpose, so a token made for
anything else never opens this page) over the id of a `self_service_links` row; the row is what
makes it revocable and what bounds its life, whatever age the signature allows. Issuing can
queue the link as an SMS through the outbox, where the delivery job's send-time rules apply.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from server.access import Caller, readable_case
from server.audit import service as audit
from server.errors import Conflict, NotFound
from server.followups.reminders import _recipient  # the reminders' own choice of number
from server.messaging.wording_marks import N_
from server.models import OutboxMessage, SelfServiceLink, new_id

PURPOSE = "self_service"
SALT = "doorstep.self-service-link.v1"
DEFAULT_DAYS = 14
MAX_DAYS = 30


def _signer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def token_for(secret: str, link: SelfServiceLink) -> str:
    """The URL-safe token that names the link."""
    return _signer(secret).dumps({"l": link.id, "p": link.purpose})


def open_link(session: Session, secret: str, token: str, now: datetime) -> SelfServiceLink:
    """The live link a token names; NotFound (one answer for every reason) otherwise."""
    try:
        payload = _signer(secret).loads(token, max_age=MAX_DAYS * 86400)
    except BadSignature:
        payload = None
    link = None
    if isinstance(payload, dict) and payload.get("p") == PURPOSE and \
            isinstance(payload.get("l"), str):
        link = session.get(SelfServiceLink, payload["l"])
    if link is None or not is_live(link, now):
        raise NotFound(N_("this link is not valid (it may have expired or been withdrawn)"))
    return link


def is_live(link: SelfServiceLink, now: datetime) -> bool:
    """Neither revoked nor expired."""
    return link.purpose == PURPOSE and link.revoked_at is None and now < link.expires_at


def issue_link(session: Session, caller: Caller, case_id: str, spec: dict[str, Any],
               now: datetime, secret: str, base_url: str) -> tuple[SelfServiceLink, str]:
    """A new link for the case's debtor (audited); with `send`, queued as an SMS to the
    debtor's number on file (the delivery job checks quiet hours, opt-outs … at send time)."""
    case = readable_case(session, caller, case_id)
    days = spec.get("days") or DEFAULT_DAYS
    link = SelfServiceLink(id=new_id(), case_id=case.id, party_id=case.debtor_id,
                           purpose=PURPOSE, created_at=now, created_by=caller.user_id,
                           expires_at=now + timedelta(days=days))
    session.add(link)
    session.flush()
    token = token_for(secret, link)
    url = f"{base_url.rstrip('/')}/s/{token}"
    if spec.get("send"):
        link.message_id = _queue(session, case, link, url, now)
    audit.record(session, caller.user_id, "self_service.link_issued", "case", case.id,
                 {"link_id": link.id, "days": days, "message_id": link.message_id}, now=now)
    return link, url


def _queue(session: Session, case, link: SelfServiceLink, url: str, now: datetime) -> str:
    recipient = _recipient(session, case)
    if recipient is None:
        raise Conflict("the debtor has no number we may text (stopped, represented or none)")
    message = OutboxMessage(
        id=new_id(), case_id=case.id, channel="sms", recipient=recipient,
        template="self_service_link", due_at=now, dedupe_key=f"self-service-link:{link.id}",
        # No debt wording: the message may be read by someone else.
        body=f"您好，您可以通过以下链接在线处理您的事项：{url}", params={"link": url})
    session.add(message)
    session.flush()
    return message.id


def revoke_link(session: Session, caller: Caller, link_id: str, reason: str,
                now: datetime) -> SelfServiceLink:
    """Withdraw a link at once (its pending SMS is cancelled too); audited."""
    link = readable_link(session, caller, link_id)
    if link.revoked_at is None:
        link.revoked_at, link.revoked_by, link.revoke_reason = now, caller.user_id, reason
        if link.message_id:
            message = session.get(OutboxMessage, link.message_id)
            if message is not None and message.status == "pending":
                message.status, message.last_error = "cancelled", "link revoked"
    audit.record(session, caller.user_id, "self_service.link_revoked", "case", link.case_id,
                 {"link_id": link.id, "reason": reason}, now=now)
    return link


def readable_link(session: Session, caller: Caller, link_id: str) -> SelfServiceLink:
    """A link on a case the caller may read; a foreign one is NotFound like an unknown one."""
    link = session.get(SelfServiceLink, link_id)
    try:
        if link is None:
            raise NotFound("unknown")
        readable_case(session, caller, link.case_id)
    except NotFound:
        raise NotFound(f"no link {link_id!r}") from None  # never the case's id
    return link


def links_of_case(session: Session, caller: Caller, case_id: str) -> list[SelfServiceLink]:
    """The case's links, newest first."""
    case = readable_case(session, caller, case_id)
    return list(session.scalars(select(SelfServiceLink).where(
        SelfServiceLink.case_id == case.id).order_by(SelfServiceLink.created_at.desc())))
