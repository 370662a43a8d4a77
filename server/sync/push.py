"""Push: apply a device's changes. Facts once each; the rest to quarantine; 409 on conflict."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import and_, select, tuple_
from sqlalchemy.orm import Session

from server.cases.field_facts import record_field_facts
from server.db.feed import record_changes
from server.errors import InvalidInput, StaleVersion
from server.facts.effects import after_facts_applied, after_facts_inserted
from server.facts.plausible import field_errors, promise_limits
from server.models import SyncChange
from server.sync import apply, cursor, quarantine
from server.sync.attachments import misplaced
from server.sync.refs import check_refs, corrected, load_reach
from server.sync.rows import Masker, encode
from server.sync.scope import Who, current_visits, debt_related_parties, in_scope
from server.sync.tables import SERVER_MAINTAINED, SYNC_TABLES, TABLE_ORDER
from server.sync.validate import Checked, Rejection, check_row, check_shape
from server.sync.wire import digest, encode_value, encoder_for


@dataclass(frozen=True)
class PushContext:
    who: Who
    device_id: str | None
    clock_offset_ms: int | None  # server minus device, estimated for this request
    warnings: dict | None = None  # request headers ignored, e.g. {"X-Device-Time": [why]}
    replan: Callable | None = None  # re-plans routes of visits a pushed request cancelled


@dataclass
class Outcome:
    applied: dict
    rejected: list[Rejection]


def push_changes(session: Session, ctx: PushContext, changes: dict,
                 last_pulled_at: int | None) -> dict:
    """Apply one push in the caller's transaction; returns experimentalRejectedIds."""
    check_shape(changes)
    _refuse_conflicts(session, changes, last_pulled_at)
    outcome = apply_rows(session, ctx, changes)
    done = quarantine.keep(session, ctx, outcome.rejected)
    rejected: dict[str, list[str]] = {}
    for r in outcome.rejected:
        if r.row_id is not None and (r.table, r.row_id) not in done:
            rejected.setdefault(r.table, []).append(r.row_id)
    return {"experimentalRejectedIds": {t: sorted(set(ids)) for t, ids in rejected.items()},
            "applied": {t: len(rows) for t, rows in outcome.applied.items() if rows}}


def _refuse_conflicts(session: Session, changes: dict, last_pulled_at: int | None) -> None:
    """WatermelonDB's rule: an update to a row the server changed since the pull -> 409."""
    pairs = [(name, row["id"]) for name, parts in changes.items()
             for row in parts.get("updated", []) if isinstance(row, dict)
             and isinstance(row.get("id"), str)]
    if not pairs:
        return
    if last_pulled_at is None:
        raise InvalidInput("last_pulled_at is required to push updates",
                           {"last_pulled_at": ["required with updated rows"]})
    snap = cursor.snapshot_of(cursor.load(session, last_pulled_at))
    clashes = session.execute(select(SyncChange.table_name, SyncChange.row_id).distinct().where(
        and_(tuple_(SyncChange.table_name, SyncChange.row_id).in_(pairs),
             cursor.changed_after(session, snap)))).all()
    if clashes:
        listing = {}
        for name, row_id in clashes:
            listing.setdefault(name, []).append(row_id)
        raise StaleVersion("rows changed on the server since your last pull; pull and push "
                           "again", {t: sorted(ids) for t, ids in listing.items()})


def apply_rows(session: Session, ctx: PushContext, changes: dict) -> Outcome:
    """Validate, authorise and apply rows (shared by push and quarantine replay)."""
    rejected: list[Rejection] = []
    facts: dict[str, list[Checked]] = {}
    server_rows: dict[str, list[Checked]] = {}
    for name in sorted(changes, key=TABLE_ORDER.index):
        spec, parts = SYNC_TABLES[name], changes[name]
        for row_id in parts.get("deleted", []):
            rejected.append(Rejection(name, row_id if isinstance(row_id, str) else None,
                                      "deleted", "delete_not_allowed",
                                      {"id": ["devices never delete synced rows"]}, row_id))
        for op in ("created", "updated"):
            for raw in parts.get(op, []):
                checked = check_row(spec, op, raw)
                if isinstance(checked, Rejection):
                    rejected.append(checked)
                elif spec.fact:
                    facts.setdefault(name, []).append(checked)
                elif op == "created":
                    rejected.append(Rejection(name, checked.row_id, op, "server_owned", {
                        "id": [f"{name} rows are created by the server only"]}, raw))
                else:
                    server_rows.setdefault(name, []).append(checked)
    applied = _apply_facts(session, ctx, facts, rejected)
    for name, rows in server_rows.items():
        applied[name] = _apply_server_rows(session, ctx, name, rows, rejected)
    after_facts_applied(session, applied)
    return Outcome(applied, rejected)


_ENCODERS: dict[str, tuple] = {}


