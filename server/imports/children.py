"""Relationships, addresses, contact points and placements of a chunk, matched by natural keys."""

from __future__ import annotations

from server.imports.staging import new_ids
from server.imports.upsert import Plan, fetch, insert_new, plan, write
from server.models import Address, ContactPoint, PartyRelationship, Placement, Verification

RELATIONSHIP_RULES = {"relationship": "replace", "debt_related": "replace"}


def write_children(ctx, rows, parties: Plan, cases: Plan, touched: set[int]) -> None:
    """Upsert relationships; add addresses, contact points and placements not yet there."""
    # Parents created in this chunk have no children in the database yet: no need to look.
    old_parties = [pid for key, pid in parties.ids.items() if key not in parties.created]
    old_cases = [cid for key, cid in cases.ids.items() if key not in cases.created]
    _relationships(ctx, rows, parties.ids, old_parties, touched)
    _addresses(ctx, rows, parties.ids, old_parties, touched)
    _contact_points(ctx, rows, parties.ids, old_parties, touched)
    _placements(ctx, rows, cases.ids, old_cases, touched)


def _relationships(ctx, rows, ids, old_parties, touched) -> None:
    wanted: dict[tuple, tuple[dict, int]] = {}
    for row in rows:
        debtor = ids[row.debtor_id]
        for contact in row.contacts:
            party = ids[contact.external_id]
            wanted.setdefault((debtor, party), ({
                "debtor_id": debtor, "party_id": party, "relationship": contact.relationship,
                "debt_related": contact.debt_related}, row.line))
    columns = [PartyRelationship.id, PartyRelationship.debtor_id, PartyRelationship.party_id,
               *(getattr(PartyRelationship, c) for c in RELATIONSHIP_RULES)]
    existing = {(r.debtor_id, r.party_id): r for r in fetch(
        ctx.session, columns, PartyRelationship.debtor_id, old_parties)}
    result = plan(wanted, existing, RELATIONSHIP_RULES)
    write(ctx.session, PartyRelationship.__table__, result, ("debtor_id", "party_id"),
          RELATIONSHIP_RULES, ctx.report)
    touched |= result.lines


def _addresses(ctx, rows, ids, old_parties, touched) -> None:
    wanted: dict[tuple, int] = {}
    for row in rows:
        for kind, text in row.addresses:
            wanted.setdefault((ids[row.debtor_id], kind, text), row.line)
    found = fetch(ctx.session, [Address.party_id, Address.kind, Address.raw_text],
                  Address.party_id, old_parties)
    new = _new(wanted, found, touched)
    insert_new(ctx.session, Address.__table__, [
        {"id": row_id, "party_id": party, "kind": kind, "raw_text": text,
         "verification_state": Verification.UNVERIFIED}
        for row_id, (party, kind, text) in zip(new_ids(len(new)), new, strict=True)], ctx.report,
        len(wanted) - len(new))


def _contact_points(ctx, rows, ids, old_parties, touched) -> None:
    wanted: dict[tuple, int] = {}
    for row in rows:
        debtor = ids[row.debtor_id]
        for channel, values in (("phone", row.phones), ("email", row.emails)):
            for value in values:
                wanted.setdefault((debtor, channel, value), row.line)
        for contact in row.contacts:
            for value in contact.phones:
                wanted.setdefault((ids[contact.external_id], "phone", value), row.line)
    found = fetch(ctx.session, [ContactPoint.party_id, ContactPoint.channel, ContactPoint.value],
                  ContactPoint.party_id, old_parties)
    new = _new(wanted, found, touched)
    insert_new(ctx.session, ContactPoint.__table__, [
        {"id": row_id, "party_id": party, "channel": channel, "value": value}
        for row_id, (party, channel, value) in zip(new_ids(len(new)), new, strict=True)],
        ctx.report, len(wanted) - len(new))


def _placements(ctx, rows, case_ids, old_cases, touched) -> None:
    wanted: dict[tuple, int] = {}
    for row in rows:
        if row.agency_code is not None:
            wanted.setdefault((case_ids[row.case_id], ctx.agencies[row.agency_code]), row.line)
    found = fetch(ctx.session, [Placement.case_id, Placement.agency_id], Placement.case_id,
                  old_cases, Placement.returned_at.is_(None))
    new = _new(wanted, found, touched)
    insert_new(ctx.session, Placement.__table__, [
        {"id": row_id, "case_id": case, "agency_id": agency}
        for row_id, (case, agency) in zip(new_ids(len(new)), new, strict=True)], ctx.report,
        len(wanted) - len(new))


def _new(wanted: dict[tuple, int], found: list, touched: set[int]) -> list[tuple]:
    """Keys not in the database yet; their rows count as changed."""
    existing = {tuple(row) for row in found}
    new = [key for key in wanted if key not in existing]
    touched.update(wanted[key] for key in new)
    return new
