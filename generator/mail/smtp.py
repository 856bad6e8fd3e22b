"""The SMTP connection: open it as configured, hand it one message, and say what the server
answered: accepted, refused for good, not now, or no answer at all.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from generator.config import EmailSettings, Settings
from generator.errors import ConfigError, SendError
from generator.mail.ledger import LEDGER_KEY_ENV, Clock, utc_now

SmtpFactory = Callable[[], smtplib.SMTP]

# What became of one message handed to the server.
ACCEPTED = "accepted"  # the server took it (250 to DATA)
REFUSED = "refused"  # a 5xx reply to RCPT: this address, for good
DEFERRED = "deferred"  # any other reply but 250: not taken, not now (4xx; 5xx to MAIL or DATA)
NO_ANSWER = "no answer"  # the connection broke: the server may or may not have taken it


@dataclass(frozen=True)
class Answer:
    """The server's answer to one message: one of the outcomes above, and its reply text."""

    outcome: str
    detail: str = ""


def smtp_credentials(
    settings: Settings, environ: Mapping[str, str] | None = None
) -> tuple[str, str] | None:
    """Return (user, password) from the environment; over TLS both are required."""
    env = os.environ if environ is None else environ
    email = settings.email
    user, password = env.get(email.smtp_user_env, ""), env.get(email.smtp_password_env, "")
    required = email.smtp_security != "none" or bool(user or password)
    hint = "export it (in CI: a repository secret); never write it in a file"
    for name, value in ((email.smtp_user_env, user), (email.smtp_password_env, password)):
        if required and not value:
            raise ConfigError(f"the environment variable {name} is not set", hint)
    return (user, password) if required else None


def _connect(email: EmailSettings, context: ssl.SSLContext, timeout: float) -> smtplib.SMTP:
    """Open the connection, encrypted as configured; STARTTLS never falls back to plain."""
    if email.smtp_security == "ssl":
        return smtplib.SMTP_SSL(email.smtp_host, email.smtp_port, timeout=timeout, context=context)
    smtp = smtplib.SMTP(email.smtp_host, email.smtp_port, timeout=timeout)
    if email.smtp_security == "starttls":
        try:
            smtp.starttls(context=context)
        except BaseException:
            smtp.close()
            raise
    return smtp


def open_smtp(
    settings: Settings,
    credentials: tuple[str, str] | None,
    ssl_context: ssl.SSLContext | None = None,
    timeout: float = 30.0,
) -> smtplib.SMTP:
    """Connect (SSL, STARTTLS or plain, as configured) and log in."""
    email = settings.email
    where = f"{email.smtp_host}:{email.smtp_port}"
    smtp = None
    try:
        smtp = _connect(email, ssl_context or ssl.create_default_context(), timeout)
        if credentials is not None:
            smtp.login(*credentials)
    except (OSError, smtplib.SMTPException) as exc:
        if smtp is not None:
            smtp.close()
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            raise SendError(f"{where} refused the login: {exc.smtp_code}", "check them") from None
        raise SendError(f"cannot send through {where}: {exc}", "check email.smtp_*") from None
    return smtp


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply


def deliver(smtp: smtplib.SMTP, sender: str, recipient: str, data: bytes) -> Answer:
    """Hand one message to the server for one recipient; say what the server answered."""
    try:
        smtp.sendmail(sender, [recipient], data)
    except smtplib.SMTPRecipientsRefused as exc:
        code, reason = exc.recipients.get(recipient, (0, b""))
        return Answer(REFUSED if 500 <= code < 600 else DEFERRED, f"{code} {_text(reason)}")
    except smtplib.SMTPResponseException as exc:
        return Answer(DEFERRED, f"{exc.smtp_code} {_text(exc.smtp_error)}")
    except (OSError, smtplib.SMTPException) as exc:
        return Answer(NO_ANSWER, f"{type(exc).__name__}: {exc}".rstrip(": "))
    return Answer(ACCEPTED)


@dataclass(frozen=True)
class Outlet:
    """What sending needs from outside: the SMTP connection, the ledger's key, the clock."""

    connect: SmtpFactory
    ledger_key: str = ""
    clock: Clock = utc_now


def smtp_outlet(
    settings: Settings,
    environ: Mapping[str, str] | None = None,
    ssl_context: ssl.SSLContext | None = None,
    clock: Clock = utc_now,
) -> Outlet:
    """Return the real outlet: the configured server, the login and ledger key from `environ`.

    The login is read when a connection is opened, so a dry run needs no secrets.
    """
    env = os.environ if environ is None else environ

    def connect() -> smtplib.SMTP:
        return open_smtp(settings, smtp_credentials(settings, env), ssl_context)

    return Outlet(connect, env.get(LEDGER_KEY_ENV, ""), clock)
