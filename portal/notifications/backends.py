"""How an email leaves the portal: logged to the console (development, the default) or
sent by SMTP. Chosen by PORTAL_MAIL_BACKEND."""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

log = logging.getLogger("portal.notifications")


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str


def mask_address(address: str) -> str:
    """``sam@example.org`` -> ``s***@example.org``: enough to tell messages apart in a log,
    not enough to identify the person from it (SEC-1)."""
    local, at, domain = address.partition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


class Backend(Protocol):
    def send(self, email: Email) -> None: ...


class ConsoleBackend:
    """Sends nothing: logs that a message would go, with the address masked. The body is
    never logged (it is discreet, but a log is not the place for anything sent to a person)."""

    def send(self, email: Email) -> None:
        # WARNING, not INFO: with no logging set up (a developer's terminal, where this
        # backend is used) only warnings are shown, and this line is the point of it.
        log.warning("email queued to %s", mask_address(email.to))


class SmtpBackend:
    def __init__(self, *, host: str, port: int, user: str, password: str, starttls: bool,
                 sender: str, timeout: float = 30.0) -> None:
        self.host, self.port, self.user, self.password = host, port, user, password
        self.starttls, self.sender, self.timeout = starttls, sender, timeout

    def send(self, email: Email) -> None:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = email.to
        message["Subject"] = email.subject
        message.set_content(email.body)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self.user:
                smtp.login(self.user, self.password)
            smtp.send_message(message)
        log.info("email sent to %s", mask_address(email.to))


def backend_from_config(config: Any) -> Backend:
    if config["PORTAL_MAIL_BACKEND"] == "smtp":
        return SmtpBackend(
            host=config["PORTAL_SMTP_HOST"], port=int(config["PORTAL_SMTP_PORT"]),
            user=config["PORTAL_SMTP_USER"], password=config["PORTAL_SMTP_PASSWORD"],
            starttls=bool(config["PORTAL_SMTP_STARTTLS"]), sender=config["PORTAL_MAIL_FROM"],
        )
    return ConsoleBackend()
