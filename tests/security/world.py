"""Two agencies, each with its collectors and everything they own, to probe access across them.

Agency A has team A1 with the callers (collector `ann`, dispatcher `dora`) and a peer collector
`pete`; agency B has team B1 with collector `bill` and dispatcher `dave`. Pete and Bill each own
a case, a debtor, an address, a visit, a promise, a follow-up, a violation, a quarantined row, a
route plan, a device and an attachment; Dave ran an import. Compliance `cora` and admin `adam`
see everything; `lena` works the lender's own operations (imports).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from server.compliance.profile_store import SEEDED, create_profile
from server.models import (
    Account,
    Address,
    Attachment,
    Blob,
    BlobUpload,
    Case,
    ContactPoint,
    Device,
    FollowUp,
    ImportRun,
    OutboxMessage,
    Party,
    PartyRelationship,
    Placement,
    QuarantinedRecord,
    RoutePlan,
    SelfServiceLink,
    Violation,
    Visit,
    VisitAssignee,
)
from server.sync.storage import store_from_config
from tests.support import factories as f
from tests.support.clock import operation_today

NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass
class Holdings:
    """The ids of one owner's objects, by the path/query parameter names that address them."""

    ids: dict = field(default_factory=dict)
    secrets: set = field(default_factory=set)  # strings that must never reach a caller


@dataclass
class World:
    users: dict = field(default_factory=dict)  # name -> username
    user_ids: dict = field(default_factory=dict)
    own: Holdings = field(default_factory=Holdings)  # ann's
    peer: Holdings = field(default_factory=Holdings)  # pete's (same team as ann)
    foreign: Holdings = field(default_factory=Holdings)  # bill's and dave's (agency B)


def _debtor(s, lender, tag: str) -> tuple[Party, Party]:
    debtor = Party(lender_id=lender.id, external_id=f.unique("P"), full_name=f"债务人{tag}",
                   national_id=f"3101011990{tag}")
    reference = Party(lender_id=lender.id, full_name=f"联系人{tag}")
    s.add_all([debtor, reference])
    s.flush()
    s.add_all([PartyRelationship(debtor_id=debtor.id, party_id=reference.id,
                                 relationship="reference", debt_related=False),
               ContactPoint(party_id=debtor.id, value=f"138{tag}"),
               ContactPoint(party_id=reference.id, value=f"139{tag}")])
    return debtor, reference


