"""Relationships, addresses, contact points and placements of a chunk, matched by natural keys."""

from __future__ import annotations

from server.imports.upsert import Plan, insert_new, plan, sorted_ids, write
from server.models import Address, ContactPoint, PartyRelationship, Placement, Verification

RELATIONSHIP_RULES = {"relationship": "replace", "debt_related": "replace"}


def plan_children(ctx, rows, read, overlay, parties: Plan, cases: Plan, touched: set[int],
                  jobs: list) -> None:
    """Upsert relationships; add addresses, contact points and placements not yet there.

    `read` holds what the database has for the chunk's older parties and cases (parents
    created in this chunk have no children yet); `overlay` learns what this chunk adds.
    """
    overlay.relationships = _relationships(ctx, rows, parties.ids, read.relationships, touched,
                                           jobs)
    overlay.addresses = _addresses(ctx, rows, parties.ids, read.addresses, touched, jobs)
    overlay.contact_points = _contact_points(ctx, rows, parties.ids, read.contact_points,
                                             touched, jobs)
    overlay.placements = _placements(ctx, rows, cases.ids, read.placements, touched, jobs)


def _relationships(ctx, rows, ids, existing, touched, jobs) -> dict:
    wanted: dict[tuple, tuple[dict, int]] = {}
    for row in rows:
        debtor = ids[row.debtor_id]
        for contact in row.contacts:
            party = ids[contact.external_id]
            wanted.setdefault((debtor, party), ({
                "debtor_id": debtor, "party_id": party, "relationship": contact.relationship,
                "debt_related": contact.debt_related}, row.line))
    result = plan(wanted, existing, RELATIONSHIP_RULES)
    fresh = ctx.fresh
    write(jobs, PartyRelationship.__table__, result, ("debtor_id", "party_id"),
          RELATIONSHIP_RULES, ctx.report, lambda record: fresh.debtor_held(record["debtor_id"]))
    touched |= result.lines
    return result.written


def _addresses(ctx, rows, ids, existing, touched, jobs) -> set:
    wanted: dict[tuple, int] = {}
    for row in rows:
        for kind, text in row.addresses:
            wanted.setdefault((ids[row.debtor_id], kind, text), row.line)
    new = _new(wanted, existing, touched)
    insert_new(jobs, Address.__table__, [
        {"id": row_id, "party_id": party, "kind": kind, "raw_text": text,
         "verification_state": Verification.UNVERIFIED}
        for (party, kind, text), row_id in sorted_ids(new).items()], ctx.report,
        len(wanted) - len(new), _party_held(ctx))
    return set(new)


def _contact_points(ctx, rows, ids, existing, touched, jobs) -> set:
    wanted: dict[tuple, int] = {}
    for row in rows:
        debtor = ids[row.debtor_id]
        for channel, values in (("phone", row.phones), ("email", row.emails)):
            for value in values:
                wanted.setdefault((debtor, channel, value), row.line)
        for contact in row.contacts:
            for value in contact.phones:
                wanted.setdefault((ids[contact.external_id], "phone", value), row.line)
    new = _new(wanted, existing, touched)
    insert_new(jobs, ContactPoint.__table__, [
        {"id": row_id, "party_id": party, "channel": channel, "value": value}
        for (party, channel, value), row_id in sorted_ids(new).items()],
        ctx.report, len(wanted) - len(new), _party_held(ctx))
    return set(new)


def _placements(ctx, rows, case_ids, existing, touched, jobs) -> set:
    wanted: dict[tuple, int] = {}
    for row in rows:
        if row.agency_code is not None:
            wanted.setdefault((case_ids[row.case_id], ctx.agencies[row.agency_code]), row.line)
    new = _new(wanted, existing, touched)
    insert_new(jobs, Placement.__table__, [
        {"id": row_id, "case_id": case, "agency_id": agency}
        for (case, agency), row_id in sorted_ids(new).items()], ctx.report,
        len(wanted) - len(new))
    return set(new)


def _party_held(ctx):
    fresh = ctx.fresh
    return lambda record: fresh.party_held(record["party_id"])


def _new(wanted: dict[tuple, int], existing: set[tuple], touched: set[int]) -> list[tuple]:
    """Keys not in the database yet; their rows count as changed."""
    new = [key for key in wanted if key not in existing]
    touched.update(wanted[key] for key in new)
    return new
