"""Parsers for one cell each (money, dates, flags, phones, ids); a ValueError says what is wrong."""

from __future__ import annotations

import math
import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MAX_MONEY = Decimal("999999999999.99")  # Numeric(14, 2)
MAX_DPD = 36_500
_CENT = Decimal("0.01")
_LIST_SEPARATORS = re.compile(r"[;；,，/、]")
_EMAIL_SEPARATORS = re.compile(r"[;；]")
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T].*)?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_PHONE_JUNK = re.compile(r"[\s\-()（）\u3000]")
_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_CN_LANDLINE = re.compile(r"^0\d{9,11}$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_BUCKET = re.compile(r"^M\d{1,2}\+?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_JURISDICTION = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")
_CN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CN_ID_CHECK = "10X98765432"

TRUE = frozenset({"1", "y", "yes", "true", "t", "是", "有", "√", "✓"})
FALSE = frozenset({"0", "n", "no", "false", "f", "否", "无", "×"})
GENDERS = {"男": "male", "m": "male", "male": "male", "女": "female", "f": "female",
           "female": "female"}
CURRENCY_ALIASES = {"人民币": "CNY", "RMB": "CNY", "元": "CNY"}
RELATIONSHIPS = {
    "guarantor": "guarantor", "担保人": "guarantor", "保证人": "guarantor",
    "spouse": "spouse", "配偶": "spouse", "夫妻": "spouse", "丈夫": "spouse", "妻子": "spouse",
    "family": "family", "亲属": "family", "家人": "family", "父母": "family", "父亲": "family",
    "母亲": "family", "子女": "family", "儿子": "family", "女儿": "family", "兄弟": "family",
    "姐妹": "family", "兄弟姐妹": "family",
    "reference": "reference", "朋友": "reference", "同事": "reference", "同学": "reference",
    "紧急联系人": "reference", "联系人": "reference", "其他": "reference",
    "employer": "employer", "单位": "employer", "雇主": "employer", "公司": "employer",
}


def text(value: object, max_len: int) -> str | None:
    """Trimmed text with inner whitespace collapsed; None when blank."""
    if value is None:
        return None
    cleaned = " ".join(str(value).split())  # str.split() splits on exactly what \s matches
    if not cleaned:
        return None
    if len(cleaned) > max_len:
        raise ValueError(f"longer than {max_len} characters")
    return cleaned


def money(value: object) -> Decimal:
    """An amount >= 0 rounded to cents; accepts 1,234.5, ¥1234 and 1234元."""
    if isinstance(value, bool):
        raise ValueError("not a number")
    raw = str(value).strip().replace(",", "").replace("，", "")
    raw = raw.lstrip("¥￥").removesuffix("元").strip()
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not a number")
    if amount < 0:
        raise ValueError("must not be negative")
    amount = amount.quantize(_CENT, rounding=ROUND_HALF_UP)
    if amount > MAX_MONEY:
        raise ValueError(f"larger than {MAX_MONEY}")
    return amount


def day(value: object) -> date:
    """A date as YYYY-MM-DD, YYYY/M/D, YYYY.MM.DD, YYYYMMDD or YYYY年M月D日 (a time is ignored)."""
    raw = str(value).strip()
    match = _DATE.match(raw) or _COMPACT_DATE.match(raw)
    if not match:
        raise ValueError(f"{raw!r} is not a date (use YYYY-MM-DD)")
    try:
        parsed = date(*(int(part) for part in match.groups()))
    except ValueError:
        raise ValueError(f"{raw!r} is not a real date") from None
    if not 1900 <= parsed.year <= 2100:
        raise ValueError(f"{raw!r} is out of range (years 1900-2100)")
    return parsed


def flag(value: object) -> bool:
    """Yes/no: 1/0, y/n, true/false, 是/否."""
    if isinstance(value, bool):
        return value
    raw = str(value).strip().lower()
    if raw in TRUE:
        return True
    if raw in FALSE:
        return False
    raise ValueError(f"{value!r} is not yes/no (use 1/0, true/false, 是/否)")


def whole(value: object, low: int, high: int) -> int:
    """A whole number within [low, high]; 12.0 counts as 12."""
    if isinstance(value, bool):
        raise ValueError("not a whole number")
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ValueError(f"{value!r} is not a whole number") from None
    if not math.isfinite(number) or number != int(number):
        raise ValueError(f"{value!r} is not a whole number")
    if not low <= number <= high:
        raise ValueError(f"must be between {low} and {high}")
    return int(number)


def gender(value: object) -> str | None:
    """male/female from 男/女, M/F, male/female; 未知/unknown give None."""
    raw = str(value).strip().lower()
    if raw in {"未知", "unknown", "u"}:
        return None
    if raw not in GENDERS:
        raise ValueError(f"{value!r} is not a gender (use 男/女 or M/F)")
    return GENDERS[raw]


def phone(value: object) -> str:
    """A phone number normalised to digits: CN mobiles/landlines without +86, others E.164."""
    raw = str(value)
    if len(raw) == 11 and raw.isdecimal() and raw[0] == "1" and raw[1] in "3456789":
        return raw  # already a plain CN mobile number, the common case
    if "e+" in raw.lower():
        raise ValueError(f"{raw!r} was turned into a number by Excel; format the column as text")
    digits = _PHONE_JUNK.sub("", raw).replace("＋", "+")
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix):]
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if _CN_MOBILE.match(digits) or _CN_LANDLINE.match(digits) or _E164.match(digits):
        return digits
    raise ValueError(f"{raw.strip()!r} is not a phone number")


