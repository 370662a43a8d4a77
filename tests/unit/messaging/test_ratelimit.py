"""The per-provider token bucket: a burst, then one send per 1/rate seconds."""

from __future__ import annotations

from server.messaging.outcomes import backoff
from server.messaging.ratelimit import RateLimiter


class FakeTime:
    def __init__(self):
        self.now, self.slept = 0.0, []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.now += seconds


def test_after_the_burst_each_send_waits_its_share_of_a_second():
    t = FakeTime()
    limiter = RateLimiter(10, burst=2, clock=t.clock, sleep=t.sleep)
    waits = [limiter.acquire() for _ in range(5)]
    assert waits[:2] == [0.0, 0.0]
    assert [round(w, 6) for w in waits[2:]] == [0.1, 0.1, 0.1]
    assert round(t.now, 6) == 0.3  # five sends at 10/s with a burst of two


def test_an_idle_bucket_refills_but_never_beyond_its_burst():
    t = FakeTime()
    limiter = RateLimiter(5, burst=3, clock=t.clock, sleep=t.sleep)
    for _ in range(3):
        limiter.acquire()
    t.now += 60
    assert [limiter.acquire() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.acquire() > 0


def test_a_zero_rate_means_unlimited():
    assert RateLimiter(0).acquire() == 0.0


def test_back_off_doubles_from_the_base_and_stops_at_six_hours():
    assert [backoff(k, 60).total_seconds() for k in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert backoff(30, 60).total_seconds() == 6 * 3600
