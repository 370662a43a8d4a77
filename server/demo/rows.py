"""Helpers the demo builders share: deterministic ids, fact digests, local time, money."""

from __future__ import annotations

import hashlib
import random
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from server.audit.chain import canonical
from server.demo.geography import TIME_ZONE

SHANGHAI = ZoneInfo(TIME_ZONE)
# Columns a device does not hash: the digest itself and what the server adds on receipt.
_UNHASHED = frozenset({"digest", "received_at", "clock_offset_ms"})


class Ids:
    """uuid4-shaped hex ids drawn from a seeded generator, so a seed gives the same rows."""

    def __init__(self, seed: int):
        self._rng = random.Random(f"doorstep-demo-ids:{seed}")

    def __call__(self) -> str:
        return uuid.UUID(int=self._rng.getrandbits(128), version=4).hex


def fact(row: dict, received_after: timedelta = timedelta(minutes=3)) -> dict:
    """Complete a device fact: received shortly after it was recorded, digest over its content."""
    row.setdefault("device_id", None)
    row.setdefault("clock_offset_ms", 0)
    row["received_at"] = row["recorded_at"] + received_after
    content = {k: v for k, v in row.items() if k not in _UNHASHED}
    row["digest"] = hashlib.sha256(canonical(content).encode()).hexdigest()
    return row


def local(day: date, minutes: int) -> datetime:
    """Shanghai wall-clock time (minutes after midnight) on a day, as an aware UTC datetime."""
    return datetime.combine(day, time(minutes // 60, minutes % 60), SHANGHAI).astimezone(UTC)


def local_today(now: datetime) -> date:
    """The calendar date in Shanghai at an instant."""
    return now.astimezone(SHANGHAI).date()


def cny(value: float | Decimal) -> Decimal:
    """An amount in yuan, rounded to the fen."""
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def round_to(value: float | Decimal, step: int) -> Decimal:
    """An amount rounded down to a whole multiple of `step` yuan, at least one step."""
    steps = max(int(Decimal(str(value)) // step), 1)
    return cny(steps * step)


class Dataset:
    """Rows per model in insertion order, the seeded generators and the demo's 'today'."""

    def __init__(self, seed: int, today: date):
        self.rng = random.Random(f"doorstep-demo:{seed}")
        self.new_id = Ids(seed)
        self.today = today
        self.rows: dict[type, list[dict]] = {}

    def add(self, model: type, **row) -> dict:
        """Append a row for `model` (an id is drawn unless given) and return it."""
        row.setdefault("id", self.new_id())
        self.rows.setdefault(model, []).append(row)
        return row

    def count(self, model: type) -> int:
        """How many rows of `model` were built."""
        return len(self.rows.get(model, ()))
