"""Reading the bytes: UTF-8 with or without BOM, GBK, and clear refusals for everything else."""

from __future__ import annotations

import hashlib
import io
import os

import pytest

from server.imports.columns import FileRejected
from server.imports.source import detect, scan

TEXT = "case_id,name\nC1,张三\n"


def _detect(data: bytes, filename: str | None = "cases.csv", file_format: str | None = None):
    stream = io.BytesIO(data)
    return detect(stream, scan(stream), filename, file_format)


@pytest.mark.parametrize(("data", "encoding"), [
    (TEXT.encode("utf-8"), "utf-8"),
    (TEXT.encode("utf-8-sig"), "utf-8-sig"),
    (TEXT.encode("gbk"), "gb18030"),
    ("姓名,地址\n张三,上海市黄浦区\n".encode("gb18030"), "gb18030"),
])
def test_the_encoding_is_the_first_that_decodes_the_whole_file(data, encoding):
    assert _detect(data).encoding == encoding


@pytest.mark.parametrize(("data", "reason"), [
    (TEXT.encode("utf-16"), "UTF-16"),
    (TEXT.encode("utf-16-le"), "NUL bytes"),
    (b"PK\x03\x04rest-of-a-zip", "Excel workbook"),
    (b"", "empty"),
    (bytes(range(128, 256)) * 4, "neither UTF-8 nor GBK"),
])
def test_unreadable_files_are_rejected_with_the_reason(data, reason):
    with pytest.raises(FileRejected, match=reason):
        _detect(data)


def test_random_bytes_are_rejected():
    with pytest.raises(FileRejected):
        _detect(os.urandom(4096))


def test_scan_hashes_and_counts_lines_even_without_a_final_newline():
    found = scan(io.BytesIO(b"a\nb\nc"))
    assert (found.lines, found.size) == (3, 5)
    assert found.sha256 == hashlib.sha256(b"a\nb\nc").hexdigest()


@pytest.mark.parametrize(("data", "filename", "requested", "expected"), [
    (b"[]", None, None, "json"), (b' {"rows": []}', None, None, "json"),
    (b"case_id\n", None, None, "csv"), (b"[]", "x.csv", None, "csv"),
    (b"case_id\n", "x.JSON", None, "json"), (b"case_id\n", "x.json", "csv", "csv"),
])
def test_the_format_comes_from_the_request_the_name_or_the_content(data, filename, requested,
                                                                    expected):
    assert _detect(data, filename, requested).file_format == expected
