"""Message templates as data: versioned per code and language, reviewed when saved, filled
safely when sent.

Review on save: only known variables, nothing a jurisdiction's wording list forbids, and no
debt details (amounts, dates owed, account data, debt words) in a template whose message may
reach a third party (an SMS to a shared phone, a mailbox others read). Filling: `{name}` fields
only (no attribute, index or format spec), values stripped of control characters and cut short,
so a variable cannot rewrite the message around it.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.errors import InvalidInput
from server.models import MessageTemplate, WordingList

DEBT_VARIABLES = frozenset({"amount", "currency", "due_on", "outstanding", "dpd", "bucket",
                            "account", "balance"})
VARIABLES = frozenset({"name", "date", "time", "lender", "phone", "purpose", "link",
                       *DEBT_VARIABLES})
DEBT_WORDS = ("欠款", "逾期", "债务", "欠债", "拖欠", "debt", "overdue", "arrears", "owe ")
# Defaults while a jurisdiction has no stored list (threats and shaming the rules name).
DEFAULT_FORBIDDEN = {
    "CN": ("坐牢", "拘留", "公安", "通讯录", "曝光", "起诉你的家人", "黑名单"),
    "US": ("arrest", "jail", "police", "criminal", "lawsuit today"),
    "IN": ("arrest", "police", "jail"),
    "UK": ("bailiff today", "arrest", "criminal"),
}
MAX_VALUE = 64
LONG_VALUES = {"link": 512}  # a signed self-service URL is longer than a name or a date
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u2028\u2029]")


def fields(body: str) -> set[str]:
    """The variables `body` names; anything but plain `{name}` fields is refused."""
    names = set()
    try:
        parsed = list(string.Formatter().parse(body))
    except ValueError as exc:
        raise InvalidInput("unbalanced braces", {"body": [str(exc)]}) from exc
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise InvalidInput("only plain {name} fields", {"body": [f"field {name!r}"]})
        names.add(name)
    return names


def forbidden_phrases(session: Session, jurisdiction: str | None) -> tuple[str, ...]:
    """The jurisdiction's stored wording list, else its default."""
    if not jurisdiction:
        return tuple(p for phrases in DEFAULT_FORBIDDEN.values() for p in phrases)
    stored = session.get(WordingList, jurisdiction)
    return tuple(stored.phrases) if stored else DEFAULT_FORBIDDEN.get(jurisdiction, ())


def review(session: Session, spec: Mapping) -> None:
    """Refuse a template that names unknown variables, uses forbidden wording, or carries
    debt details where a third party may read it."""
    text = f"{spec.get('subject') or ''}\n{spec['body']}"
    names, errors = fields(spec["body"]) | fields(spec.get("subject") or ""), {}
    unknown = sorted(names - VARIABLES)
    if unknown:
        errors["body"] = [f"unknown variables: {', '.join(unknown)}"]
    lowered = text.lower()
    banned = [p for p in forbidden_phrases(session, spec.get("jurisdiction"))
              if p.lower() in lowered]
    if banned:
        errors.setdefault("body", []).append(f"forbidden wording: {', '.join(banned)}")
    if spec.get("may_reach_third_party", True):
        debt = sorted(names & DEBT_VARIABLES) + [w.strip() for w in DEBT_WORDS
                                                 if w in lowered]
        if debt:
            errors.setdefault("body", []).append(
                f"debt details in a message a third party may read: {', '.join(debt)}")
    if errors:
        raise InvalidInput("the template fails review", errors)


def save_template(session: Session, actor_id: str | None, spec: Mapping) -> MessageTemplate:
    """Review and store the next version of a template (older versions stay for the record)."""
    review(session, spec)
    language = spec.get("language", "zh-CN")
    latest = session.scalar(select(func.max(MessageTemplate.version)).where(
        MessageTemplate.code == spec["code"], MessageTemplate.language == language))
    row = MessageTemplate(
        code=spec["code"], language=language, version=(latest or 0) + 1,
        channel=spec.get("channel", "sms"), jurisdiction=spec.get("jurisdiction"),
        subject=spec.get("subject"), body=spec["body"],
        provider_template_id=spec.get("provider_template_id"), sign_name=spec.get("sign_name"),
        may_reach_third_party=spec.get("may_reach_third_party", True), created_by=actor_id)
    session.add(row)
    session.flush()
    return row


def fill(body: str, variables: Mapping[str, object]) -> str:
    """`body` with its fields filled by cleaned, shortened values; a missing one is an error."""
    clean = {k: _CONTROL.sub(" ", str(v)).strip()[:LONG_VALUES.get(k, MAX_VALUE)]
             for k, v in variables.items()}
    missing = sorted(fields(body) - set(clean))
    if missing:
        raise KeyError(f"missing template variables: {', '.join(missing)}")
    return body.format_map(clean)


class TemplateBook:
    """The latest version of each (code, language, channel) a batch needs, loaded once."""

    def __init__(self, session: Session, codes: Iterable[str]):
        self.latest: dict[tuple[str, str, str], MessageTemplate] = {}
        rows = session.scalars(select(MessageTemplate).where(
            MessageTemplate.code.in_(set(codes)), MessageTemplate.active.is_(True))
            .order_by(MessageTemplate.version))
        for row in rows:
            self.latest[(row.code, row.language, row.channel)] = row

    def find(self, code: str, language: str, channel: str) -> MessageTemplate | None:
        """The template in the debtor's language, else in Simplified Chinese, if any."""
        return (self.latest.get((code, language, channel))
                or self.latest.get((code, "zh-CN", channel)))
