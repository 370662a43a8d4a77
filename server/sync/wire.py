"""Values on the wire: how each column type is encoded for devices and decoded from them.

datetime -> epoch milliseconds (int); date -> "YYYY-MM-DD"; decimal -> string ("12.50");
JSON columns -> a JSON string (WatermelonDB columns hold strings, numbers and booleans only).
"""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

import orjson
from sqlalchemy import JSON, Boolean, Date, Float, Integer, Numeric, String, Text

from server.models.base import UTCDateTime
from server.sync.settings import JS_SAFE_MAX

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)
_MIN_MS, _MAX_MS = 0, 253402300799999  # 1970 .. 9999-12-31


class BadValue(ValueError):
    """A device sent a value a column can't hold."""


MAX_JSON_DEPTH = 16  # nesting allowed inside a JSON column (and kept of a quarantined payload)


def text_problem(value: str) -> str | None:
    """Why a string can't be stored as text (NUL bytes, lone surrogates), or None."""
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "contains a lone surrogate (not valid Unicode)"
    return None


def storable(value, depth: int = 0):
    """A JSON value both databases can store: text made valid, non-finite numbers as strings.

    Used for what is kept as sent (a quarantined payload, a stored answer): NUL and lone
    surrogates become visible escapes, NaN/Infinity strings, nesting below MAX_JSON_DEPTH a
    placeholder, so keeping a bad row can never fail the way applying it would.
    """
    if isinstance(value, str):
        if text_problem(value) is None:
            return value
        return value.encode("utf-8", "backslashreplace").decode("utf-8").replace(
            "\x00", "\\u0000")
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict | list) and depth >= MAX_JSON_DEPTH:
        return f"<nested deeper than {MAX_JSON_DEPTH} levels>"
    if isinstance(value, dict):
        return {storable(str(k)): storable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [storable(v, depth + 1) for v in value]
    return value


def to_ms(value: datetime) -> int:
    """A UTC datetime as epoch milliseconds (sub-millisecond digits dropped)."""
    return (value - _EPOCH) // _MS


def from_ms(ms: int) -> datetime:
    """Epoch milliseconds as a UTC datetime."""
    return _EPOCH + ms * _MS


def encode_value(value):
    """A database value as JSON-safe wire value."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, datetime):
        return to_ms(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return value


def _dt(value):
    return None if value is None else (value - _EPOCH) // _MS


def unchanged(value):
    return value


def encoder_for(column):
    """A fast encoder for one column's values (encode_value without the type tests)."""
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return _dt
    if isinstance(kind, Float | Integer | Boolean) or (
            isinstance(kind, String | Text) and not isinstance(kind, JSON)):
        return unchanged
    return encode_value


def mask_national_id(value: str | None) -> str | None:
    """A resident id as a phone may hold it.

    A CN id is region (6), birth date (8), sequence (3, the last one's parity is the gender)
    and a check digit. The region shows (the debtor's address gives it away anyway) and the
    check digit; birth date and sequence are starred, which with the birth year and gender a
    phone also gets leaves ~16,600 candidates (tests/security/test_masked_ids.py). An old
    15-digit id keeps its region only; any other id its first 3 and last 4 characters.
    """
    if not value:
        return value
    if len(value) == 18 and value[:17].isdigit():
        return value[:6] + "*" * 11 + value[-1]
    if len(value) == 15 and value.isdigit():
        return value[:6] + "*" * 9
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_birth_date(value: str | None) -> str | None:
    """A wire birth date ("1990-03-07") as a phone may hold it: the year ("1990")."""
    return value[:4] if value else value


def mask_contact(value: str | None) -> str | None:
    """An unrelated party's number or handle: only the last 4 characters stay."""
    if not value:
        return value
    return "*" * max(len(value) - 4, 0) + value[-4:]


def _decode_datetime(raw) -> datetime:
    if isinstance(raw, bool):
        raise BadValue("expected epoch milliseconds")
    if isinstance(raw, int) or (isinstance(raw, float) and math.isfinite(raw)):
        ms = int(raw)
        if not _MIN_MS <= ms <= _MAX_MS:
            raise BadValue("epoch milliseconds out of range")
        return from_ms(ms)
    if isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            if parsed.tzinfo is not None:
                parsed.astimezone(UTC)  # year 1 or 9999 with an offset overflows here
        except (ValueError, OverflowError) as exc:
            raise BadValue("expected epoch milliseconds or ISO 8601 with offset") from exc
        if parsed.tzinfo is None:
            raise BadValue("an ISO 8601 time needs an offset")
        parsed = parsed.astimezone(UTC)
        if parsed < _EPOCH:
            raise BadValue("before 1970")
        return parsed
    raise BadValue("expected epoch milliseconds")


def _decode_date(raw) -> date:
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw)
        except ValueError as exc:
            raise BadValue("expected YYYY-MM-DD") from exc
    raise BadValue("expected YYYY-MM-DD")


