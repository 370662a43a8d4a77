"""A collector's day: planned against done, the collector's own only, staff within the agency."""

from __future__ import annotations

from datetime import timedelta

from server.models import Case, VisitAssignee, utcnow
from tests.integration.console.conftest import sign_in
from tests.integration.console.test_board_pages import _visit
from tests.integration.dispatch.world import world
from tests.support import factories as f


def test_the_day_shows_check_ins_outcomes_and_money_per_visit(console, session):
    w = world(session)
    done, open_ = _visit(session, w), _visit(session, w)
    for visit in (done, open_):
        session.add(VisitAssignee(visit_id=visit.id, user_id=w.collectors[0].id))
    f.check_in(session, done, w.collectors[0], utcnow() - timedelta(hours=1))
    f.outcome(session, done, w.collectors[0], utcnow() - timedelta(minutes=50))
    paid_case = session.get(Case, done.case_id)
    f.payment(session, paid_case, "300.00", utcnow(), visit_id=done.id, method="cash",
              collector=w.collectors[0])
    session.commit()
    sign_in(console, w.dispatcher.username)

    html = console.get(f"/console/collectors/day?collector={w.collectors[0].id}").get_data(
        as_text=True)

    assert f'data-visit="{done.id}"' in html and f'data-visit="{open_.id}"' in html
    assert '<span class="n" id="visited">1</span>' in html
    assert "MET_DEBTOR" in html and "300.00" in html


def test_a_collector_sees_only_their_own_day(console, session):
    w = world(session)
    theirs = _visit(session, w)
    session.add(VisitAssignee(visit_id=theirs.id, user_id=w.collectors[1].id))
    session.commit()
    sign_in(console, w.collectors[0].username)

    html = console.get(f"/console/collectors/day?collector={w.collectors[1].id}").get_data(
        as_text=True)

    assert theirs.id not in html  # the parameter is ignored: always their own day


def test_another_agencys_collector_is_not_found(console, session):
    w, other = world(session), world(session)
    session.commit()
    sign_in(console, other.dispatcher.username)

    assert console.get(f"/console/collectors/day?collector={w.collectors[0].id}").status_code == 404
