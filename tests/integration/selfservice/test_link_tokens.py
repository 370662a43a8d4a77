"""Link tokens: single-purpose (another salt or purpose opens nothing), expiring by the row,
revocable; every refusal is the same NotFound."""

from __future__ import annotations

from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer

from server.errors import NotFound
from server.messaging.links import open_link
from server.models import SelfServiceLink, utcnow
from tests.support.selfservice import linked_case


def test_only_a_live_link_of_this_purpose_opens(app, session):
    world = linked_case(session, app)
    secret = app.config["SECRET_KEY"]
    token = world.path.rsplit("/", 1)[1]
    now = utcnow()
    assert open_link(session, secret, token, now).id == world.link_id

    other_salt = URLSafeTimedSerializer(secret, salt="doorstep.other").dumps(
        {"l": world.link_id, "p": "self_service"})
    other_purpose = URLSafeTimedSerializer(secret, salt="doorstep.self-service-link.v1").dumps(
        {"l": world.link_id, "p": "password_reset"})
    messages = set()
    for bad in (other_salt, other_purpose, token + "x", "garbage"):
        with pytest.raises(NotFound) as refused:
            open_link(session, secret, bad, now)
        messages.add(refused.value.message)
    with pytest.raises(NotFound) as late:
        open_link(session, secret, token, now + timedelta(days=15))
    messages.add(late.value.message)
    session.get(SelfServiceLink, world.link_id).revoked_at = now
    with pytest.raises(NotFound) as revoked:
        open_link(session, secret, token, now)
    messages.add(revoked.value.message)
    assert len(messages) == 1
    session.rollback()