def _stamp(ctx: PushContext, row: Checked, spec) -> None:
    row.values.update(user_id=ctx.who.collector_id, device_id=ctx.device_id,
                      received_at=ctx.who.now, clock_offset_ms=ctx.clock_offset_ms)
    encoders = _ENCODERS.get(spec.name)
    if encoders is None:
        encoders = _ENCODERS[spec.name] = tuple(encoder_for(spec.table.c[name])
                                                for name in spec.content_columns)
    row.digest = row.values["digest"] = digest(row.values, spec.content_columns, encoders)


def _apply_facts(session, ctx, facts: dict, rejected: list) -> dict:
    if "attachments" in facts:  # bytes uploaded for another visit: quarantined
        facts["attachments"] = misplaced(session, facts["attachments"], rejected)
    everything = [r for rows in facts.values() for r in rows]
    reach = load_reach(session, ctx.who.collector_id, everything)
    refused: dict[str, list[tuple[Checked, dict]]] = {}
    applied: dict = {}
    limits = promise_limits(session, facts.get("payment_promises", ()))
    for name, rows in facts.items():
        spec, ok, seen = SYNC_TABLES[name], [], {}
        for row in rows:
            _stamp(ctx, row, spec)
            bad = field_errors(ctx, row, reach, limits)
            if bad:
                rejected.append(Rejection(name, row.row_id, row.operation, "bad_value", bad,
                                          row.raw))
                continue
            errors = check_refs(row, reach, corrected(row.values["recorded_at"],
                                                      ctx.clock_offset_ms))
            if errors:
                refused.setdefault(name, []).append((row, errors))
            elif row.row_id in seen:
                if seen[row.row_id] != row.digest:
                    rejected.append(Rejection(name, row.row_id, row.operation, "id_conflict",
                                              {"id": ["sent twice with different content"]},
                                              row.raw))
            else:
                seen[row.row_id] = row.digest
                ok.append(row)
        applied[name], clashes = apply.insert_facts(session, name, ok)
        rejected.extend(clashes)
    _refuse(session, ctx, refused, rejected)
    record_field_facts(session, ctx, applied, rejected)
    after_facts_inserted(session, ctx, applied, rejected)
    return applied


def _refuse(session, ctx, refused: dict, rejected: list) -> None:
    """Rows whose references fail now, unless this collector already stored them as they are.

    A retried push is judged against today's assignments: a fact stored before a
    reassignment would otherwise come back rejected (and quarantined) on its replay.
    """
    if not refused:
        return
    stored = apply.stored_digests(session, {name: [row for row, _ in pairs]
                                            for name, pairs in refused.items()},
                                  ctx.who.collector_id)
    for name, pairs in refused.items():
        for row, errors in pairs:
            if stored.get((name, row.row_id)) == row.digest:
                continue  # a replay: a no-op, like any other
            rejected.append(Rejection(name, row.row_id, row.operation, "not_your_case"
                                      if _is_scope(errors) else "unknown_reference",
                                      errors, row.raw))


def _is_scope(errors: dict) -> bool:
    return any("assigned to you" in m or "your case" in m
               for msgs in errors.values() for m in msgs)


def _apply_server_rows(session, ctx, name, rows: list[Checked], rejected: list) -> list:
    """Updated server-owned rows: only whitelisted columns, only rows in the collector's scope."""
    spec = SYNC_TABLES[name]
    table = spec.table
    visits = current_visits(ctx.who)
    mask = Masker(lambda: set(session.scalars(debt_related_parties(visits))))
    stored = {m["id"]: encode(name, m, mask) for m in session.execute(
        select(table).where(table.c.id.in_([r.row_id for r in rows]),
                            in_scope(name, visits, ctx.who))).mappings()}
    writable = spec.writable
    ok, unchanged = [], []
    for row in rows:
        current = stored.get(row.row_id)
        if current is None:
            rejected.append(Rejection(name, row.row_id, "updated", "not_your_case",
                                      {"id": ["not a row of your current work"]}, row.raw))
            continue
        changed = [c for c, v in row.values.items()
                   if c not in SERVER_MAINTAINED and encode_value(v) != current.get(c)]
        forbidden = sorted(set(changed) - writable)
        if forbidden:
            rejected.append(Rejection(name, row.row_id, "updated", "forbidden_column",
                                      {c: ["devices may not change this column"]
                                       for c in forbidden}, row.raw))
        elif changed:
            row.extra["columns"] = changed
            ok.append(row)
        else:
            unchanged.append(row.row_id)
    apply.update_server_rows(session, name, ok, ctx.who.now)
    # An update that changes nothing (a retried push, two collectors marking the same number
    # dead) still comes back in the next pull, so the device's local copy (WatermelonDB stamps
    # `updated_at` on every local change) converges on the server's.
    record_changes(session, name, unchanged)
    return ok
