"""The gateway the configuration asks for: one provider per channel, built on first use."""

from __future__ import annotations

from collections.abc import Mapping

from server.config import ConfigError
from server.messaging.gateway import Gateway, Provider
from server.messaging.logonly import LogOnly


def _sms(config: Mapping) -> Provider:
    kind = config.get("SMS_PROVIDER", "log")
    if kind == "log":
        return LogOnly("sms")
    if kind == "aliyun":
        from server.messaging.aliyun import AliyunSms

        return AliyunSms(config["ALIYUN_ACCESS_KEY_ID"], config["ALIYUN_ACCESS_KEY_SECRET"],
                         config["ALIYUN_SMS_ENDPOINT"], config.get("ALIYUN_SMS_SIGN_NAME", ""),
                         config.get("ALIYUN_SMS_PROTOCOL", "HTTPS"))
    if kind == "twilio":
        from server.messaging.twilio_sms import TwilioSms

        return TwilioSms(config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"],
                         config["TWILIO_FROM"], config["TWILIO_BASE_URL"],
                         config.get("TWILIO_STATUS_CALLBACK", ""))
    raise ConfigError(f"SMS_PROVIDER must be log, aliyun or twilio, got {kind!r}")


def _email(config: Mapping) -> Provider:
    kind = config.get("EMAIL_PROVIDER", "log")
    if kind == "log":
        return LogOnly("email")
    if kind == "smtp":
        from server.messaging.smtp_mail import SmtpMail

        return SmtpMail(config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_FROM"],
                        config.get("SMTP_USER", ""), config.get("SMTP_PASSWORD", ""),
                        config.get("SMTP_STARTTLS", False))
    raise ConfigError(f"EMAIL_PROVIDER must be log or smtp, got {kind!r}")


def gateway_from_config(config: Mapping) -> Gateway:
    """The SMS and e-mail providers the configuration names ("log" unless told otherwise)."""
    return Gateway({"sms": _sms(config), "email": _email(config)})
