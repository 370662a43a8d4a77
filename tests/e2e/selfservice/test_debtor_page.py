"""The debtor's self-service page in a real headless browser (Debian's Chromium, Playwright) on
a 360-px-wide phone screen: open the link, prove who you are with the code the SMS provider
got, see what you owe, promise, ask to stop visits, switch to English. Every screen: no CSP
refusal, no horizontal scrolling, axe-core 0 serious/critical findings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from server.clock import local_today
from server.models import CaseEvent, PaymentPromise, Visit, utcnow
from tests.e2e.console.conftest import Screen
from tests.support.selfservice import ID_LAST4, linked_case, recorder, wait_for_code

pytestmark = pytest.mark.slow
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield Screen(page, live_server)
    context.close()


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _checked(screen: Screen, name: str) -> None:
    assert screen.axe() == [], name
    assert _fits(screen.page), f"{name} scrolls sideways at 360 px"
    screen.shot(f"self-service-{name}")


def test_a_debtor_proves_who_they_are_promises_and_stops_visits_on_a_phone(app, session,
                                                                           phone):
    world = linked_case(session, app)
    rec = recorder(app)
    page = phone.go(world.path)
    assert page.inner_text("h1") == "验证您的身份"
    assert world.path not in page.url  # the token leaves the address bar
    _checked(phone, "verify")

    page.click("#send-code")
    page.wait_for_selector("#sent")
    page.fill("#code", "000000")
    page.fill("#id_digits", ID_LAST4)
    page.click("#confirm")
    assert page.is_visible("#wrong")
    page.fill("#code", wait_for_code(rec))
    page.fill("#id_digits", ID_LAST4)
    page.click("#confirm")
    page.wait_for_selector("#accounts")
    assert page.inner_text("h1") == "您的欠款" and "8000.00" in page.inner_text("#accounts")
    _checked(phone, "home")

    page.click("text=承诺还款")
    _checked(phone, "promise")
    due = local_today(utcnow(), "Asia/Shanghai") + timedelta(days=3)
    page.fill("#amount", "800")
    page.fill("#due_on", due.isoformat())
    page.click("#submit")
    page.wait_for_selector("[role=status]")
    assert due.isoformat() in page.inner_text("[role=status]")

    page.click("text=返回")
    page.click("text=要求停止上门或某种联系方式")
    page.fill("#note", "<img src=x onerror=alert(1)>")
    _checked(phone, "stop")
    page.click("#submit")
    page.wait_for_selector("[role=status]")

    page.click("text=返回")
    page.select_option("#lang", "en")
    page.click("header button[type=submit]")
    page.wait_for_selector("#accounts")
    assert page.inner_text("h1") == "What you owe"
    assert page.get_attribute("html", "lang") == "en"
    _checked(phone, "home-en")
    assert phone.refused == []

    session.expire_all()
    assert session.scalar(select(PaymentPromise.due_on).where(
        PaymentPromise.case_id == world.case_id)) == due
    assert session.get(Visit, world.visit_id).status == "cancelled"
    assert session.scalar(select(CaseEvent.channel).where(
        CaseEvent.case_id == world.case_id)) == "self_service"
    session.rollback()
