"""The delivery run: drain the outbox in claimed batches, the rules checked again per message.

Per batch: claim (commit) -> read the rule inputs and templates (a few queries) -> defer or
block what the rules refuse now (commit) -> send the rest in chunks on a small thread pool,
each provider behind its rate limit, and commit each chunk's outcomes as soon as it is back.
A crash leaves at most one chunk sent but unrecorded, under an expiring claim
(server/messaging/claims.py decides what becomes of it).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from server.compliance.inputs import DEFAULT_TZ
from server.messaging import states
from server.messaging.claims import claim_batch, settle_expired_claims
from server.messaging.gateway import Gateway, Outgoing, PermanentError, TransientError
from server.messaging.inputs import load_inputs
from server.messaging.outcomes import Outcome, record_outcomes, retry_or_fail
from server.messaging.ratelimit import RateLimiter
from server.messaging.sendrules import BLOCK, DEFER, decide
from server.messaging.templates import TemplateBook, fields, fill
from server.models import utcnow
from server.unit_of_work import use_case


@dataclass(frozen=True)
class DeliverySettings:
    """The delivery run's limits (MESSAGING_* settings)."""

    batch_size: int = 500
    max_batches: int = 200
    chunk: int = 50
    concurrency: int = 4
    max_attempts: int = 6
    backoff_s: int = 60
    lease_s: int = 300
    daily_cap: int = 3
    default_tz: str = DEFAULT_TZ
    holder: str = "delivery"


@dataclass
class Delivery:
    """What a run needs besides the database: providers, their limits, a clock, metrics."""

    gateway: Gateway
    settings: DeliverySettings
    limiters: Mapping[str, RateLimiter]
    clock: Callable[[], datetime] = utcnow
    observe: Callable[[str, str, int], None] = lambda provider, status, n: None


def deliver_outbox(sessions: Callable[[], Session], run: Delivery) -> dict[str, int]:
    """Send every due message the rules allow now, batch by batch; counts per outcome."""
    counts: Counter = Counter()
    with use_case(sessions) as session:
        counts.update(settle_expired_claims(session, run.gateway, run.clock()))
    lease = timedelta(seconds=run.settings.lease_s)
    with ThreadPoolExecutor(max(1, run.settings.concurrency)) as pool:
        for _ in range(run.settings.max_batches):
            token = f"{run.settings.holder}:{uuid.uuid4().hex}"
            with use_case(sessions) as session:
                claimed = claim_batch(session, run.clock(), run.settings.batch_size, lease,
                                      token)
            if not claimed:
                break
            counts.update(_deliver_batch(sessions, run, claimed, pool))
    return {key: value for key, value in counts.items() if value}


def _deliver_batch(sessions, run: Delivery, claimed: list, pool) -> Counter:
    now = run.clock()
    with sessions() as session:
        sends, refused = _plan(session, run, claimed, now)
        session.rollback()
    counts = Counter(o.status for o in refused)
    with use_case(sessions) as session:
        record_outcomes(session, refused, now)
    for o in refused:
        run.observe(o.provider or "-", o.status, 1)
    size = max(1, run.settings.chunk)
    for start in range(0, len(sends), size):
        done = list(pool.map(lambda item: _send(run, *item), sends[start:start + size]))
        at = run.clock()
        done = [retry_or_fail(o, at, run.settings.max_attempts, run.settings.backoff_s)
                if o.status == "retry" else o for o in done]
        with use_case(sessions) as session:
            record_outcomes(session, done, at)
        for o in done:
            counts[o.status] += 1
            run.observe(o.provider or "-", o.status, 1)
    return counts


def _plan(session: Session, run: Delivery, claimed: list, now: datetime):
    """(row, outgoing, ledger) to send, and the outcomes of the rows refused now."""
    inputs = load_inputs(session, claimed, run.settings.default_tz)
    book = TemplateBook(session, {row.template for row in claimed})
    sends, refused, today = [], [], Counter()
    for row in claimed:
        who = inputs.recipients.get((row.case_id, row.recipient))
        if who is None:
            refused.append(Outcome(row.id, row.claimed_by, states.BLOCKED,
                                   reason="no case or debtor to check the rules against"))
            continue
        if who.contact_point_id is None:
            refused.append(Outcome(row.id, row.claimed_by, states.BLOCKED, reason=(
                "the recipient is no longer a valid contact point of the debtor")))
            continue
        key = (who.debtor.party_id, row.channel)
        decision = decide(inputs.profiles[row.case_id], who, row.channel, now,
                          inputs.attempts.get(row.case_id, ()),
                          inputs.consents.get(who.debtor.party_id, ()),
                          run.settings.daily_cap, today[key])
        if decision.action in (BLOCK, DEFER):
            status = states.BLOCKED if decision.action == BLOCK else "deferred"
            refused.append(Outcome(row.id, row.claimed_by, status, decision.until,
                                   decision.reason))
            continue
        try:
            outgoing = _outgoing(row, book, inputs.languages.get(row.case_id, "zh-CN"))
        except KeyError as exc:
            refused.append(Outcome(row.id, row.claimed_by, states.FAILED, reason=str(exc)))
            continue
        today[key] += 1
        sends.append((row, outgoing, {"channel": row.channel, "case_id": row.case_id,
                                      "party_id": who.debtor.party_id,
                                      "point_id": who.contact_point_id}))
    return sends, refused


def _outgoing(row, book: TemplateBook, language: str) -> Outgoing:
    """The message as sent: the latest reviewed template in the debtor's language when there
    is one, else the text queued with it."""
    template = book.find(row.template, language, row.channel)
    params = {k: str(v) for k, v in (row.params or {}).items()}
    if template is None or ("link" in fields(template.body) and "link" not in params):
        # A reminder queued without a link (switched off) keeps its own plain text.
        return Outgoing(row.id, row.channel, row.recipient, row.body, params=params)
    return Outgoing(row.id, row.channel, row.recipient, fill(template.body, params),
                    fill(template.subject, params) if template.subject else None,
                    template.provider_template_id, template.sign_name, params)


def _send(run: Delivery, row, outgoing: Outgoing, ledger: dict) -> Outcome:
    try:
        provider = run.gateway.provider_for(row.channel)
    except PermanentError as exc:
        return Outcome(row.id, row.claimed_by, states.FAILED, reason=str(exc),
                       attempts=row.attempts)
    limiter = run.limiters.get(provider.name)
    if limiter is not None:
        limiter.acquire()
    try:
        result = provider.send(outgoing)
    except PermanentError as exc:
        return Outcome(row.id, row.claimed_by, states.FAILED, reason=str(exc),
                       provider=provider.name, attempts=row.attempts)
    except (TransientError, Exception) as exc:  # anything unexpected is worth a later try
        return Outcome(row.id, row.claimed_by, "retry", reason=f"{type(exc).__name__}: {exc}",
                       provider=provider.name, attempts=row.attempts)
    return Outcome(row.id, row.claimed_by, states.SENT, provider=provider.name,
                   provider_ref=result.provider_ref, attempts=row.attempts, ledger=ledger)
