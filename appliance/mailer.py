"""Sending installer e-mails through the site's SMTP server (``smtplib``, in a thread).

Errors become :class:`MailError` with one sentence for the administrator; the password is
never part of a message, a log line or an exception.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from domain.mail import SmtpSettings


class MailError(Exception):
    pass


def send(
    smtp: SmtpSettings,
    password: str,
    recipients: list[str],
    subject: str,
    body: str,
    *,
    timeout: float = 15.0,
) -> None:
    """Send one message to ``recipients`` (blocking: call it in a thread)."""
    if not smtp.host or not smtp.from_address:
        raise MailError(
            "E-mail is not set up: give the SMTP server and the from-address in the settings."
        )
    message = EmailMessage()
    message["From"] = smtp.from_address
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=timeout) as server:
            server.ehlo()
            if smtp.starttls:
                server.starttls(context=ssl.create_default_context())
                server.ehlo()
            if smtp.username:
                server.login(smtp.username, password)
            refused = server.send_message(message)
    except smtplib.SMTPAuthenticationError:
        raise MailError(
            "The mail server refused the SMTP user name or password; check them in the settings."
        ) from None
    except smtplib.SMTPNotSupportedError:
        raise MailError(
            "The mail server does not offer STARTTLS; turn STARTTLS off only if it is on a "
            "trusted network."
        ) from None
    except smtplib.SMTPRecipientsRefused:
        raise MailError("The mail server refused every recipient.") from None
    except (smtplib.SMTPException, ssl.SSLError) as err:
        raise MailError(f"The mail server refused the message ({type(err).__name__}).") from None
    except OSError as err:
        raise MailError(
            f"The mail server {smtp.host}:{smtp.port} could not be reached "
            f"({err.strerror or type(err).__name__})."
        ) from None
    if refused:
        raise MailError(f"The mail server refused {', '.join(sorted(refused))}.")


def installer_message(
    name: str, link: str, expires: str, note: str, appliance: str, install_line: str
) -> tuple[str, str]:
    """Subject and body of an installer e-mail."""
    subject = f"Jump Client installer: {name}"
    lines = [
        "Hello,",
        "",
        f"Here is the Jump Client installer '{name}' for {appliance}.",
        "",
        f"Download it: {link}",
        f"The link works until {expires} (UTC); anyone with it can install, so keep it to",
        "those who deploy.",
        "",
        "Install it on Linux (Python 3.11 or newer):",
        f"    {install_line}",
    ]
    if note:
        lines += ["", note]
    return subject, "\n".join(lines) + "\n"
