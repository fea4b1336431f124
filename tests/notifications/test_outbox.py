"""The outbox: discreet messages, only by a channel the person marked safe, only at a time
they said is safe (domain.md, "Safety of people at risk"; SEC-1)."""

from __future__ import annotations

import base64
import logging
import smtplib
import socket
import socketserver
import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from portal.accounts.models import Account
from portal.contact import services as contact
from portal.contact.models import SafeTimes
from portal.extensions import db
from portal.i18n import LANGUAGES
from portal.notifications import services
from portal.notifications.backends import ConsoleBackend, Email, SmtpBackend, mask_address
from portal.notifications.models import OutboxMessage, Status
from portal.people.models import Person
from portal.policy.services import setting
from tests.conftest import World, _make_world, make_test_app

MONDAY_10 = datetime(2027, 1, 11, 10, 0, tzinfo=UTC)
SATURDAY_10 = datetime(2027, 1, 9, 10, 0, tzinfo=UTC)
# Words that would tell someone reading over a shoulder what this is about.
REVEALING = ("consent", "abuse", "support", "charity", "safe", "share", "sharing", "domestic",
             "violence", "exploitation", "advocate", "confidential", "policy", "review")


def sam(world: World) -> Person:
    person = db.session.get(Person, world.sam_person.id)
    assert person is not None
    return person


