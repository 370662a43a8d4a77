"""Visit selection: the collection history models learn from, the model registry, each case's
hold-out arm, the daily scores with dispatchers' overrides, and what each reason code means."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, id_column, utcnow


class HistoryKind:
    VISIT = "visit"
    CALL = "call"
    REMINDER = "reminder"
    PROMISE = "promise"
    PAYMENT = "payment"
    SNAPSHOT = "snapshot"  # the account's state on a day: balance, dpd, address, distance
    SELF_SERVICE = "self_service"
    ALL = (VISIT, CALL, REMINDER, PROMISE, PAYMENT, SNAPSHOT, SELF_SERVICE)


class HistoryEvent(Base):
    """One thing that happened on a lender's case: imported from its past or synced from
    Doorstep's own records (`source`); `source_key` makes a re-import or re-sync a no-op."""

    __tablename__ = "selection_history"
    __table_args__ = (UniqueConstraint("source", "source_key"),
                      Index("ix_selection_history_case", "lender_id", "case_ref", "occurred_at"),
                      Index("ix_selection_history_kind_at", "kind", "occurred_at"))

    id: Mapped[str] = id_column()
    lender_id: Mapped[str] = mapped_column(ForeignKey("agencies.id"))
    case_ref: Mapped[str] = mapped_column(String(64))  # the lender's case id
    kind: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime]
    outcome: Mapped[str | None] = mapped_column(String(32))
    amount: Mapped[Decimal | None]
    balance: Mapped[Decimal | None]
    dpd: Mapped[int | None]
    address_verified: Mapped[bool | None]
    distance_km: Mapped[float | None]
    source: Mapped[str] = mapped_column(String(16), default="import")  # import, doorstep
    source_key: Mapped[str] = mapped_column(String(160))
    import_run_id: Mapped[str | None] = mapped_column(String(64))


class ModelStatus:
    TRAINED = "trained"
    APPROVED = "approved"
    RETIRED = "retired"
    ALL = (TRAINED, APPROVED, RETIRED)


class SelectionModel(Base):
    """A trained uplift model: its window, metrics and bytes; decides only once approved."""

    __tablename__ = "selection_models"

    id: Mapped[str] = id_column()
    version: Mapped[int] = mapped_column(unique=True)
    status: Mapped[str] = mapped_column(String(16), default=ModelStatus.TRAINED)
    trained_at: Mapped[datetime] = mapped_column(default=utcnow)
    window_start: Mapped[date]
    window_end: Mapped[date]
    horizon_days: Mapped[int]
    visit_cost: Mapped[Decimal]
    examples: Mapped[int]
    metrics: Mapped[dict] = mapped_column(default=dict)
    reference: Mapped[dict] = mapped_column(default=dict)  # feature samples, for drift (PSI)
    artifact: Mapped[bytes] = mapped_column(LargeBinary)
    approved_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None]
    approval_note: Mapped[str | None] = mapped_column(String(500))


class SelectionArm(Base):
    """Which arm a case is in, decided once (stable hash of the case id) and kept."""

    __tablename__ = "selection_arms"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"), primary_key=True)
    arm: Mapped[str] = mapped_column(String(8))  # model, holdout
    share: Mapped[float]
    seed: Mapped[int]
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)


class SelectionScore(Base):
    """A case's score for a day: eligibility, both probabilities, value, reasons, the choice,
    and a dispatcher's override (who, why)."""

    __tablename__ = "selection_scores"
    __table_args__ = (UniqueConstraint("case_id", "scored_on"),
                      Index("ix_selection_scores_team_day", "team_id", "scored_on"))

    id: Mapped[str] = id_column()
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    team_id: Mapped[str | None] = mapped_column(ForeignKey("teams.id"))
    scored_on: Mapped[date]
    model_id: Mapped[str | None] = mapped_column(ForeignKey("selection_models.id"))
    arm: Mapped[str] = mapped_column(String(8))
    excluded: Mapped[str | None] = mapped_column(String(64))  # why a model may not select it
    p_visit: Mapped[float | None]
    p_no_visit: Mapped[float | None]
    uplift: Mapped[float | None]
    expected_amount: Mapped[float | None]
    expected_value: Mapped[float | None]
    reasons: Mapped[list] = mapped_column(default=list)
    selected: Mapped[bool] = mapped_column(default=False)
    override: Mapped[str | None] = mapped_column(String(8))  # include, exclude
    override_reason: Mapped[str | None] = mapped_column(String(500))
    override_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"))
    override_at: Mapped[datetime | None]


