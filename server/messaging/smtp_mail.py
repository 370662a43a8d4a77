"""E-mail over SMTP (`smtplib`): one connection per send, STARTTLS and login when configured.

SMTP has no idempotency key; the Message-ID is derived from the message id, so a receiving
system (and a person reading) can tell a duplicate, but the delivery job still never resends
an interrupted e-mail on its own.
"""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from server.messaging.gateway import Outgoing, PermanentError, SendResult, TransientError


class SmtpMail:
    """Sends e-mail through one SMTP relay."""

    name, channel, idempotent = "smtp", "email", False

    def __init__(self, host: str, port: int, sender: str, user: str = "", password: str = "",
                 starttls: bool = False, timeout: float = 10):
        self.host, self.port, self.sender = host, port, sender
        self.user, self.password, self.starttls, self.timeout = user, password, starttls, timeout

    def send(self, message: Outgoing) -> SendResult:
        """Hand the e-mail to the relay; 5xx answers are permanent, the rest transient."""
        mail = EmailMessage()
        domain = self.sender.rpartition("@")[2] or "doorstep.invalid"
        ref = f"<{message.message_id}@{domain}>"
        mail["From"], mail["To"], mail["Message-ID"] = self.sender, message.recipient, ref
        mail["Subject"] = message.subject or ""
        mail.set_content(message.body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise _by_code(min(codes, default=550), str(exc)) from exc
        except smtplib.SMTPResponseException as exc:
            raise _by_code(exc.smtp_code, str(exc.smtp_error)) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientError(f"SMTP relay unreachable: {exc}"[:300]) from exc
        return SendResult(ref)


def _by_code(code: int, text: str) -> Exception:
    error = PermanentError if 500 <= code < 600 else TransientError
    return error(f"SMTP {code}: {text}"[:300])
