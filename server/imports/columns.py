"""The columns of a case file: canonical names, Chinese and English aliases, required ones."""

from __future__ import annotations

import re
from dataclasses import dataclass

from server.errors import InvalidInput


class FileRejected(InvalidInput):
    """The file as a whole cannot be imported: encoding, header or syntax."""

MAX_CONTACTS = 5
REQUIRED = ("case_id", "account_id", "debtor_id", "name", "principal", "outstanding")

# canonical column -> the headers that mean it (besides itself), as lenders' exports spell them
ALIASES: dict[str, tuple[str, ...]] = {
    "case_id": ("lender_case_id", "case_external_id", "案件编号", "案件号", "案件id"),
    "account_id": ("lender_account_id", "account_external_id", "账户编号", "借据号", "合同号",
                   "贷款编号", "账号"),
    "debtor_id": ("debtor_external_id", "customer_id", "客户编号", "客户号", "客户id"),
    "name": ("debtor_name", "full_name", "客户姓名", "姓名", "借款人姓名"),
    "national_id": ("id_number", "身份证号", "身份证号码", "证件号码", "证件号"),
    "gender": ("性别",),
    "birth_date": ("出生日期", "生日"),
    "product": ("产品", "产品名称", "产品类型"),
    "currency": ("币种",),
    "principal": ("本金", "贷款本金", "借款金额", "合同金额"),
    "outstanding": ("outstanding_amount", "剩余应还", "欠款金额", "待还金额", "未还金额",
                    "剩余本息"),
    "overdue_amount": ("逾期金额", "逾期总额"),
    "due_since": ("逾期日期", "首次逾期日", "首次逾期日期", "最早逾期日期"),
    "dpd": ("逾期天数",),
    "bucket": ("账龄", "逾期阶段"),
    "home_address": ("地址", "家庭地址", "住址", "居住地址", "现居住地址"),
    "work_address": ("单位地址", "工作地址", "公司地址"),
    "registered_address": ("户籍地址", "户口地址"),
    "mailing_address": ("通讯地址", "邮寄地址"),
    "phones": ("phone", "mobile", "手机号", "手机号码", "手机", "电话", "联系电话"),
    "email": ("邮箱", "电子邮箱"),
    "jurisdiction": ("管辖地",),
    "vulnerable": ("弱势客户", "特殊群体"),
    "agency_code": ("placement_agency", "委外机构", "委外机构代码", "催收机构代码"),
}
CONTACT_FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("编号",),
    "name": ("姓名",),
    "relationship": ("关系",),
    "phone": ("电话", "手机", "手机号"),
    "debt_related": ("是否共债", "共债"),
}
for _n in range(1, MAX_CONTACTS + 1):
    for _field, _words in CONTACT_FIELDS.items():
        ALIASES[f"contact{_n}_{_field}"] = tuple(f"联系人{_n}{word}" for word in _words)

CANONICAL = {name: name for name in ALIASES} | {
    alias: name for name, aliases in ALIASES.items() for alias in aliases
}
_UNIT_SUFFIX = re.compile(r"[（(][^)）]*[)）]$")


def normalise_header(header: str) -> str:
    """Compare headers without case, spaces, a stray BOM or a unit suffix like 本金(元)."""
    cleaned = str(header).replace("\ufeff", "").strip().lower()
    cleaned = _UNIT_SUFFIX.sub("", cleaned).strip()
    return re.sub(r"[\s\-]+", "_", cleaned)


def canonical(header: str) -> str | None:
    """The canonical column a header means, or None when it is not one of ours."""
    return CANONICAL.get(normalise_header(header))


@dataclass(frozen=True)
class Header:
    """Where each known column is in a CSV header, and which headers were not recognised."""

    positions: dict[str, int]
    ignored: tuple[str, ...]


def read_header(cells: list[str]) -> Header:
    """Map a CSV header; a missing required column or a repeated one rejects the whole file."""
    positions: dict[str, int] = {}
    ignored, repeated = [], []
    for index, cell in enumerate(cells):
        name = canonical(cell)
        if name is None:
            if str(cell).strip():
                ignored.append(str(cell).strip())
        elif name in positions:
            repeated.append(f"{cell.strip()} ({name})")
        else:
            positions[name] = index
    missing = [name for name in REQUIRED if name not in positions]
    errors = {}
    if missing:
        errors["missing_columns"] = missing
    if repeated:
        errors["repeated_columns"] = repeated
    if errors:
        problem = (f"missing required columns: {', '.join(missing)}" if missing
                   else f"columns given twice: {', '.join(repeated)}")
        raise FileRejected(f"the file header is not usable: {problem}", errors)
    return Header(positions, tuple(ignored))