def set_prefs(world: World, *, email: bool = False, text: bool = False, phone: bool = False,
              times: SafeTimes = SafeTimes.ANY) -> None:
    account = db.session.get(Account, world.sam.id)
    assert account is not None
    contact.set_preferences(sam(world), by=account, email_ok=email, text_ok=text, phone_ok=phone,
                            safe_times=times, may_leave_message=False, note=None)
    db.session.commit()


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_nothing_is_sent_when_the_person_never_said(app: Flask, world: World,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with app.app_context():
        made = services.enqueue(sam(world), "consent-review", "test:default")
        assert made.created and made.message.status == Status.HELD_UNSAFE
        assert made.message.to_address is None
        result = services.deliver(now=MONDAY_10, backend=ConsoleBackend())
        assert result.sent == 0
        assert [m.status for m in outbox()] == [Status.HELD_UNSAFE]
    assert "email queued" not in caplog.text


@pytest.mark.parametrize("channels", [{}, {"text": True}, {"phone": True}, {"text": True, "phone": True}],
                         ids=["none", "text", "phone", "text-and-phone"])
def test_email_not_marked_safe_is_held_never_sent(app: Flask, world: World, channels: dict[str, bool],
                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with app.app_context():
        set_prefs(world, **channels)
        made = services.enqueue(sam(world), "consent-review", "test:unsafe")
        assert made.message.status == Status.HELD_UNSAFE and made.message.to_address is None
        services.deliver(now=MONDAY_10, backend=ConsoleBackend())
        assert outbox()[0].status == Status.HELD_UNSAFE and outbox()[0].sent_at is None
    assert "email queued" not in caplog.text


def test_safe_email_is_sent_and_the_log_shows_only_a_masked_address(
        app: Flask, world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with app.app_context():
        set_prefs(world, email=True)
        made = services.enqueue(sam(world), "consent-review", "test:safe")
        assert made.message.status == Status.QUEUED and made.message.to_address == "sam@example.org"
        result = services.deliver(now=MONDAY_10, backend=ConsoleBackend())
        assert result.sent == 1
        message = outbox()[0]
        assert message.status == Status.SENT and message.sent_at == MONDAY_10 and message.attempts == 1
    assert "email queued to s***@example.org" in caplog.text
    assert "sam@example.org" not in caplog.text
    assert "Sign in to read it" not in caplog.text  # the body is never logged


def test_a_change_of_mind_before_sending_is_obeyed(app: Flask, world: World) -> None:
    with app.app_context():
        set_prefs(world, email=True)
        services.enqueue(sam(world), "consent-review", "test:changed")
        set_prefs(world, text=True)
        result = services.deliver(now=MONDAY_10, backend=ConsoleBackend())
        assert (result.sent, result.held_unsafe) == (0, 1)
        message = outbox()[0]
        assert message.status == Status.HELD_UNSAFE and message.to_address is None
        # Held means never sent, even if email becomes safe later.
        set_prefs(world, email=True)
        assert services.deliver(now=MONDAY_10, backend=ConsoleBackend()).sent == 0


def test_a_switched_off_account_is_not_sent_anything(app: Flask, world: World) -> None:
    with app.app_context():
        set_prefs(world, email=True)
        account = db.session.get(Account, world.sam.id)
        assert account is not None
        account.disabled_at = MONDAY_10
        db.session.commit()
        assert services.enqueue(sam(world), "consent-review", "test:off").message.status == Status.HELD_UNSAFE


def test_a_message_is_made_once_per_key(app: Flask, world: World) -> None:
    with app.app_context():
        set_prefs(world, email=True)
        first = services.enqueue(sam(world), "consent-review", "consent-review:1:2027-01-31")
        again = services.enqueue(sam(world), "consent-review", "consent-review:1:2027-01-31")
        assert first.created and not again.created and again.message.id == first.message.id
        assert len(outbox()) == 1


def test_safe_times_are_respected(app: Flask, world: World) -> None:
    with app.app_context():
        set_prefs(world, email=True, times=SafeTimes.WEEKDAYS)
        services.enqueue(sam(world), "consent-review", "test:times")
        result = services.deliver(now=SATURDAY_10, backend=ConsoleBackend())
        assert (result.sent, result.waiting) == (0, 1)
        assert outbox()[0].status == Status.QUEUED and outbox()[0].attempts == 0
        evening = datetime(2027, 1, 11, 19, 0, tzinfo=UTC)  # Monday, 7pm
        assert services.deliver(now=evening, backend=ConsoleBackend()).waiting == 1
        assert services.deliver(now=MONDAY_10, backend=ConsoleBackend()).sent == 1
        assert outbox()[0].status == Status.SENT


@pytest.mark.parametrize("language", [language.code for language in LANGUAGES])
def test_the_text_is_discreet_in_every_language(app: Flask, world: World, language: str) -> None:
    with app.app_context():
        set_prefs(world, email=True)
        person = sam(world)
        person.preferred_language = language
        db.session.commit()
        message = services.enqueue(person, "consent-review", f"test:{language}").message
        assert message.language == language
        words = f"{message.subject}\n{message.body}"
        organisation = setting("organisation.name")
        assert organisation
        forbidden = [person.full_name, person.known_as, *person.full_name.split(), organisation,
                     *organisation.split(), person.reference, "sam@example.org", *REVEALING]
        for word in forbidden:
            assert word.lower() not in words.lower(), (language, word)
        assert words.strip().endswith("http://127.0.0.1:5000")
        assert message.subject and "\n" not in message.subject


def test_the_base_url_comes_from_the_configuration(database_url: str) -> None:
    app = make_test_app(database_url, PORTAL_BASE_URL="https://example.net")
    with app.app_context():
        subject, body = services.discreet_text("en")
    assert subject == "You have a message"
    assert body == "You have a message. Sign in to read it.\n\nhttps://example.net\n"
    db.dispose(app)


def test_addresses_are_masked() -> None:
    assert mask_address("sam@example.org") == "s***@example.org"
    assert mask_address("x@y.z") == "x***@y.z"
    assert mask_address("not-an-address") == "***"


# --- SMTP, against a small SMTP sink on 127.0.0.1 -----------------------------------------


class SmtpSink(socketserver.ThreadingTCPServer):
    """Just enough SMTP (RFC 5321) for smtplib: EHLO with AUTH PLAIN, MAIL, RCPT, DATA, QUIT."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SmtpHandler)
        self.messages: list[dict[str, object]] = []
        self.logins: list[str] = []


class SmtpHandler(socketserver.StreamRequestHandler):
    server: SmtpSink

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 sink ready")
        sender, recipients = "", []
        while raw := self.rfile.readline():
            line = raw.decode().rstrip("\r\n")
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                self.reply("250-sink")
                self.reply("250 AUTH PLAIN")
            elif verb == "AUTH":
                self.server.logins.append(base64.b64decode(line.split()[2]).decode())
                self.reply("235 ok")
            elif verb == "MAIL":
                sender, recipients = line[10:].strip("<>"), []
                self.reply("250 ok")
            elif verb == "RCPT":
                recipients.append(line[8:].strip("<>"))
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go on")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                self.server.messages.append({"from": sender, "to": recipients, "data": data.decode()})
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    thread = threading.Thread(target=sink.serve_forever, daemon=True)
    thread.start()
    yield sink
    sink.shutdown()
    sink.server_close()


def smtp_app(database_url: str, port: int, **extra: object) -> Flask:
    settings: dict[str, object] = {
        "PORTAL_MAIL_BACKEND": "smtp", "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": port,
        "PORTAL_SMTP_STARTTLS": False, "PORTAL_MAIL_FROM": "portal@example.net",
        "PORTAL_SMTP_USER": "", "PORTAL_SMTP_PASSWORD": "",
    }
    settings.update(extra)
    return make_test_app(database_url, **settings)


def test_smtp_backend_sends_to_a_real_server(database_url: str, smtp_sink: SmtpSink,
                                             caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    app = smtp_app(database_url, smtp_sink.server_address[1],
                   PORTAL_SMTP_USER="relay", PORTAL_SMTP_PASSWORD="relay-password")
    with app.app_context():
        world = _make_world()
        set_prefs(world, email=True)
        services.enqueue(sam(world), "consent-review", "test:smtp")
        assert services.deliver(now=MONDAY_10).sent == 1
        assert outbox()[0].status == Status.SENT
    assert smtp_sink.logins == ["\0relay\0relay-password"]
    [sent] = smtp_sink.messages
    assert sent["from"] == "portal@example.net" and sent["to"] == ["sam@example.org"]
    data = str(sent["data"])
    assert "Subject: You have a message" in data and "Sign in to read it." in data
    assert "Sam" not in data and "Taylor" not in data
    assert "sam@example.org" not in caplog.text and "s***@example.org" in caplog.text
    db.dispose(app)


def test_smtp_failures_are_retried_then_given_up_without_logging_the_address(
        database_url: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    app = smtp_app(database_url, closed_port)
    with app.app_context():
        world = _make_world()
        set_prefs(world, email=True)
        services.enqueue(sam(world), "consent-review", "test:down")
        for _ in range(services.MAX_ATTEMPTS - 1):
            assert services.deliver(now=MONDAY_10).retrying == 1
            assert outbox()[0].status == Status.QUEUED
        assert services.deliver(now=MONDAY_10).failed == 1
        message = outbox()[0]
        assert message.status == Status.FAILED and message.attempts == services.MAX_ATTEMPTS
        assert message.last_error == "ConnectionRefusedError"
        assert services.deliver(now=MONDAY_10).sent == 0
    assert "sam@example.org" not in caplog.text
    db.dispose(app)


def test_starttls_is_required_when_asked_for(database_url: str, smtp_sink: SmtpSink) -> None:
    """With PORTAL_SMTP_STARTTLS=1 a server that cannot upgrade the connection is not sent
    anything in the clear."""
    backend = SmtpBackend(host="127.0.0.1", port=smtp_sink.server_address[1], user="", password="",
                          starttls=True, sender="portal@example.net", timeout=5)
    with pytest.raises(smtplib.SMTPNotSupportedError):
        backend.send(Email(to="sam@example.org", subject="You have a message", body="x"))
    assert smtp_sink.messages == []
