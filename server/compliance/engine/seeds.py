"""Seeded profiles (CN default, US, US-MA, IN, UK) with the defaults of COMPLIANCE.md.

Each profile starts from "no restriction" and states what its jurisdiction adds, so a reviewer
reads one block per jurisdiction. Values COMPLIANCE.md does not give are marked "chosen".
"""

from __future__ import annotations

from dataclasses import replace
from datetime import time
from decimal import Decimal
from types import MappingProxyType

from .params import RollingCap, TimeWindow
from .profiles import Profile

# Rules every seeded jurisdiction shares (COMPLIANCE.md rows marked "all").
_COMMON = Profile(
    code="COMMON",
    name="shared baseline",
    honor_cease_requests=True,
    attorney_blocks_contact=True,
    honor_channel_opt_outs=True,
    third_party_locate_only=True,
    block_vulnerable_visits=True,
    block_visits_during_dispute=True,
    # A hold a person entered is always shown; only IN makes it a block (chosen).
    sensitive_holds="warn",
    # Lender policy rather than law (chosen): 1% short still counts as kept, 3 days for transfers.
    promise_amount_tolerance=Decimal("0.01"),
    promise_grace_days=3,
)

CN = replace(
    _COMMON,
    code="CN",
    name="China (default)",
    references=(
        "China Banking Association field-collection guideline (2026), art. 22",
        "Internet-finance collection guideline",
        "GB/T 45251",
        "PIPL art. 6, 13, 14, 28-29",
    ),
    quiet_hours=(TimeWindow(time(22), time(8)),),
    two_person_min=2,
    visit_interval_days=7,
    visit_interval_severity="warn",
    call_unanswered_per_number_per_day=6,
    call_connected_per_debtor_per_day=3,
    # Step 1 of the lender's process is a reminder before the visit (chosen: 24 h).
    notice_hours=24,
    block_expired_certification=True,
    training_max_age_days=365,
    require_collector_id=True,
    recording_required=True,
    recording_consent_required=True,
    # Credit-card records >= 2 y, PIPL records >= 3 y: the longer floor.
    retention_years=3,
    # 银行业保险业消费投诉处理管理办法 (2020): 15 days, 30 when complex, 30 more with approval.
    complaint_decide_days=15,
    complaint_complex_days=30,
    complaint_extension_days=30,
)

US = replace(
    _COMMON,
    code="US",
    name="United States (federal)",
    references=("FDCPA 805(a)(1)", "FDCPA 805(a)(2), 805(c)", "Regulation F 12 CFR 1006.14"),
    quiet_hours=(TimeWindow(time(21), time(8)),),
    call_caps=(RollingCap(7, 7),),
    call_silence_after_conversation_days=7,
    workplace_visits="block",
    retention_years=3,
)

US_MA = replace(
    US,
    code="US-MA",
    name="United States, Massachusetts",
    references=(*US.references, "209 CMR 18.17", "940 CMR 7.04(1)(f)"),
    visit_caps=(RollingCap(1, 30, consent_exempt=True),),
    # Massachusetts' two-calls-in-seven-days rule (chosen: modelled as a per-debt call cap).
    call_caps=(RollingCap(2, 7),),
)

IN = replace(
    _COMMON,
    code="IN",
    name="India",
    references=(
        "RBI Master Direction on outsourcing of financial services (2022)",
        "RBI draft directions on recovery collectors (2026)",
    ),
    quiet_hours=(TimeWindow(time(19), time(8)),),
    sensitive_holds="block",
    block_expired_certification=True,
    training_max_age_days=365,
    require_collector_id=True,
    recording_consent_required=True,
    # RBI record-keeping directions keep records five years (chosen).
    retention_years=5,
    # RBI Integrated Ombudsman Scheme: the customer may escalate after 30 days.
    complaint_decide_days=30,
)

UK = replace(
    _COMMON,
    code="UK",
    name="United Kingdom",
    references=("FCA CONC 7.9", "FCA CONC 7.9.12", "FCA CONC 7.9.14"),
    # CONC asks for no "unreasonable times"; 08:00-21:00 is the usual reading (chosen).
    quiet_hours=(TimeWindow(time(21), time(8)),),
    workplace_visits="block",
    notice_hours=24,
    # Six years matches the Limitation Act 1980 period for debt claims (chosen).
    retention_years=6,
    # FCA DISP 1.6.2: a final response within eight weeks.
    complaint_decide_days=56,
)

SEEDED: MappingProxyType[str, Profile] = MappingProxyType(
    {p.code: p for p in (CN, US, US_MA, IN, UK)}
)
DEFAULT_CODE = "CN"


def seeded_profile(code: str = DEFAULT_CODE) -> Profile:
    """Return a seeded profile by code (CN when none is given)."""
    try:
        return SEEDED[code]
    except KeyError:
        raise KeyError(f"no seeded profile {code!r}; known: {sorted(SEEDED)}") from None
