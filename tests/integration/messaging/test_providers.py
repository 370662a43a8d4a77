"""Each provider against a local fake speaking its documented protocol (no internet)."""

from __future__ import annotations

import pytest

from server.config import ConfigError
from server.messaging.aliyun import AliyunSms
from server.messaging.factory import gateway_from_config
from server.messaging.gateway import Outgoing, PermanentError, TransientError
from server.messaging.smtp_mail import SmtpMail
from server.messaging.twilio_sms import TwilioSms
from tests.support.fake_servers import FakeAliyunSms, FakeSmtp, FakeTwilio


@pytest.fixture
def twilio():
    fake = FakeTwilio().start()
    yield fake
    fake.close()


@pytest.fixture
def aliyun():
    fake = FakeAliyunSms().start()
    yield fake
    fake.close()


@pytest.fixture
def smtp():
    fake = FakeSmtp().start()
    yield fake
    fake.close()


def _sms(message_id="m1", **kw) -> Outgoing:
    return Outgoing(message_id, "sms", kw.pop("recipient", "+8613800000000"),
                    kw.pop("body", "您好，请留意您的账户。"), **kw)


def _twilio(fake, token=None) -> TwilioSms:
    return TwilioSms(fake.account_sid, token or fake.auth_token, "+15005550006", fake.url,
                     "https://doorstep.example/api/v1/messaging/receipts/twilio")


def test_twilio_sends_with_basic_auth_and_the_message_id_as_idempotency_token(twilio):
    result = _twilio(twilio).send(_sms("msg-1"))
    [sent] = twilio.sent
    assert result.provider_ref == sent["sid"] and sent["key"] == "msg-1"
    assert sent["to"] == "+8613800000000" and sent["from"] == "+15005550006"
    assert sent["status_callback"].endswith("/messaging/receipts/twilio")


def test_twilio_drops_a_resend_of_the_same_message(twilio):
    provider = _twilio(twilio)
    first, again = provider.send(_sms("msg-1")), provider.send(_sms("msg-1"))
    assert first == again and len(twilio.sent) == 1 and twilio.requests == 2


def test_twilio_throttling_is_transient_and_a_bad_number_permanent(twilio):
    twilio.failures += [(429, 20429), (400, 21211)]
    provider = _twilio(twilio)
    with pytest.raises(TransientError):
        provider.send(_sms("a"))
    with pytest.raises(PermanentError, match="21211"):
        provider.send(_sms("b"))
    assert twilio.sent == []


def test_twilio_with_a_wrong_token_is_refused(twilio):
    with pytest.raises(PermanentError, match="401"):
        _twilio(twilio, token="wrong").send(_sms())


def _aliyun(fake, secret=None) -> AliyunSms:
    return AliyunSms(fake.access_key_id, secret or fake.access_key_secret,
                     f"127.0.0.1:{fake.port}", "催收中心", protocol="HTTP")


def test_aliyun_sends_the_registered_template_signed_with_acs3(aliyun):
    message = _sms("msg-7", template_id="SMS_123", params={"name": "张先生"})
    result = _aliyun(aliyun).send(message)
    [sent] = aliyun.sent
    assert sent == {"phone": "+8613800000000", "sign": "催收中心", "template": "SMS_123",
                    "out_id": "msg-7", "params": {"name": "张先生"},
                    "biz_id": result.provider_ref}


def test_aliyun_refuses_a_request_signed_with_another_secret(aliyun):
    with pytest.raises(PermanentError, match="IncompleteSignature"):
        _aliyun(aliyun, secret="not-it").send(_sms(template_id="SMS_1"))
    assert aliyun.sent == []


def test_aliyun_flow_control_is_transient_and_an_illegal_number_permanent(aliyun):
    aliyun.codes += ["isv.BUSINESS_LIMIT_CONTROL", "isv.MOBILE_NUMBER_ILLEGAL"]
    provider = _aliyun(aliyun)
    with pytest.raises(TransientError):
        provider.send(_sms(template_id="SMS_1"))
    with pytest.raises(PermanentError, match="MOBILE_NUMBER_ILLEGAL"):
        provider.send(_sms(template_id="SMS_1"))


def test_aliyun_without_a_registered_template_is_permanent(aliyun):
    with pytest.raises(PermanentError, match="template"):
        _aliyun(aliyun).send(_sms())


def test_aliyun_unreachable_is_transient():
    with pytest.raises(TransientError):
        AliyunSms("ak", "sk", "127.0.0.1:9", protocol="HTTP", timeout_ms=500).send(
            _sms(template_id="SMS_1"))


def test_smtp_delivers_the_mail_with_a_message_id_from_the_message(smtp):
    mail = Outgoing("msg-9", "email", "debtor@example.com", "请查看您的账户。", subject="提醒")
    result = SmtpMail("127.0.0.1", smtp.port, "noreply@doorstep.example").send(mail)
    [received] = smtp.messages
    assert received["Message-ID"] == result.provider_ref == "<msg-9@doorstep.example>"
    assert received["Subject"] == "提醒" and "请查看您的账户" in received.get_content()


def test_smtp_refused_recipient_is_permanent(smtp):
    smtp.refuse.add("gone@example.com")
    mail = Outgoing("m", "email", "gone@example.com", "x", subject="s")
    with pytest.raises(PermanentError, match="550"):
        SmtpMail("127.0.0.1", smtp.port, "noreply@doorstep.example").send(mail)


def test_the_configuration_chooses_the_providers_and_log_only_is_the_default():
    assert gateway_from_config({}).describe() == "email: log, sms: log"
    chosen = gateway_from_config({"SMS_PROVIDER": "twilio", "TWILIO_ACCOUNT_SID": "AC1",
                                  "TWILIO_AUTH_TOKEN": "t", "TWILIO_FROM": "+1",
                                  "TWILIO_BASE_URL": "http://127.0.0.1:9",
                                  "EMAIL_PROVIDER": "smtp", "SMTP_HOST": "h", "SMTP_PORT": 25,
                                  "SMTP_FROM": "a@b"})
    assert chosen.describe() == "email: smtp, sms: twilio"
    with pytest.raises(ConfigError, match="SMS_PROVIDER"):
        gateway_from_config({"SMS_PROVIDER": "carrier-pigeon"})