def _decode_decimal(raw, column) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise BadValue("expected a decimal number (string or number)")
    if isinstance(raw, float) and not math.isfinite(raw):
        raise BadValue("expected a finite number")
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation as exc:
        raise BadValue("expected a decimal number") from exc
    if not value.is_finite():
        raise BadValue("expected a finite number")
    scale, precision = column.type.scale or 0, column.type.precision or 38
    if value and value.adjusted() >= precision - scale:  # "1e30", "1e400", 401 digits
        raise BadValue(f"too large (at most {precision - scale} digits before the point)")
    try:
        value = value.quantize(Decimal(1).scaleb(-scale))
    except InvalidOperation as exc:
        raise BadValue("too many digits") from exc
    if len(value.as_tuple().digits) > precision:
        raise BadValue("too many digits")
    return value


def _decode_json(raw):
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise BadValue("expected JSON") from exc
    if not isinstance(raw, dict | list):
        raise BadValue("expected a JSON object or array")
    _check_json(raw, 0)
    return raw


def _check_json(value, depth: int) -> None:
    """Values inside a JSON column: storable text, finite numbers, bounded nesting."""
    if isinstance(value, dict | list):
        if depth >= MAX_JSON_DEPTH:
            raise BadValue(f"nested deeper than {MAX_JSON_DEPTH} levels")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            if isinstance(key, str) and text_problem(key):
                raise BadValue(f"a key {text_problem(key)}")
            _check_json(item, depth + 1)
    elif isinstance(value, str) and text_problem(value):
        raise BadValue(f"a string {text_problem(value)}")
    elif isinstance(value, float) and not math.isfinite(value):
        raise BadValue("NaN and Infinity are not JSON numbers")
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > JS_SAFE_MAX:
        raise BadValue("integer out of range")


def _decode_bool(raw) -> bool:
    if isinstance(raw, bool):
        return raw
    if raw in (0, 1):
        return bool(raw)
    raise BadValue("expected true or false")


def _decode_int(raw) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or (
            isinstance(raw, float) and (not math.isfinite(raw) or raw != int(raw))):
        raise BadValue("expected an integer")
    if abs(raw) > JS_SAFE_MAX:
        raise BadValue("integer out of range")
    return int(raw)


def _decode_float(raw) -> float:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise BadValue("expected a number")
    if isinstance(raw, int) and abs(raw) > JS_SAFE_MAX:  # float() would round or overflow
        raise BadValue("number out of range")
    if not math.isfinite(raw):
        raise BadValue("expected a finite number (not NaN or Infinity)")
    return float(raw)


def _string_decoder(length: int | None):
    def decode(raw) -> str:
        if not isinstance(raw, str):
            raise BadValue("expected a string")
        if length and len(raw) > length:
            raise BadValue(f"longer than {length} characters")
        problem = text_problem(raw)
        if problem:
            raise BadValue(problem)
        return raw
    return decode


def decoder_for(column):
    """The decoder of one column's device values (raises BadValue); type tests done once."""
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return _decode_datetime
    if isinstance(kind, Date):
        return _decode_date
    if isinstance(kind, Numeric) and not isinstance(kind, Float):
        return lambda raw: _decode_decimal(raw, column)
    if isinstance(kind, Boolean):
        return _decode_bool
    if isinstance(kind, Integer):
        return _decode_int
    if isinstance(kind, Float):
        return _decode_float
    if isinstance(kind, JSON):
        return _decode_json
    if isinstance(kind, String | Text):
        return _string_decoder(kind.length)
    raise TypeError(f"no wire decoder for {kind!r}")  # every model type is above


def decode_value(column, raw):
    """A device's value for `column`, as the database type; raises BadValue."""
    return decoder_for(column)(raw)


def digest(values: dict, columns, encoders=None) -> str:
    """sha256 of a fact's content: its content columns, wire-encoded, as canonical JSON.

    `encoders` (one per column, from `encoder_for`) skip encode_value's type tests.
    """
    if encoders is None:
        content = {name: encode_value(values.get(name)) for name in columns}
    else:
        content = {name: encode(values.get(name))
                   for name, encode in zip(columns, encoders, strict=True)}
    return hashlib.sha256(canonical_json(content)).hexdigest()


def canonical_json(content: dict) -> bytes:
    """`json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))` as UTF-8,
    byte for byte: the form stored digests were made in. orjson (C, ~10x faster: a push digests
    every fact) writes the same bytes for strings, booleans, None, 64-bit integers and floats
    that Python writes without an exponent; anything else goes through json."""
    values = content.values()
    kinds = set(map(type, values))
    if kinds <= _ORJSON_KINDS and (float not in kinds or all(
            v == 0 or 1e-4 <= abs(v) < 1e16 for v in values if type(v) is float)):
        # (repr switches to 1e-05 / 1e+16 where orjson writes 0.00001 / 1e16)
        try:
            return orjson.dumps(content, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:  # an integer beyond 64 bits
            pass
    return json.dumps(content, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode()


_ORJSON_KINDS = frozenset({str, int, bool, float, type(None)})


def payload_digest(payload) -> str:
    """sha256 of a raw payload (for keeping one quarantine record per identical row)."""
    blob = json.dumps(storable(payload), sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()
