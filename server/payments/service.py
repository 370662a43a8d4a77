"""Use cases of lender postings: one posting from the lender's system, a file of them, lists."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from server.audit import service as audit
from server.auth.clients import actor_of, require_scope
from server.cases.lenders import lender_of
from server.cases.settlement import settle_paid_off
from server.db.sql import chunks
from server.errors import Conflict, InvalidInput, NotFound
from server.imports.columns import FileRejected
from server.imports.report import MAX_REJECTED_ROWS, shown
from server.imports.source import detect, open_text, scan
from server.models import LenderPosting, PostingConflict, Role
from server.payments import rows as posting_rows
from server.payments.postings import Ingest, Origin, ingest
from server.payments.prefetch import prefetched
from server.payments.staging import CONFLICT, ERROR

SCOPE = "payments:write"
FILE_CHUNK = 50_000


@dataclass(frozen=True)
class Posted:
    """The answer to one posting; a clash is raised only after its body was committed."""

    posting: LenderPosting | None
    replayed: bool
    clash: Conflict | None = None

    def answer(self) -> tuple[LenderPosting, bool]:
        if self.clash is not None:
            raise self.clash
        return self.posting, self.replayed


def post_posting(session: Session, principal, body: dict, now: datetime,
                 zone: ZoneInfo) -> Posted:
    """Store one posting idempotently: a replay finds the stored one, a clash keeps the body."""
    require_scope(principal, SCOPE)
    lender_id = lender_of(session, principal)
    row = posting_rows.check(1, body, zone)
    result = ingest(session, _origin(principal, lender_id, "api", now, zone), [[row]],
                    Ingest())
    outcome = result.outcome.get(row.txn_id)
    if outcome == ERROR:
        raise InvalidInput("the posting is not valid", row.errors)
    actor = actor_of(principal)
    settle_paid_off(session, result.settled_accounts, now, actor)
    if outcome == CONFLICT:
        audit.record(session, actor, "posting.conflict", "lender_posting", row.txn_id,
                     {"lender_id": lender_id})
        return Posted(None, False, PostingClash(row.txn_id))
    posting = session.scalar(select(LenderPosting).where(LenderPosting.lender_id == lender_id,
                                                         LenderPosting.txn_id == row.txn_id))
    if outcome == "new":
        audit.record(session, actor, "posting.create", "lender_posting", posting.id,
                     {"txn_id": row.txn_id, "kind": posting.kind,
                      "unmatched": posting.account_id is None})
    return Posted(posting, outcome != "new")


def _origin(principal, lender_id: str, source: str, now: datetime, zone: ZoneInfo) -> Origin:
    return Origin(lender_id, source, getattr(principal, "client_id", None), now,
                  now.astimezone(zone).date())


class PostingClash(Conflict):
    """The transaction id was used before with other content (the new body is kept)."""

    def __init__(self, txn_id: str):
        super().__init__(f"transaction {txn_id} was posted before with other content; this "
                         "body is kept for a person to review",
                         {"txn_id": ["already posted with different content"]})


def import_postings(session: Session, principal, stream: BinaryIO, filename: str | None,
                    lender_code: str | None, now: datetime, zone: ZoneInfo) -> dict:
    """A CSV of postings (UTF-8 or GBK), in chunks of one transaction; a report like the case
    import's: counts and each rejected row's line and errors."""
    require_scope(principal, SCOPE)
    lender_id = lender_of(session, principal, lender_code)
    info = detect(stream, scan(stream), filename, "csv")
    origin = _origin(principal, lender_id, "file", now, zone)
    text = open_text(stream, info.encoding)
    try:
        with prefetched(chunks(_read(text, zone), FILE_CHUNK)) as batches:
            result = ingest(session, origin, batches, Ingest())
    finally:
        text.detach()
    total = result.rows
    settled = settle_paid_off(session, result.settled_accounts, now, actor_of(principal))
    audit.record(session, actor_of(principal), "posting.import", "lender", lender_id,
                 {"rows": total, **result.counts, "file": filename})
    return {"rows": total, "encoding": info.encoding, **result.counts, "settled": len(settled),
            "conflicting_txn_ids": sorted(set(result.conflicts))[:MAX_REJECTED_ROWS],
            "rejected_rows": [_rejected(r) for r in result.rejected[:MAX_REJECTED_ROWS]]}


def _rejected(row) -> dict:
    return {"line": row.line, "txn_id": shown(str(row.body.get("txn_id") or ""))[:64],
            "errors": {k: [shown(m) for m in v] for k, v in row.errors.items()}}


def _read(text, zone: ZoneInfo) -> Iterator:
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        raise FileRejected("the file has no header line", {"file": ["no header line"]}) from None
    names = [posting_rows.canonical_header(h) for h in header]
    missing = {"txn_id", "amount", "paid_at"} - set(names)
    if missing:
        raise FileRejected("the header lacks required columns",
                           {"header": [f"missing {', '.join(sorted(missing))}"]})
    line = 1
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            body = {n: c for n, c in zip(names, cells, strict=False) if n is not None}
            row = posting_rows.check(line, body, zone)
            if len(cells) > len(names) and any(c.strip() for c in cells[len(names):]):
                row.errors["row"] = [f"has {len(cells)} cells but the header has {len(names)}"]
            yield row
    except csv.Error as exc:
        raise FileRejected(f"the CSV is malformed near line {line + 1}: {exc}",
                           {"file": [str(exc)]}) from None


def unmatched_postings(principal) -> Select:
    """Postings for accounts Doorstep does not know, not yet dealt with, oldest first."""
    stmt = (select(LenderPosting).where(LenderPosting.account_id.is_(None),
                                        LenderPosting.resolved_at.is_(None))
            .order_by(LenderPosting.received_at, LenderPosting.id))
    return _own_lender(stmt, LenderPosting, principal)


def posting_conflicts(principal) -> Select:
    """Bodies that reused a transaction id with other content, oldest first."""
    stmt = (select(PostingConflict).where(PostingConflict.resolved_at.is_(None))
            .order_by(PostingConflict.received_at, PostingConflict.id))
    return _own_lender(stmt, PostingConflict, principal)


def _own_lender(stmt: Select, model, principal) -> Select:
    if principal.role == Role.ADMIN:
        return stmt
    return stmt.where(model.lender_id == principal.agency_id)


def readable_posting(session: Session, principal, posting_id: str) -> LenderPosting:
    """One posting of the caller's lender, else NotFound."""
    stmt = _own_lender(select(LenderPosting).where(LenderPosting.id == posting_id),
                       LenderPosting, principal)
    posting = session.scalar(stmt)
    if posting is None:
        raise NotFound(f"no posting {posting_id!r}")
    return posting