def phones(value: object) -> list[str]:
    """Several phone numbers separated by ; (or ；, ,, /); a list in JSON."""
    items = value if isinstance(value, list) else _LIST_SEPARATORS.split(str(value))
    return list(dict.fromkeys(phone(item) for item in items if str(item).strip()))


def email(value: object) -> str:
    """An e-mail address, lower-cased."""
    raw = str(value).strip().lower()
    if len(raw) > 200 or not _EMAIL.match(raw):
        raise ValueError(f"{value!r} is not an e-mail address")
    return raw


def emails(value: object) -> list[str]:
    """Several e-mail addresses separated by ;."""
    items = value if isinstance(value, list) else _EMAIL_SEPARATORS.split(str(value))
    return list(dict.fromkeys(email(item) for item in items if str(item).strip()))


def national_id(value: object, jurisdiction: str) -> str:
    """A national id; for CN an 18-character resident id with a valid check digit (or 15 digits)."""
    raw = str(value).strip().upper()
    if jurisdiction != "CN":
        if len(raw) > 32:
            raise ValueError("longer than 32 characters")
        return raw
    if re.fullmatch(r"\d{15}", raw):
        return raw
    if not re.fullmatch(r"\d{17}[\dX]", raw):
        raise ValueError("not a resident id (18 characters: 17 digits and a digit or X)")
    total = sum(int(d) * w for d, w in zip(raw[:17], _CN_ID_WEIGHTS, strict=True))
    if _CN_ID_CHECK[total % 11] != raw[17]:
        raise ValueError("the check digit of the resident id does not match")
    return raw


def facts_from_cn_id(resident_id: str) -> tuple[date | None, str | None]:
    """Birth date and gender an 18-character CN resident id encodes."""
    if len(resident_id) != 18:
        return None, None
    try:
        born = date(int(resident_id[6:10]), int(resident_id[10:12]), int(resident_id[12:14]))
    except ValueError:
        born = None
    return born, "male" if int(resident_id[16]) % 2 else "female"


def relationship(value: object) -> str:
    """A relationship kind from English or common Chinese words (配偶, 父母, 同事 …)."""
    raw = str(value).strip().lower()
    if raw not in RELATIONSHIPS:
        raise ValueError(f"{value!r} is not a known relationship (guarantor, spouse, family, "
                         "reference, employer or 担保人/配偶/父母/朋友…)")
    return RELATIONSHIPS[raw]


def currency(value: object) -> str:
    """An ISO 4217 code; 人民币/RMB mean CNY."""
    raw = str(value).strip().upper()
    raw = CURRENCY_ALIASES.get(raw, raw)
    if not _CURRENCY.match(raw):
        raise ValueError(f"{value!r} is not a currency code (e.g. CNY)")
    return raw


def jurisdiction(value: object) -> str:
    """A jurisdiction code: CN, US, US-MA …"""
    raw = str(value).strip().upper()
    if not _JURISDICTION.match(raw):
        raise ValueError(f"{value!r} is not a jurisdiction code (e.g. CN, US-MA)")
    return raw


def bucket(value: object) -> str:
    """A delinquency bucket as the lender names it: M0 … M6+."""
    raw = str(value).strip().upper()
    if not _BUCKET.match(raw):
        raise ValueError(f"{value!r} is not a bucket (M0, M1 … M6+)")
    return raw


def bucket_for(dpd: int) -> str:
    """M0 when current, M1 = 1-30 days past due, M2 = 31-60 … M5 = 121-150, then M6+."""
    if dpd <= 0:
        return "M0"
    return f"M{math.ceil(dpd / 30)}" if dpd <= 150 else "M6+"
