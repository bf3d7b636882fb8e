"""R17: a user's stored Cloud PBX login goes with their last line — unassigned, deleted or
moved to another user — and stays while they keep another line. Real store and services
(the gateway is disabled, so no runtime reaches for a PBX)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from cloudcti.app import CloudCti
from cloudcti.app.lines import LineSpec
from cloudcti.store import DialingParametersRecord, GatewayRecord, UserRecord
from tests.web.server import settings_for

GATEWAY = "gw-1"


async def _user(cti: CloudCti, id: str, pbx_user_id: str, *lines: str) -> None:
    async with cti.store.transaction() as tx:
        await tx.users.add(UserRecord(id, id, id.title()), password="login-passwort-1")
        await tx.users.set_pbx_credentials(id, pbx_user_id, f"pbx-{id}")
        await tx.users.set_pbx_state(id, "invalid", 2)
    for number in lines:
        spec = LineSpec(GATEWAY, f"{id}-{number[-2:]}@example.net", number, user_id=id)
        await cti.lines.create(spec)


async def _login(cti: CloudCti, user_id: str) -> tuple[str, int, bool]:
    async with cti.store.transaction() as tx:
        user = await tx.users.get(user_id)
        password = await tx.users.pbx_password(user_id)
    assert user is not None
    return user.pbx_state, user.pbx_failed_attempts, password is not None


@pytest.fixture
async def cti(tmp_path: Path) -> AsyncIterator[CloudCti]:
    opened = await CloudCti.open(settings_for(tmp_path), start_runtimes=False)
    async with opened.store.transaction() as tx:
        await tx.dialing_parameters.add(
            DialingParametersRecord(id="dp-1", name="München", country_code="49", area_code="89")
        )
        await tx.gateways.add(
            GatewayRecord(
                id=GATEWAY,
                name="PBX",
                xsi_urls=("https://xsi.example.net",),
                dialing_parameters_id="dp-1",
                monitoring_username="monitor@example.net",
                disabled=True,
            ),
            monitoring_password="monitor-password",
        )
    await _user(opened, "anna", "anna-71@example.net", "+4989887766771")
    await _user(opened, "ben", "ben-72@example.net", "+4989887766772", "+4989887766773")
    try:
        yield opened
    finally:
        await opened.close()


async def _line_of(cti: CloudCti, user_id: str) -> str:
    return (await cti.lines.list(user_id=user_id))[0].id


async def test_unassigning_the_last_line_in_the_user_edit_forgets_the_login(cti: CloudCti) -> None:
    spec = await cti.users.spec("anna")
    await cti.users.replace("anna", replace(spec, line_ids=()))
    assert await _login(cti, "anna") == ("missing", 0, False)


async def test_deleting_the_last_line_forgets_the_login(cti: CloudCti) -> None:
    await cti.lines.delete(await _line_of(cti, "anna"))
    assert await _login(cti, "anna") == ("missing", 0, False)


async def test_moving_the_last_line_to_another_user_forgets_the_login(cti: CloudCti) -> None:
    line = await _line_of(cti, "anna")
    await cti.lines.replace(line, replace(await cti.lines.spec(line), user_id="ben"))
    assert await _login(cti, "anna") == ("missing", 0, False)
    assert await _login(cti, "ben") == ("invalid", 2, True)


async def test_taking_the_line_in_another_users_edit_forgets_the_login(cti: CloudCti) -> None:
    spec = await cti.users.spec("ben")
    ben_lines = [line.id for line in await cti.lines.list(user_id="ben")]
    await cti.users.replace(
        "ben", replace(spec, line_ids=(*ben_lines, await _line_of(cti, "anna")))
    )
    assert await _login(cti, "anna") == ("missing", 0, False)


async def test_a_user_keeping_another_line_keeps_the_login(cti: CloudCti) -> None:
    first, second = [line.id for line in await cti.lines.list(user_id="ben")]
    await cti.lines.delete(first)
    assert await _login(cti, "ben") == ("invalid", 2, True)
    await cti.lines.replace(second, replace(await cti.lines.spec(second), disabled=True))
    assert await _login(cti, "ben") == ("invalid", 2, True)  # a disabled line is still theirs
