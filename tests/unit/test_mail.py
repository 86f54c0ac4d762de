"""E-mailing an installer through a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

from typing import Any

import pytest

from api_client import ApplianceClient, ApplianceError, ValidationFailed
from domain.mail import parse_recipients
from tests.support.smtp import PASSWORD, QUIET, USER, Inbox

pytestmark = QUIET


@pytest.mark.not_storage("the mail the appliance sends")
async def test_an_installer_email_arrives_with_its_link(
    api: ApplianceClient, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    installer = await api.installers.create({"jump_group_id": 1, "name": "Kiosks"})
    with pytest.raises(ApplianceError) as unset:
        await api.email_installer(installer.id, ["ops@example.org"])
    assert "E-mail is not set up" in unset.value.message
    await api.update_smtp(
        {
            "host": "127.0.0.1",
            "port": port,
            "starttls": False,
            "username": USER,
            "password": "wrong",
            "from_address": "jump@example.org",
        }
    )
    with pytest.raises(ApplianceError) as refused:
        await api.email_installer(installer.id, ["ops@example.org"])
    assert "user name or password" in refused.value.message
    assert "wrong" not in refused.value.message
    shown = await api.update_smtp({"password": PASSWORD})
    assert shown.has_password and "password" not in shown.model_dump()

    said = await api.email_installer(
        installer.id, ["ops@example.org", "lab@example.org"], note="For the lab."
    )
    assert "ops@example.org, lab@example.org" in said
    assert inbox.envelopes == [["ops@example.org", "lab@example.org"]]
    mail = inbox.messages[0]
    assert mail["Subject"] == "Jump Client installer: Kiosks"
    assert mail["From"] == "jump@example.org"
    body = mail.get_payload(decode=True).decode()  # type: ignore[union-attr]
    link = f"/api/agent/v1/installer/{installer.installer_id}/linux-64"
    assert link in body and "For the lab." in body
    assert "--jc-tag" not in body and "--silent" in body  # its tag is fixed: not suggested
    tagged = await api.installers.create({"jump_group_id": 1, "allow_override_tag": True})
    await api.email_installer(tagged.id, ["ops@example.org"])
    tagged_body = inbox.messages[1].get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "[--jc-tag TAG] [--silent]" in tagged_body

    with pytest.raises(ValidationFailed) as bad:
        await api.email_installer(installer.id, ["not-an-address"])
    assert "recipients" in bad.value.errors


async def test_the_smtp_password_never_leaves_the_appliance(api: ApplianceClient, app: Any) -> None:
    await api.update_smtp({"host": "127.0.0.1", "password": PASSWORD})
    raw = await api.request("GET", "/api/config/v1/smtp")
    assert PASSWORD not in raw.text and raw.json()["has_password"] is True
    audit = app.state.appliance.site.repo.audit_log(5)
    assert all(PASSWORD not in str(entry) for entry in audit)
    assert audit[0]["detail"]["changes"]["password"] == "changed"


def test_recipients_are_read_from_a_line() -> None:
    assert parse_recipients("a@x.org, b@y.org;c@z.org  d@w.org") == [
        "a@x.org",
        "b@y.org",
        "c@z.org",
        "d@w.org",
    ]
    for bad in ("", "a@x.org, nope", "a@@x.org"):
        with pytest.raises(ValueError):
            parse_recipients(bad)
