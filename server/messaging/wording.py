"""The forbidden wording of each jurisdiction, as data compliance officers keep."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.errors import NotFound
from server.messaging.templates import forbidden_phrases
from server.models import MessageTemplate, WordingList


def _checked(jurisdiction: str) -> str:
    if not re.fullmatch(r"[A-Z]{2}(-[A-Z]{1,3})?", jurisdiction):
        raise NotFound(f"no jurisdiction {jurisdiction!r} (codes look like CN or US-MA)")
    return jurisdiction


def wording_of(session: Session, jurisdiction: str) -> dict:
    """The jurisdiction's list (its default while none is stored)."""
    jurisdiction = _checked(jurisdiction)
    stored = session.get(WordingList, jurisdiction)
    return {"jurisdiction": jurisdiction, "phrases": list(forbidden_phrases(session,
                                                                              jurisdiction)),
            "updated_at": stored.updated_at if stored else None}


def set_wording(session: Session, actor_id: str, jurisdiction: str, phrases: list[str],
                now: datetime) -> dict:
    """Replace the jurisdiction's list (audited); templates saved later are reviewed by it."""
    jurisdiction = _checked(jurisdiction)
    cleaned = sorted({p.strip() for p in phrases if p.strip()})
    row = session.get(WordingList, jurisdiction) or WordingList(jurisdiction=jurisdiction)
    row.phrases, row.updated_by, row.updated_at = cleaned, actor_id, now
    session.add(row)
    session.flush()
    audit.record(session, actor_id, "wording.update", "wording_list", jurisdiction,
                 {"phrases": len(cleaned)}, now=now)
    return wording_of(session, jurisdiction)


def templates_query(filters: Mapping[str, Any]) -> Select:
    """Templates, every version, newest first per code and language."""
    stmt = select(MessageTemplate)
    for name in ("code", "language"):
        if filters.get(name):
            stmt = stmt.where(getattr(MessageTemplate, name) == filters[name])
    return stmt.order_by(MessageTemplate.code, MessageTemplate.language,
                         MessageTemplate.version.desc())