# What each reason code means, in English and Chinese: dispatchers read it in the API and
# collectors on the phone (the sync protocol labels pulled scores with it, so it lives here).
REASON_LABELS: dict[str, tuple[str, str]] = {  # code -> (en, zh)
    "DPD_FAVOURS_VISIT": ("Days past due favour a visit", "逾期天数有利于上门"),
    "DPD_AGAINST_VISIT": ("Days past due speak against a visit", "逾期天数不利于上门"),
    "BUCKET_FAVOURS_VISIT": ("Delinquency bucket favours a visit", "逾期阶段有利于上门"),
    "BUCKET_AGAINST_VISIT": ("Delinquency bucket speaks against a visit", "逾期阶段不利于上门"),
    "BALANCE_FAVOURS_VISIT": ("Balance makes a visit worthwhile", "欠款金额值得上门"),
    "BALANCE_AGAINST_VISIT": ("Balance too small for a visit", "欠款金额不值得上门"),
    "BALANCE_NOT_FALLING": ("Balance is not going down", "欠款未见减少"),
    "BALANCE_FALLING": ("Balance is already going down", "欠款正在减少"),
    "RECENT_PAYMENTS_FAVOUR_VISIT": ("Recent payments: a visit may bring more",
                                     "近期有还款，上门可能促成更多还款"),
    "PAYS_WITHOUT_VISIT": ("Pays without a visit", "无需上门也在还款"),
    "PAYMENT_GAP_FAVOURS_VISIT": ("Time since last payment favours a visit",
                                  "距上次还款的时间有利于上门"),
    "PAYMENT_GAP_AGAINST_VISIT": ("Time since last payment speaks against a visit",
                                  "距上次还款的时间不利于上门"),
    "KEEPS_PROMISES": ("Keeps promises made at contact", "能兑现还款承诺"),
    "KEEPS_PROMISES_ANYWAY": ("Keeps promises without a visit", "无需上门也能兑现承诺"),
    "BROKEN_PROMISES": ("Broken promises: a visit may help", "有违约承诺，上门可能有帮助"),
    "BROKEN_PROMISES_HOPELESS": ("Many broken promises: a visit unlikely to help",
                                 "多次违约承诺，上门难有效果"),
    "REMINDERS_REACH": ("Reminders reach the customer", "提醒能送达客户"),
    "REMINDERS_ENOUGH": ("Reminders are enough", "提醒已足够"),
    "CALLS_TRIED": ("Calls tried: time for a visit", "已尝试电话，可考虑上门"),
    "CALLS_TRIED_OFTEN": ("Called often without effect", "多次来电无效果"),
    "ANSWERS_CALLS": ("Answers calls", "能接听电话"),
    "UNREACHABLE": ("Hard to reach", "难以联系"),
    "FEW_VISITS_SO_FAR": ("Few visits so far", "至今上门次数少"),
    "VISITED_OFTEN": ("Visited often already", "已多次上门"),
    "MET_AT_VISITS": ("Met at earlier visits", "以往上门见到本人"),
    "NOT_MET_AT_VISITS": ("Not met at earlier visits", "以往上门未见到本人"),
    "NO_REFUSALS": ("No refusals at earlier visits", "以往上门未被拒绝"),
    "REFUSED_VISITS": ("Refused earlier visits", "曾拒绝上门"),
    "ADDRESS_VERIFIED": ("Address verified", "地址已核实"),
    "ADDRESS_UNVERIFIED": ("Address not verified", "地址未核实"),
    "NEAR_BASE": ("Near the team's base", "距离团队驻地近"),
    "FAR_FROM_BASE": ("Far from the team's base", "距离团队驻地远"),
    "SELF_SERVICE_ACTIVE": ("Uses self-service: a visit may close it", "使用自助服务，上门可促成"),
    "SELF_SERVES": ("Self-serves without a visit", "无需上门即自助处理"),
}


def labelled_reasons(codes: list[str]) -> list[dict]:
    """Reason codes with their labels, in order; an unknown code keeps the code as its label."""
    return [{"code": c, "en": en, "zh": zh}
            for c in codes or [] for en, zh in [REASON_LABELS.get(c, (c, c))]]
