"""The providers' callback payloads read into receipts and replies (no database).

Twilio posts a form per event (status callback: MessageSid, MessageStatus, ErrorCode;
incoming message: MessageSid, From, Body). Alibaba Cloud pushes JSON arrays: SmsReport
(out_id, biz_id, success, err_code, report_time) and SmsUp (phone_number, content,
send_time, sequence_id), times in Beijing time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from server.config import ALIYUN_REPORT_ZONE
from server.errors import InvalidInput
from server.messaging.receipts import TWILIO_FINAL, Receipt

BEIJING = ZoneInfo(ALIYUN_REPORT_ZONE)


@dataclass(frozen=True)
class Reply:
    """One inbound message: the provider's id for it, who sent it, what it says."""

    ref: str
    sender: str
    body: str


def _required(source: Mapping, *names: str) -> list:
    missing = [n for n in names if not source.get(n) and source.get(n) is not False]
    if missing:
        raise InvalidInput("the callback lacks fields", {n: ["required"] for n in missing})
    return [source[n] for n in names]


def twilio_receipts(form: Mapping, now: datetime) -> list[Receipt]:
    """A status callback; non-final statuses (queued, sent) give no receipt."""
    sid, status = _required(form, "MessageSid", "MessageStatus")
    if status not in TWILIO_FINAL:
        return []
    error = f"Twilio error {form['ErrorCode']}" if form.get("ErrorCode") else status
    return [Receipt(sid, TWILIO_FINAL[status], now, error)]


def twilio_reply(form: Mapping) -> Reply:
    """An incoming message webhook."""
    sid, sender = _required(form, "MessageSid", "From")
    return Reply(sid, sender, form.get("Body", ""))


def _items(payload) -> list[Mapping]:
    if not isinstance(payload, list) or not all(isinstance(i, Mapping) for i in payload):
        raise InvalidInput("expected a JSON array of objects", {"body": ["not an array"]})
    return payload


def _beijing(text: str | None, now: datetime) -> datetime:
    try:
        return datetime.strptime(text or "", "%Y-%m-%d %H:%M:%S").replace(tzinfo=BEIJING)
    except ValueError:
        return now


def aliyun_receipts(payload, now: datetime) -> list[Receipt]:
    """An SmsReport push: each report names our message by out_id (else the BizId)."""
    out = []
    for item in _items(payload):
        ref = item.get("out_id") or item.get("biz_id")
        if not ref or "success" not in item:
            raise InvalidInput("a report lacks out_id/biz_id or success",
                               {"body": ["out_id and success are required"]})
        error = None if item["success"] else f"{item.get('err_code')}: {item.get('err_msg')}"
        out.append(Receipt(str(ref), bool(item["success"]),
                           _beijing(item.get("report_time"), now), error))
    return out


def aliyun_replies(payload) -> list[Reply]:
    """An SmsUp push (the provider's sequence id identifies each reply)."""
    out = []
    for item in _items(payload):
        sequence, sender = _required(item, "sequence_id", "phone_number")
        out.append(Reply(str(sequence), str(sender), str(item.get("content", ""))))
    return out
