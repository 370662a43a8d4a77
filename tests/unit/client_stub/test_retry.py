"""Backoff with full jitter, bounded attempts, what is and is not retried (no network)."""

from __future__ import annotations

import random

import pytest

from client_stub import Response, RetryPolicy, TransportError


class MaxRng(random.Random):
    """uniform(a, b) -> b: shows the ceiling of each jittered delay."""

    def uniform(self, a, b):
        return b


def _policy(attempts=5, rng=None):
    slept = []
    return RetryPolicy(attempts=attempts, base=0.5, cap=4.0, sleep=slept.append,
                       rng=rng or MaxRng()), slept


def _answers(*items):
    queue = list(items)

    def send():
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return Response(item) if isinstance(item, int) else item

    return send


def test_delays_grow_exponentially_up_to_the_cap():
    policy, slept = _policy(attempts=6)
    response = policy.call(_answers(503, 502, 500, 504, 429, 200))
    assert response.status == 200
    assert slept == [0.5, 1.0, 2.0, 4.0, 4.0]


def test_full_jitter_stays_within_zero_and_the_ceiling():
    policy = RetryPolicy(base=0.5, cap=4.0, rng=random.Random(3))
    for retry in range(8):
        for _ in range(50):
            assert 0 <= policy.delay(retry) <= min(4.0, 0.5 * 2 ** retry)


def test_connection_errors_are_retried_then_raised_when_attempts_run_out():
    policy, slept = _policy(attempts=3)
    with pytest.raises(TransportError):
        policy.call(_answers(TransportError("a"), TransportError("b"), TransportError("c")))
    assert len(slept) == 2


def test_the_last_retryable_answer_is_returned_when_attempts_run_out():
    policy, slept = _policy(attempts=2)
    assert policy.call(_answers(503, 503)).status == 503
    assert len(slept) == 1


@pytest.mark.parametrize("status", [200, 201, 400, 401, 403, 409, 413, 422, 426])
def test_final_answers_are_not_retried(status):
    policy, slept = _policy()
    assert policy.call(_answers(status)).status == status
    assert slept == []


def test_retry_after_is_a_lower_bound_within_the_cap():
    policy, slept = _policy(rng=random.Random(0))
    policy.call(_answers(Response(429, headers={"Retry-After": "3"}),
                         Response(429, headers={"retry-after": "60"}), 200))
    assert slept[0] >= 3 and slept[1] == 4.0
