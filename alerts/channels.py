"""Sending one alert: email over SMTP (stdlib smtplib) and JSON webhooks (requests).

Both raise DeliveryError; `permanent` means retrying cannot help (an address or
URL the server refuses), anything else is retried with backoff.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Dict, Optional, Sequence

import requests

from alerts.settings import SmtpSettings
from clinicbot.alerts import AlertMessage, Contact

RETRYABLE_HTTP = {408, 425, 429}


class DeliveryError(Exception):
    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


def message_id(key: str, sender: str) -> str:
    """Stable per delivery: every attempt of one alert carries the same Message-ID."""
    domain = sender.rsplit("@", 1)[-1].strip(">") or "clinicbot.invalid"
    return f"<alert-{key}@{domain}>"


def build_email(
    smtp: SmtpSettings, contacts: Sequence[Contact], message: AlertMessage, key: str
) -> EmailMessage:
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = smtp.sender
    email["To"] = ", ".join(formataddr((c.name, c.email)) for c in contacts)
    email["Date"] = formatdate(localtime=True)
    email["Message-ID"] = message_id(key, smtp.sender)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    email["X-Clinicbot-Alert"] = key
    email.set_content(message.text)
    return email


def send_email(
    smtp: SmtpSettings, contacts: Sequence[Contact], message: AlertMessage, key: str, timeout: float
) -> Optional[str]:
    """Sends one email to every contact; returns a note if the server refused some of them."""
    email = build_email(smtp, contacts, message, key)
    try:
        if smtp.ssl:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                smtp.host, smtp.port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=timeout)
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryError(f"cannot connect to SMTP {smtp.host}:{smtp.port}: {error}") from None
    try:
        if smtp.starttls:
            client.starttls(context=ssl.create_default_context())
        if smtp.user:
            client.login(smtp.user, smtp.password)
        refused: Dict[str, tuple] = client.send_message(email)
    except smtplib.SMTPRecipientsRefused as error:
        raise DeliveryError(
            f"the SMTP server refused every recipient: {error.recipients}", permanent=True
        ) from None
    except smtplib.SMTPAuthenticationError as error:
        raise DeliveryError(
            f"SMTP login refused ({error.smtp_code}): check SMTP_USER/SMTP_PASSWORD", permanent=True
        ) from None
    except smtplib.SMTPResponseException as error:
        # 5xx: the server will refuse this message again; 4xx: try later.
        raise DeliveryError(
            f"SMTP {error.smtp_code}: {error.smtp_error!r}", permanent=error.smtp_code >= 500
        ) from None
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryError(f"SMTP {smtp.host}:{smtp.port}: {type(error).__name__}: {error}") from None
    finally:
        _close(client)
    if refused:
        return f"refused by the SMTP server: {', '.join(sorted(refused))}"
    return None


def _close(client: smtplib.SMTP) -> None:
    """QUIT after the server accepted the message; its failure must not make a resend."""
    try:
        client.quit()
    except (OSError, smtplib.SMTPException):
        client.close()


def webhook_payload(message: AlertMessage, key: str, kind: str) -> dict:
    text = f"*{message.subject}*\n{message.text}"
    if kind == "text":
        return {"text": text}
    return {"text": text, "alert": message.fields, "idempotency_key": key}


def post_webhook(url: str, payload: dict, key: str, timeout: float) -> None:
    try:
        response = requests.post(
            url,
            json=payload,
            timeout=timeout,
            headers={"Idempotency-Key": key, "User-Agent": "clinicbot-alerts"},
        )
    except requests.RequestException as error:
        # The message names the URL, which for Slack and Teams is a secret.
        raise DeliveryError(f"cannot reach the webhook: {type(error).__name__}") from None
    if 200 <= response.status_code < 300:
        return
    permanent = 400 <= response.status_code < 500 and response.status_code not in RETRYABLE_HTTP
    raise DeliveryError(
        f"webhook answered HTTP {response.status_code}: {response.text[:200]!r}", permanent=permanent
    )
