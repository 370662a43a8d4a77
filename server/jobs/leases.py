"""Leader election by a lease row: whoever holds an unexpired `scheduler_leases` row runs jobs.

Taking or renewing is one conditional UPDATE (holder is me, or the lease has expired) and, for
a lease never taken, one INSERT … ON CONFLICT DO NOTHING: the database decides, so two processes
on two machines can't both win, on SQLite and PostgreSQL alike. A holder that stops renewing
(crash, pause, lost network) loses the lease after `ttl`, and another process takes it over.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from server.db.sql import insert_ignore
from server.models import SchedulerLease, utcnow
from server.unit_of_work import use_case


class Lease:
    """One named lease, seen from one would-be holder."""

    def __init__(self, session_factory: Callable[[], Session], holder: str,
                 name: str = "scheduler", ttl: timedelta = timedelta(seconds=30),
                 clock: Callable[[], datetime] = utcnow):
        self.session_factory, self.holder, self.name = session_factory, holder, name
        self.ttl, self.clock = ttl, clock

    def acquire(self) -> bool:
        """Take the lease if it is free or expired, renew it if held; True when held now."""
        now = self.clock()
        with use_case(self.session_factory) as session:
            taken = session.execute(
                update(SchedulerLease)
                .where(SchedulerLease.name == self.name,
                       or_(SchedulerLease.holder == self.holder,
                           SchedulerLease.expires_at <= now))
                .values(holder=self.holder, expires_at=now + self.ttl)
                .execution_options(synchronize_session=False)
            ).rowcount
            if not taken:
                taken = insert_ignore(session, SchedulerLease.__table__, [
                    {"name": self.name, "holder": self.holder, "acquired_at": now,
                     "expires_at": now + self.ttl}], conflict=("name",))
        return bool(taken)

    def holds(self) -> bool:
        """True while this holder's lease is unexpired (checked before every job run)."""
        now = self.clock()
        with self.session_factory() as session:
            return session.scalar(select(SchedulerLease.name).where(and_(
                SchedulerLease.name == self.name, SchedulerLease.holder == self.holder,
                SchedulerLease.expires_at > now))) is not None

    def release(self) -> None:
        """Give the lease up at once (graceful shutdown), so another process need not wait."""
        with use_case(self.session_factory) as session:
            session.execute(update(SchedulerLease)
                            .where(SchedulerLease.name == self.name,
                                   SchedulerLease.holder == self.holder)
                            .values(expires_at=self.clock())
                            .execution_options(synchronize_session=False))
