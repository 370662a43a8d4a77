"""The scheduled jobs: what each runs, when, and how a missed run is handled.

Misfire policy (see docs/scheduler.md): every job is idempotent and catches up on everything
due, so one late run is as good as the missed ones (coalesce=True). Frequent jobs accept a run
up to one period late; daily jobs up to 20 hours late, so a failover or a restart during the
night still does the day's work instead of skipping it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from server.audit.service import anchor_audit_chain
from server.cases.accounts import recompute_dpd
from server.cases.complaints import escalate_complaints
from server.cases.placement import recall_due_placements
from server.clock import OPERATION_ZONE
from server.compliance.purge import purge_expired_cases
from server.facts.deferred import run_fact_effects
from server.followups.escalation import escalate_stale_visits
from server.followups.reminders import queue_reminders
from server.followups.revisits import schedule_revisits
from server.imports.background import sweep_imports
from server.jobs.messaging import deliver_messages
from server.messaging.reminder_links import ReminderLinks
from server.payments.cash import match_deposits
from server.payments.standing_recalls import run_standing_recalls
from server.promises.monitor import run_promise_monitor
from server.routing.background import sweep_planning
from server.selection.jobs import sync_history_job, train_model_job
from server.unit_of_work import checkpoint


@dataclass(frozen=True)
class JobSettings:
    """What jobs read from configuration."""

    timezone: str = OPERATION_ZONE  # the scheduler's zone; also the fallback debtor zone
    stale_visit_days: int = 2
    audit_anchor_file: str = ""  # AUDIT_ANCHOR_FILE: where the chain's head is appended
    reminder_links: ReminderLinks | None = None  # SELF_SERVICE_REMINDER_LINKS & co.

    def today(self, now: datetime):
        """The scheduler's local date at `now`."""
        return now.astimezone(ZoneInfo(self.timezone)).date()


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job."""

    name: str
    run: Callable[[Session, datetime, JobSettings], dict]
    trigger: str  # "interval" or "cron"
    trigger_args: dict[str, Any] = field(default_factory=dict)
    misfire_grace_s: int = 600
    description: str = ""

    def work(self, settings: JobSettings) -> Callable[[Session, datetime], dict]:
        """The job bound to its settings, as run_job calls it."""
        return lambda session, now: self.run(session, now, settings)


DAY_GRACE = int(timedelta(hours=20).total_seconds())

JOBS: dict[str, JobSpec] = {spec.name: spec for spec in (
    JobSpec("promise_monitor",
            lambda s, now, cfg: run_promise_monitor(s, now, cfg.timezone, after_batch=checkpoint),
            "interval", {"minutes": 15}, 15 * 60,
            "mark promises kept/broken; follow-up per broken promise"),
    JobSpec("reminders",
            lambda s, now, cfg: queue_reminders(
                s, now, cfg.timezone,
                attach_link=cfg.reminder_links and cfg.reminder_links.attacher()),
            "interval", {"minutes": 10}, 10 * 60,
            "outbox SMS the day before a promise is due, and visit notices"),
    JobSpec("deliver_messages", deliver_messages, "interval", {"minutes": 1}, 60,
            "send due outbox messages the rules allow now; retries with back-off"),
    JobSpec("revisits",
            lambda s, now, cfg: schedule_revisits(s, now, cfg.timezone),
            "interval", {"minutes": 30}, 30 * 60,
            "revisit follow-ups after NOT_HOME, within caps and allowed hours"),
    JobSpec("stale_visits",
            lambda s, now, cfg: escalate_stale_visits(s, cfg.today(now), cfg.stale_visit_days,
                                                      now),
            "cron", {"hour": 7, "minute": 0}, DAY_GRACE,
            "review follow-up for visits still assigned days after their date"),
    JobSpec("dpd_recompute",
            lambda s, now, cfg: recompute_dpd(s, cfg.today(now)),
            "cron", {"hour": 0, "minute": 30}, DAY_GRACE,
            "days past due and bucket from due_since"),
    JobSpec("fact_effects",
            lambda s, now, cfg: run_fact_effects(s, now),
            "interval", {"seconds": 30}, 30,
            "compliance flags and address evidence of pushed facts a worker left undone"),
    JobSpec("imports",
            lambda s, now, cfg: sweep_imports(s, now),
            "interval", {"minutes": 1}, 60,
            "run background imports nobody started; fail interrupted ones; delete their files"),
    JobSpec("audit_anchor",
            lambda s, now, cfg: anchor_audit_chain(s, now, cfg.audit_anchor_file),
            "interval", {"minutes": 5}, 5 * 60,
            "append the audit chain's head to the anchor file outside the database"),
    JobSpec("planning",
            lambda s, now, cfg: sweep_planning(s, now),
            "interval", {"minutes": 1}, 60,
            "run background team plannings nobody started; fail interrupted ones"),
    JobSpec("complaint_escalation",
            lambda s, now, cfg: escalate_complaints(s, now),
            "interval", {"minutes": 30}, 30 * 60,
            "review follow-up for complaints whose clock runs out within 3 days"),
    JobSpec("placement_ends",
            lambda s, now, cfg: recall_due_placements(s, cfg.today(now), now),
            "cron", {"hour": 0, "minute": 45}, DAY_GRACE,
            "recall cases whose placement period has ended (their work closes)"),
    JobSpec("standing_recalls",
            lambda s, now, cfg: run_standing_recalls(s, now),
            "cron", {"hour": 0, "minute": 50}, DAY_GRACE,
            "apply each lender's standing recall rules (poor performance, complaints)"),
    JobSpec("cash_deposits",
            lambda s, now, cfg: match_deposits(s, now),
            "interval", {"minutes": 60}, 60 * 60,
            "match cash hand-ins to lender postings; flag those unmatched too long"),
    JobSpec("retention_purge",
            lambda s, now, cfg: purge_expired_cases(s, now),
            "cron", {"hour": 3, "minute": 0}, DAY_GRACE,
            "anonymise closed cases past the longest retention floor"),
    JobSpec("selection_history",
            lambda s, now, cfg: sync_history_job(s, now),
            "cron", {"hour": 1, "minute": 0}, DAY_GRACE,
            "copy Doorstep's visits, calls, reminders, promises and payments into the history "
            "store, with the day's snapshot of every open case"),
    JobSpec("selection_training",
            lambda s, now, cfg: train_model_job(s, now),
            "cron", {"day_of_week": "sun", "hour": 2, "minute": 0}, DAY_GRACE,
            "train a visit-selection uplift model on the history (it decides once approved)"),
)}
