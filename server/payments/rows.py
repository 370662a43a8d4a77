"""One lender posting as sent (JSON field or CSV cell), checked and normalised, with its digest.

The same content gives the same digest whether it came through the API or in a file, so a
file that repeats what the API already delivered is a replay, not a conflict.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from server.models import PostingKind, ReversalReason

CHANNELS = ("transfer", "app", "deduction", "cash", "other")
TXN_ID = re.compile(r"^[A-Za-z0-9_\-.:/]{1,64}$")
MAX_AMOUNT = Decimal("999999999999.99")
FIELDS = ("txn_id", "kind", "account_id", "amount", "currency", "paid_at", "channel",
          "receipt_no", "reverses_txn_id", "reason")
# File headers the lender's exports use, besides the canonical names.
ALIASES = {"交易流水号": "txn_id", "流水号": "txn_id", "transaction_id": "txn_id",
           "类型": "kind", "交易类型": "kind", "账户编号": "account_id", "借据号": "account_id",
           "account": "account_id", "金额": "amount", "交易金额": "amount", "币种": "currency",
           "交易时间": "paid_at", "入账时间": "paid_at", "还款时间": "paid_at",
           "渠道": "channel", "还款渠道": "channel", "收据号": "receipt_no",
           "原交易流水号": "reverses_txn_id", "冲正原因": "reason", "reversal_reason": "reason"}
KINDS = {"payment": PostingKind.PAYMENT, "还款": PostingKind.PAYMENT,
         "reversal": PostingKind.REVERSAL, "冲正": PostingKind.REVERSAL}


@dataclass(slots=True)
class PostingRow:
    """A checked posting; `errors` names each bad field (empty: the row is good)."""

    line: int
    body: dict
    errors: dict[str, list[str]] = field(default_factory=dict)
    txn_id: str = ""
    kind: str = PostingKind.PAYMENT
    account_ref: str | None = None
    amount: Decimal | None = None
    currency: str = "CNY"
    paid_at: datetime | None = None
    channel: str = "transfer"
    receipt_no: str | None = None
    reverses_txn_id: str | None = None
    reason: str | None = None
    digest: str = ""


def canonical_header(name: str) -> str | None:
    """The field a file header means, or None."""
    cleaned = str(name).replace("\ufeff", "").strip()
    key = cleaned.lower().replace(" ", "_")
    return key if key in FIELDS else ALIASES.get(cleaned)


def _text(value) -> str | None:
    if value is None:
        return None
    text = (value if isinstance(value, str) else str(value)).strip()
    return text or None


def _when(text: str, zone: ZoneInfo) -> datetime:
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), time(0), tzinfo=zone).astimezone(UTC)
    moment = datetime.fromisoformat(text.replace(" ", "T", 1))
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(UTC)


_CENT = Decimal("0.01")
_CURRENCY = re.compile(r"[A-Z]{3}")


def check(line: int, body: dict, zone: ZoneInfo) -> PostingRow:
    """Check every field of one posting; a local time without offset is the operation's.

    Written for speed (a file may hold millions of rows): one pass, no per-field helpers
    beyond `_text`.
    """
    row = PostingRow(line, body)
    errors = row.errors
    get = body.get
    row.txn_id = _text(get("txn_id")) or ""
    if not TXN_ID.match(row.txn_id):
        errors["txn_id"] = ["required: 1-64 letters, digits or _-.:/"]
    kind_text = _text(get("kind"))
    kind = KINDS.get(kind_text.lower()) if kind_text else PostingKind.PAYMENT
    if kind is None:
        errors["kind"] = ["one of payment, reversal"]
    row.kind = kind or PostingKind.PAYMENT
    row.account_ref = ref = _text(get("account_id"))
    if ref is None and row.kind == PostingKind.PAYMENT:
        errors["account_id"] = ["required: the lender's account id"]
    elif ref is not None and len(ref) > 64:
        errors["account_id"] = ["at most 64 characters"]
    try:
        amount = Decimal(_text(get("amount")) or "")
        if not (0 < amount <= MAX_AMOUNT) or amount.as_tuple().exponent < -2:
            raise InvalidOperation
        row.amount = amount.quantize(_CENT)
    except (InvalidOperation, ValueError):
        errors["amount"] = ["a positive amount with at most 2 decimals, e.g. 500.00"]
    currency = _text(get("currency"))
    row.currency = currency.upper() if currency else "CNY"
    if currency and not _CURRENCY.fullmatch(row.currency):
        errors["currency"] = ["a 3-letter ISO 4217 code, e.g. CNY"]
    try:
        row.paid_at = _when(_text(get("paid_at")) or "", zone)
    except (ValueError, OverflowError):
        errors["paid_at"] = ["required: ISO 8601 date-time (offset or operation local time)"]
    channel = _text(get("channel"))
    row.channel = channel.lower() if channel else "transfer"
    if row.channel not in CHANNELS:
        errors["channel"] = [f"one of {', '.join(CHANNELS)}"]
    row.receipt_no = _text(get("receipt_no"))
    if row.receipt_no is not None and len(row.receipt_no) > 64:
        errors["receipt_no"] = ["at most 64 characters"]
    row.reverses_txn_id, row.reason = _text(get("reverses_txn_id")), _text(get("reason"))
    if row.kind == PostingKind.REVERSAL or row.reverses_txn_id or row.reason:
        _check_reversal(row)
    if not errors:
        row.digest = digest(row)
    return row


def _check_reversal(row: PostingRow) -> None:
    if row.kind == PostingKind.REVERSAL:
        if row.reverses_txn_id is None or not TXN_ID.match(row.reverses_txn_id):
            row.errors.setdefault("reverses_txn_id", []).append(
                "required for a reversal: the transaction id of the payment it reverses")
        row.reason = (row.reason or "").lower()
        if row.reason not in ReversalReason.ALL:
            row.errors.setdefault("reason", []).append(
                f"required for a reversal: one of {', '.join(ReversalReason.ALL)}")
    elif row.reverses_txn_id is not None or row.reason is not None:
        row.errors.setdefault("kind", []).append(
            "reverses_txn_id and reason are for kind=reversal only")


def digest(row: PostingRow) -> str:
    """The content hash that tells a replay from a conflicting reuse of a transaction id."""
    parts = (row.kind, row.account_ref or "", str(row.amount), row.currency,
             row.paid_at.isoformat(), row.channel, row.receipt_no or "",
             row.reverses_txn_id or "", row.reason or "")
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
