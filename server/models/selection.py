"""Visit selection: the collection history models learn from, the model registry, each case's
hold-out arm, and the daily scores with dispatchers' overrides."""

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
