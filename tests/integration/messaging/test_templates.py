"""Templates are data: versioned per language, reviewed on save against the jurisdiction's
forbidden wording and for debt details where a third party may read the message."""

from __future__ import annotations

import pytest

from server.errors import InvalidInput
from server.messaging.templates import fill, save_template
from tests.support import factories as f
from tests.support.api import bearer, login


def _officer(client, session):
    officer = f.user(session, "compliance")
    session.commit()
    return bearer(login(client, officer.username))


def test_saving_again_makes_a_new_version_and_keeps_the_old(client, session):
    token = _officer(client, session)
    for body in ("{name}您好，提醒您{date}有一项约定。", "{name}您好，{date}请留意。"):
        answer = client.post("/api/v1/message-templates", headers=token, json={
            "code": "ptp_reminder", "body": body, "jurisdiction": "CN",
            "provider_template_id": "SMS_1", "sign_name": "催收中心"})
        assert answer.status_code == 201, answer.get_json()
    listed = client.get("/api/v1/message-templates?code=ptp_reminder", headers=token)
    assert [(t["version"], t["body"][-4:]) for t in listed.get_json()] == [
        (2, "请留意。"), (1, "项约定。")]


def test_forbidden_wording_of_the_jurisdiction_is_refused_and_the_list_is_data(client,
                                                                              session):
    token = _officer(client, session)
    threat = client.post("/api/v1/message-templates", headers=token, json={
        "code": "visit_notice", "body": "再不处理将通知公安", "jurisdiction": "CN"})
    assert threat.status_code == 422 and "公安" in str(threat.get_json()["errors"])
    client.put("/api/v1/message-wording/CN", headers=token, json={"phrases": ["最后通牒"]})
    allowed = client.post("/api/v1/message-templates", headers=token, json={
        "code": "visit_notice", "body": "我们将于{date}拜访您", "jurisdiction": "CN"})
    banned = client.post("/api/v1/message-templates", headers=token, json={
        "code": "visit_notice", "body": "最后通牒：{date}", "jurisdiction": "CN"})
    assert allowed.status_code == 201 and banned.status_code == 422
    wording = client.get("/api/v1/message-wording/CN", headers=token).get_json()
    assert wording["phrases"] == ["最后通牒"]
    assert client.get("/api/v1/message-wording/nowhere", headers=token).status_code == 404


def test_no_debt_details_in_a_message_a_third_party_may_read(session):
    with pytest.raises(InvalidInput) as refused:
        save_template(session, None, {"code": "ptp_reminder", "body": "请于{date}还款{amount}元"})
    assert "amount" in str(refused.value.errors)
    with pytest.raises(InvalidInput):
        save_template(session, None, {"code": "ptp_reminder", "body": "您的逾期账户请尽快处理"})
    private = save_template(session, None, {"code": "statement", "channel": "email",
                                            "body": "应还{amount}{currency}",
                                            "may_reach_third_party": False})
    assert private.version == 1


def test_only_plain_known_fields_and_values_cannot_reshape_the_message(session):
    for body in ("{name.__class__}", "{name!r}", "{name:>99}", "{secret}", "{unclosed"):
        with pytest.raises(InvalidInput):
            save_template(session, None, {"code": "x", "body": body})
    filled = fill("您好{name}，{date}", {"name": "张三\r\n{date}" + "长" * 100, "date": "明天"})
    assert filled.startswith("您好张三  {date}长") and len(filled) < 80
    with pytest.raises(KeyError):
        fill("{name}", {})


def test_collectors_and_dispatchers_may_not_write_templates(client, session):
    dispatcher = f.user(session, "dispatcher")
    session.commit()
    answer = client.post("/api/v1/message-templates", json={"code": "x", "body": "y"},
                         headers=bearer(login(client, dispatcher.username)))
    assert answer.status_code == 403
