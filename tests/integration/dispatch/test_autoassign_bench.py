"""The auto-assign benchmark, small: loading every candidate's rule inputs together gives the
answer that loading them one visit at a time gives, in a number of statements that does not
grow with the candidates (PostgreSQL only, as `python -m bench.autoassign`)."""

from __future__ import annotations

from bench.autoassign import markdown, measure


def test_rule_inputs_in_bulk_give_the_same_answer_in_a_few_statements(pg_database_url):
    small = measure(pg_database_url, visits=40, collectors=6, runs=1)
    large = measure(pg_database_url, visits=120, collectors=6, runs=1)
    for m in (small, large):
        assert m.service.answer == m.baseline.answer
        assert len(m.service.answer["assigned"]) == 6 * 8 // 2  # every pair's capacity used
    assert large.service.statements == small.service.statements
    assert large.baseline.statements - small.baseline.statements == 6 * 80
    assert "identical answers" in markdown(large)
