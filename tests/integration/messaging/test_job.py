"""The delivery job is scheduled like every other job and, under `make run`, only logs."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from server.jobs.messaging import KEY, banner
from server.jobs.registry import JOBS
from server.models import OutboxMessage, utcnow
from tests.support.messaging import daytime_zone, debtor_case, queue


def test_run_once_sends_due_messages_through_the_log_only_provider(app, runner, session,
                                                                   caplog):
    case = debtor_case(session, tz=daytime_zone())
    message = queue(session, case, utcnow() - timedelta(minutes=1))
    session.commit()
    app.extensions.pop(KEY, None)
    with caplog.at_level(logging.INFO, logger="doorstep.messaging"):
        result = runner.invoke(args=["jobs", "run-once", "deliver_messages"])
    assert result.exit_code == 0, result.output
    assert "{'sent': 1}" in result.output
    assert "log only" in caplog.text and "*******0000" in caplog.text  # number masked
    session.expire_all()
    row = session.scalar(select(OutboxMessage).where(OutboxMessage.id == message.id))
    assert (row.status, row.provider) == ("sent", "log")


def test_the_job_runs_every_minute_and_the_banner_says_when_nothing_leaves():
    assert JOBS["deliver_messages"].trigger_args == {"minutes": 1}
    assert "log only" in banner({})
    assert "log only" not in banner({"SMS_PROVIDER": "twilio", "EMAIL_PROVIDER": "smtp",
                                     "TWILIO_ACCOUNT_SID": "AC", "TWILIO_AUTH_TOKEN": "t",
                                     "TWILIO_FROM": "+1", "TWILIO_BASE_URL": "http://x",
                                     "SMTP_HOST": "h", "SMTP_PORT": 25, "SMTP_FROM": "a@b"})
