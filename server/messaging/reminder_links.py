"""Reminders that carry the self-service link: when the reminder's template names `{link}`,
the reminders job attaches a link for the case (docs/self-service.md).

An open link of the case that stays live a while longer is re-used, so a debtor who gets
several reminders holds one link, and a revoked or expiring one is never handed out again; a
new link is minted (audited, by nobody: the job) only when none is left. The message keeps to
the reviewed template: the link is its only variable beyond the reminder's own (a date), so no
debt detail enters it. Switched off (SELF_SERVICE_REMINDER_LINKS=0), or without a base URL to
build the link on, reminders are queued as before, with their plain text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.messaging.links import MAX_DAYS, PURPOSE, token_for
from server.messaging.templates import TemplateBook, fields, fill
from server.models import Case, MessageTemplate, SelfServiceLink, new_id

MIN_LEFT = timedelta(days=2)  # a link closer to its end than this is not sent again
Attach = Callable[[Session, str, str, dict, datetime], "tuple[str, dict] | None"]


@dataclass(frozen=True)
class ReminderLinks:
    """What the reminders job needs to attach links (from configuration)."""

    secret: str
    base_url: str
    days: int = 14
    enabled: bool = True

    @classmethod
    def from_config(cls, config) -> ReminderLinks:
        days = max(1, min(int(config.get("SELF_SERVICE_REMINDER_LINK_DAYS", 14)), MAX_DAYS))
        return cls(config.get("SECRET_KEY") or "", config.get("SELF_SERVICE_BASE_URL") or "",
                   days, bool(config.get("SELF_SERVICE_REMINDER_LINKS", True)))

    def attacher(self) -> Attach | None:
        """The per-run function that gives a reminder its link, or None when switched off."""
        if not (self.enabled and self.secret and self.base_url):
            return None
        templates: dict[str, MessageTemplate | None] = {}

        def attach(session, case_id, code, params, now):
            if code not in templates:
                templates[code] = _asking(session, code)
            template = templates[code]
            if template is None:
                return None
            url = self.url(session, reminder_link(session, case_id, now, self.days))
            with_link = {**params, "link": url}
            return fill(template.body, with_link), with_link

        return attach

    def url(self, session: Session, link: SelfServiceLink) -> str:
        return f"{self.base_url.rstrip('/')}/s/{token_for(self.secret, link)}"


def _asking(session: Session, code: str) -> MessageTemplate | None:
    """The template (Simplified Chinese first) of `code` that names `{link}`, if any."""
    book = TemplateBook(session, {code})
    rows = sorted(book.latest.values(), key=lambda t: t.language != "zh-CN")
    return next((t for t in rows if t.channel == "sms" and "link" in fields(t.body)), None)


def reminder_link(session: Session, case_id: str, now: datetime, days: int) -> SelfServiceLink:
    """The case's open link that stays live for a while, else a new one (audited)."""
    link = session.scalar(select(SelfServiceLink).where(
        SelfServiceLink.case_id == case_id, SelfServiceLink.purpose == PURPOSE,
        SelfServiceLink.revoked_at.is_(None), SelfServiceLink.expires_at > now + MIN_LEFT)
        .order_by(SelfServiceLink.expires_at.desc()).limit(1))
    if link is not None:
        return link
    case = session.get(Case, case_id)
    link = SelfServiceLink(id=new_id(), case_id=case.id, party_id=case.debtor_id,
                           purpose=PURPOSE, created_at=now, created_by=None,
                           expires_at=now + timedelta(days=days))
    session.add(link)
    session.flush()
    audit.record(session, None, "self_service.link_issued", "case", case.id,
                 {"link_id": link.id, "days": days, "via": "reminder"}, now=now)
    return link
