"""The cyclic garbage collector is paused while imports run, and resumes after the last one."""

from __future__ import annotations

import gc

import pytest

from server.imports.service import _collector_paused


def test_the_collector_resumes_after_the_last_of_overlapping_imports():
    assert gc.isenabled()
    first, second = _collector_paused(), _collector_paused()
    first.__enter__()
    second.__enter__()
    assert not gc.isenabled()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second import still runs
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_failing_import_resumes_it_and_a_paused_collector_stays_paused():
    with pytest.raises(ValueError), _collector_paused():
        raise ValueError("broken file")
    assert gc.isenabled()
    gc.disable()
    try:
        with _collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
