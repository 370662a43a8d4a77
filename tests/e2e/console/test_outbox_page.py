"""The outbox page in headless Chromium: a dispatcher filters, cancels one message and sends
a failed one again; axe-core 0 serious/critical findings, no CSP refusal, user text inert."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.models import OutboxMessage, utcnow
from tests.e2e.console.conftest import sign_in
from tests.support import factories as f
from tests.support.factories import PASSWORD
from tests.support.messaging import debtor_case, queue

pytestmark = pytest.mark.slow


def test_a_dispatcher_cancels_and_retries_messages_in_the_browser(app, session, screen):
    team = f.team(session, f.agency(session))
    collector, dispatcher = f.user(session, "collector", team), f.user(session, "dispatcher", team)
    case = debtor_case(session, collectors=(collector,))
    pending = queue(session, case, utcnow() + timedelta(hours=1))
    failed = queue(session, case, utcnow() - timedelta(hours=1))
    failed.status, failed.last_error = "failed", "<script>alert('x')</script>"
    ids, name = (pending.id, failed.id), dispatcher.username
    session.commit()

    page = sign_in(screen, name, PASSWORD)
    page = screen.go("/console/outbox")
    assert page.inner_text("h1") == "发件箱（按发送时间排序）"
    assert screen.axe() == []
    screen.shot("outbox-zh")

    page.fill(f"#why-{ids[0]}", "已还清")
    page.click(f'tr[data-message="{ids[0]}"] button.cancel')
    page.wait_for_load_state()
    assert page.inner_text(f'tr[data-message="{ids[0]}"] .m-status') == "cancelled"
    page.click(f'tr[data-message="{ids[1]}"] button.retry')
    page.wait_for_load_state()
    assert page.inner_text(f'tr[data-message="{ids[1]}"] .m-status') == "pending"

    page.select_option("#f-status", "cancelled")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#outbox tbody tr").count() == 1
    assert screen.axe() == [] and screen.refused == []
    assert session.scalars(select(OutboxMessage.status).where(
        OutboxMessage.id.in_(ids)).order_by(OutboxMessage.due_at)).all() == ["pending",
                                                                             "cancelled"]
    session.rollback()