def _holdings(s, app, lender, agency, team, collector, tag: str, importer) -> Holdings:
    """One collector's case and everything hanging off it."""
    debtor, reference = _debtor(s, lender, tag)
    case = Case(lender_id=lender.id, external_id=f.unique("C"), debtor_id=debtor.id)
    s.add(case)
    s.flush()
    account = Account(lender_id=lender.id, external_id=f.unique("A"), case_id=case.id,
                      principal=Decimal("9000"), outstanding=Decimal("8000"), dpd=40)
    address = Address(party_id=debtor.id, raw_text=f"上海市黄浦区{tag}号", city="上海市",
                      district="黄浦区", lat=31.23, lng=121.47, verification_state="geocoded",
                      time_zone="Asia/Shanghai")
    s.add_all([account, address, Placement(case_id=case.id, agency_id=agency.id)])
    s.flush()
    visit = Visit(case_id=case.id, address_id=address.id, scheduled_on=operation_today(),
                  team_id=team.id, status="assigned")
    s.add(visit)
    s.flush()
    s.add(VisitAssignee(visit_id=visit.id, user_id=collector.id))
    promise = f.promise(s, case, "500", operation_today() + timedelta(days=3), NOW,
                        collector=collector,
                        visit_id=visit.id, id=uuid.uuid4().hex)
    receipt = f.payment(s, case, "100", NOW, collector=collector, method="cash",
                        receipt_no=f.unique(f"R{tag}-"), id=uuid.uuid4().hex)
    follow_up = FollowUp(case_id=case.id, visit_id=visit.id, kind="revisit", due_at=NOW,
                         reason="not home", assigned_to=collector.id)
    violation = Violation(rule="VISIT_WINDOW", case_id=case.id, visit_id=visit.id,
                          user_id=collector.id, message=f"late visit {tag}")
    device = Device(id=f"phone-{tag}", user_id=collector.id, registered_at=NOW)
    record = QuarantinedRecord(table_name="visit_notes", row_id=f"note-{tag}", user_id=collector.id,
                               device_id=device.id, reason="unknown_visit",
                               payload={"id": f"note-{tag}", "body": "x"})
    plan = RoutePlan(collector_id=collector.id, plan_date=operation_today())
    message = OutboxMessage(case_id=case.id, recipient=f"139{tag}", template="ptp_reminder",
                            body=f"reminder {tag}", dedupe_key=f"world:{tag}", status="failed")
    link = SelfServiceLink(case_id=case.id, party_id=debtor.id, expires_at=NOW + timedelta(days=9))
    s.add_all([follow_up, violation, device, record, plan, message, link])
    data = f"photo {tag}".encode()
    sha = hashlib.sha256(data).hexdigest()
    key = store_from_config(app.config).put(sha, data)
    s.add(Blob(sha256=sha, size=len(data), content_type="image/jpeg", storage_key=key,
               uploaded_by=collector.id))
    s.flush()
    s.add(BlobUpload(sha256=sha, visit_id=visit.id, user_id=collector.id))
    f.fact(s, Attachment, NOW, collector, visit_id=visit.id, sha256=sha)
    s.add(FollowUp(case_id=case.id, kind="review", due_at=NOW, reason="proof", dedupe_key=f"self-service-proof:{case.id}:{sha}"))  # noqa: E501
    run = ImportRun(user_id=importer.id, lender_id=lender.id, file_sha256=sha, file_format="csv",
                    report={"rejected_rows": [{"line": 2, "debtor_id": debtor.external_id}]})
    s.add(run)
    s.flush()
    ids = {"visit_id": visit.id, "address_id": address.id, "case_id": case.id,
           "follow_up_id": follow_up.id, "violation_id": violation.id, "device_id": device.id,
           "record_id": record.id, "run_id": run.id, "sha256": sha, "collector_id": collector.id,
           "collector": collector.id, "user_id": collector.id, "account_id": account.id,
           "payment_id": receipt.id,
           "team": team.id, "team_id": team.id, "message_id": message.id,
           "link_id": link.id}
    secrets = {visit.id, address.id, case.id, follow_up.id, violation.id, record.id, run.id,
               message.id, promise.id, receipt.id, plan.id, debtor.id, reference.id, sha, link.id,
               debtor.national_id,
               debtor.full_name, f"139{tag}"}
    return Holdings(ids, secrets)


def build(app, s) -> World:
    """Seed both agencies; returns who is who and what each owns."""
    lender = f.agency(s, kind="lender")
    agency_a, agency_b = f.agency(s), f.agency(s)
    team_a, team_b = f.team(s, agency_a), f.team(s, agency_b)
    people = {"ann": ("collector", team_a), "pete": ("collector", team_a), "dora": ("dispatcher",
                                                                                    team_a),
              "bill": ("collector", team_b), "dave": ("dispatcher", team_b),
              "cora": ("compliance", None), "adam": ("admin", None)}
    world, users = World(), {}
    for name, (role, team) in people.items():
        users[name] = f.user(s, role, team, username=f.unique(name))
        world.users[name] = users[name].username
        world.user_ids[name] = users[name].id
    users["lena"] = f.user(s, "lender_ops", username=f.unique("lena"), agency_code=lender.code)
    world.users["lena"], world.user_ids["lena"] = users["lena"].username, users["lena"].id
    code = f.unique("AGB")
    params = {**SEEDED["CN"].to_dict(), "code": code}
    profile = create_profile(s, code, "agency", agency_b.id, params,
                             "agency B's own cap", users["adam"].id)
    world.own = _holdings(s, app, lender, agency_a, team_a, users["ann"], "0001",
                          users["dora"])
    world.peer = _holdings(s, app, lender, agency_a, team_a, users["pete"], "0002",
                           users["dora"])
    world.foreign = _holdings(s, app, lender, agency_b, team_b, users["bill"], "0003",
                              users["dave"])
    world.foreign.ids["code"] = profile.code
    # Agency B's profile is B's own configuration: its history (only the REST detail shows it;
    # sync sends no versions) must not reach agency A's dispatcher.
    world.foreign.secrets.add("agency B's own cap")
    world.foreign.secrets |= {users["bill"].id, users["dave"].id}
    return world
