"""The model's inputs, in order; protected attributes are named so a test can keep them out."""

from __future__ import annotations

# Every name here is a column of the per-case feature query (server/selection/features.py) and
# of the simulator's matrix, in this order.
FEATURES: tuple[str, ...] = (
    "dpd",                  # days past due (worst account)
    "bucket_level",         # M0 = 0 … M6+ = 6
    "balance",              # outstanding, all accounts
    "balance_trend",        # relative change of the balance over the last 30 days
    "paid_90d",             # money received in the last 90 days
    "days_since_payment",   # 999 when never
    "promises_kept",
    "promises_broken",
    "reminders_delivered",  # last 90 days
    "calls_made",           # last 90 days
    "calls_answered",       # last 90 days
    "visits_prior",         # every earlier visit
    "visits_met",           # earlier visits that met the debtor
    "visits_refused",       # earlier visits refused, asked to leave or disputed
    "address_verified",     # 1 when the visit address is geocoded or field verified
    "distance_km",          # from the team's base
    "self_service_90d",     # actions through a reminder's signed link
)
INDEX = {name: i for i, name in enumerate(FEATURES)}

# Never model inputs (anti-discrimination): a test checks no feature and no query reads them.
PROTECTED: tuple[str, ...] = ("gender", "birth_date", "age", "ethnicity", "religion",
                              "national_id", "full_name", "language")

REASONS: dict[str, tuple[str, str]] = {  # feature -> (raises the visit's value, lowers it)
    "dpd": ("DPD_FAVOURS_VISIT", "DPD_AGAINST_VISIT"),
    "bucket_level": ("BUCKET_FAVOURS_VISIT", "BUCKET_AGAINST_VISIT"),
    "balance": ("BALANCE_FAVOURS_VISIT", "BALANCE_AGAINST_VISIT"),
    "balance_trend": ("BALANCE_NOT_FALLING", "BALANCE_FALLING"),
    "paid_90d": ("RECENT_PAYMENTS_FAVOUR_VISIT", "PAYS_WITHOUT_VISIT"),
    "days_since_payment": ("PAYMENT_GAP_FAVOURS_VISIT", "PAYMENT_GAP_AGAINST_VISIT"),
    "promises_kept": ("KEEPS_PROMISES", "KEEPS_PROMISES_ANYWAY"),
    "promises_broken": ("BROKEN_PROMISES", "BROKEN_PROMISES_HOPELESS"),
    "reminders_delivered": ("REMINDERS_REACH", "REMINDERS_ENOUGH"),
    "calls_made": ("CALLS_TRIED", "CALLS_TRIED_OFTEN"),
    "calls_answered": ("ANSWERS_CALLS", "UNREACHABLE"),
    "visits_prior": ("FEW_VISITS_SO_FAR", "VISITED_OFTEN"),
    "visits_met": ("MET_AT_VISITS", "NOT_MET_AT_VISITS"),
    "visits_refused": ("NO_REFUSALS", "REFUSED_VISITS"),
    "address_verified": ("ADDRESS_VERIFIED", "ADDRESS_UNVERIFIED"),
    "distance_km": ("NEAR_BASE", "FAR_FROM_BASE"),
    "self_service_90d": ("SELF_SERVICE_ACTIVE", "SELF_SERVES"),
}


def reason_code(feature: str, contribution: float) -> str:
    """The code of one feature's push on the uplift: up (favours a visit) or down."""
    up, down = REASONS[feature]
    return up if contribution > 0 else down


def bucket_level(dpd: int) -> int:
    """M0 for 0 dpd, then one bucket per 30 days, capped at 6 (M6+)."""
    return 0 if dpd <= 0 else min((dpd + 29) // 30, 6)
