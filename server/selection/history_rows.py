"""One row of a collection-history file: its columns, aliases, and the checks of each cell."""

from __future__ import annotations

import re
from datetime import datetime, time
from hashlib import sha256
from zoneinfo import ZoneInfo

from server.clock import OPERATION_ZONE
from server.imports import values as v
from server.imports.columns import FileRejected, normalise_header
from server.models import HistoryKind, OutcomeCode

LENDER_ZONE = ZoneInfo(OPERATION_ZONE)  # times without a zone are the lender's local time
REQUIRED = ("case_id", "kind", "occurred_at")
ALIASES: dict[str, tuple[str, ...]] = {
    "case_id": ("lender_case_id", "case_ref", "案件编号", "案件号"),
    "kind": ("type", "event", "类型", "事件类型"),
    "occurred_at": ("time", "at", "date", "时间", "发生时间", "日期"),
    "outcome": ("result", "结果", "处理结果"),
    "amount": ("金额", "还款金额", "承诺金额"),
    "balance": ("outstanding", "余额", "剩余应还"),
    "dpd": ("逾期天数",),
    "address_verified": ("地址已核实",),
    "distance_km": ("距离", "距离公里"),
    "event_id": ("id", "记录编号", "流水号"),
}
CANONICAL = {name: name for name in ALIASES} | {
    normalise_header(a): name for name, aliases in ALIASES.items() for a in aliases}
KINDS = {k: k for k in HistoryKind.ALL} | {
    "上门": "visit", "外访": "visit", "电话": "call", "提醒": "reminder", "短信": "reminder",
    "承诺": "promise", "还款": "payment", "快照": "snapshot", "账户状态": "snapshot",
    "自助": "self_service"}
OUTCOMES = {
    HistoryKind.VISIT: set(OutcomeCode.ALL),
    HistoryKind.CALL: {"answered", "no_answer", "busy", "refused", "wrong_number"},
    HistoryKind.REMINDER: {"delivered", "failed"},
    HistoryKind.PROMISE: {"kept", "broken", "active", "cancelled"},
}
_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2})?)(.*)$")


def header_positions(cells: list[str]) -> dict[str, int]:
    """Where each known column is; a missing required or repeated column rejects the file."""
    positions: dict[str, int] = {}
    repeated = []
    for index, cell in enumerate(cells):
        name = CANONICAL.get(normalise_header(cell))
        if name in positions:
            repeated.append(cell.strip())
        elif name is not None:
            positions[name] = index
    missing = [name for name in REQUIRED if name not in positions]
    if missing or repeated:
        errors = {"missing_columns": missing} if missing else {"repeated_columns": repeated}
        raise FileRejected(f"the file header is not usable: {errors}", errors)
    return positions


def moment(value: str) -> datetime:
    """An ISO time (a zone or Z, else the lender's local time) or a day (its noon, local)."""
    text = value.strip()
    match = _TIME.match(text)
    if match is None:
        return datetime.combine(v.day(text), time(12), LENDER_ZONE)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError("not a time like 2026-03-01 14:30 or 2026-03-01T14:30:00+08:00") \
            from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=LENDER_ZONE)


def _cell(values: dict, errors: dict, column: str, parse, required: bool = False):
    raw = values.get(column)
    if raw is None or not raw.strip():
        if required:
            errors.setdefault(column, []).append("Missing data for required field.")
        return None
    try:
        return parse(raw)
    except ValueError as exc:
        errors.setdefault(column, []).append(str(exc))
        return None


def _kind(value: str) -> str:
    kind = KINDS.get(value.strip().lower()) or KINDS.get(value.strip())
    if kind is None:
        raise ValueError(f"must be one of: {', '.join(HistoryKind.ALL)}")
    return kind


def validate(values: dict, lender_id: str) -> dict:
    """The row as a history record, or {"errors": {column: [messages]}}."""
    errors: dict[str, list[str]] = {}
    case_ref = _cell(values, errors, "case_id", lambda x: v.text(x, 64), True)
    kind = _cell(values, errors, "kind", _kind, True)
    row = {"lender_id": lender_id, "case_ref": case_ref, "kind": kind,
           "occurred_at": _cell(values, errors, "occurred_at", moment, True),
           "outcome": _cell(values, errors, "outcome", lambda x: v.text(x, 32)),
           "amount": _cell(values, errors, "amount", v.money),
           "balance": _cell(values, errors, "balance", v.money),
           "dpd": _cell(values, errors, "dpd", lambda x: v.whole(x, 0, v.MAX_DPD)),
           "address_verified": _cell(values, errors, "address_verified", v.flag),
           "distance_km": _cell(values, errors, "distance_km", _distance)}
    _check_kind(row, errors)
    if errors:
        return {"errors": errors}
    event_id = _cell(values, errors, "event_id", lambda x: v.text(x, 64))
    row["source_key"] = f"{lender_id}:{event_id}" if event_id else _digest(row)
    return row


def _distance(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a number") from None
    if not 0 <= number <= 20_000:
        raise ValueError("must be between 0 and 20000 km")
    return number


def _check_kind(row: dict, errors: dict) -> None:
    kind, outcome = row["kind"], row["outcome"]
    if kind in (HistoryKind.VISIT,) and outcome:
        row["outcome"] = outcome = outcome.upper()
    elif kind in OUTCOMES and outcome:
        row["outcome"] = outcome = outcome.lower()
    allowed = OUTCOMES.get(kind)
    if allowed and outcome not in allowed:
        errors.setdefault("outcome", []).append(
            f"a {kind} needs one of: {', '.join(sorted(allowed))}")
    if kind == HistoryKind.PAYMENT and row["amount"] is None and "amount" not in errors:
        errors.setdefault("amount", []).append("a payment needs its amount")
    if kind == HistoryKind.SNAPSHOT and row["balance"] is None and row["dpd"] is None:
        errors.setdefault("balance", []).append("a snapshot needs a balance or a dpd")


def _digest(row: dict) -> str:
    """A row without an event id is known by its content: the same row twice is one event."""
    parts = [str(row[k]) for k in ("lender_id", "case_ref", "kind", "occurred_at", "outcome",
                                   "amount", "balance", "dpd")]
    return "h:" + sha256("\x1f".join(parts).encode()).hexdigest()
