"""A deadlock or serialisation failure between two effects drains is a retry, not a fault."""

from sqlalchemy.exc import IntegrityError, OperationalError

from server.facts.deferred import _transient


class _Orig(Exception):
    def __init__(self, sqlstate):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def test_deadlocks_and_serialisation_failures_are_transient_other_errors_are_not():
    assert _transient(OperationalError("UPDATE addresses", {}, _Orig("40P01")))
    assert _transient(OperationalError("UPDATE addresses", {}, _Orig("40001")))
    assert not _transient(OperationalError("SELECT 1", {}, _Orig("08006")))  # connection lost
    assert not _transient(IntegrityError("INSERT", {}, _Orig("23505")))
    assert not _transient(ValueError("a bug"))


def test_a_deadlock_raised_by_psycopg_itself_is_transient_too():
    """Bulk inserts run on the driver's cursor (COPY, then INSERT ... SELECT): its errors
    arrive unwrapped (bench.load with 200 collectors logged such deadlocks as errors)."""
    import psycopg.errors

    assert _transient(psycopg.errors.DeadlockDetected("deadlock detected"))
    assert _transient(psycopg.errors.SerializationFailure("could not serialize"))
    assert not _transient(psycopg.errors.UniqueViolation("duplicate key"))
