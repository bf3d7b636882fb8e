"""Configuration repositories on SQLite and PostgreSQL: round trips, conflicts, R17."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import text

from cloudcti.store import ConflictError, KeyRing, NotFoundError, Store, TeamRecord
from tests.store.store_fixtures import (
    ANNA,
    ANNA_PASSWORD,
    ANNA_PBX_PASSWORD,
    BEN,
    FAST_HASHING,
    GATEWAY,
    LINE_ANNA,
    LINE_ANNA_2,
    LOCATION,
    MONITORING_PASSWORD,
    PARAMS,
    PROXY_PASSWORD,
    seed_company,
)


async def test_round_trip_of_every_configuration_record(store: Store) -> None:
    async with store.transaction() as tx:
        await seed_company(tx)
    async with store.transaction() as tx:
        assert await tx.dialing_parameters.get("dp-1") == PARAMS
        assert await tx.gateways.get("gw-1") == GATEWAY
        assert await tx.locations.get("loc-1") == LOCATION
        assert await tx.lines.get("l-anna") == LINE_ANNA
        assert await tx.lines.all(user_id="u-anna") == [LINE_ANNA, LINE_ANNA_2]
        assert await tx.lines.all(gateway_id="gw-other") == []
        anna = await tx.users.get("u-anna")
        assert anna == dataclasses.replace(
            ANNA, pbx_username="anna.schmidt@deutschland-lan.de", pbx_state="valid"
        )
        assert [u.username for u in await tx.users.all()] == ["anna", "ben"]
        assert await tx.users.by_username("ben") == BEN
        assert (await tx.gateways.monitoring_password("gw-1")).reveal() == MONITORING_PASSWORD  # type: ignore[union-attr]
        assert (await tx.gateways.proxy_password("gw-1")).reveal() == PROXY_PASSWORD  # type: ignore[union-attr]
        assert (await tx.users.pbx_password("u-anna")).reveal() == ANNA_PBX_PASSWORD  # type: ignore[union-attr]
        assert await tx.users.pbx_password("u-ben") is None
        location = await tx.locations.get("loc-1")
        assert location is not None
        assert location.parameters["Telephony.OverrideVoiceMailNumber"] is False


async def test_updates_replace_rows_and_parameters(store: Store) -> None:
    async with store.transaction() as tx:
        await seed_company(tx)
        moved = dataclasses.replace(
            LINE_ANNA, parameters={"BSVoiceMailNumber": "*55"}, disabled=True
        )
        await tx.lines.update(moved)
        await tx.gateways.update(dataclasses.replace(GATEWAY, xsi_urls=("http://127.0.0.1:8090",)))
        await tx.dialing_parameters.update(dataclasses.replace(PARAMS, internal_number_length=3))
        await tx.locations.update(dataclasses.replace(LOCATION, parameters={"a": "b"}))
        await tx.users.update(dataclasses.replace(BEN, language="de", mobile_number="+4917012345"))
    async with store.transaction() as tx:
        assert await tx.lines.get("l-anna") == moved
        assert (await tx.gateways.get("gw-1")).xsi_urls == ("http://127.0.0.1:8090",)  # type: ignore[union-attr]
        assert (await tx.dialing_parameters.get("dp-1")).internal_number_length == 3  # type: ignore[union-attr]
        assert dict((await tx.locations.get("loc-1")).parameters) == {"a": "b"}  # type: ignore[union-attr]
        assert (await tx.users.get("u-ben")).mobile_number == "+4917012345"  # type: ignore[union-attr]
        with pytest.raises(NotFoundError):
            await tx.users.update(dataclasses.replace(BEN, id="u-nobody"))
        with pytest.raises(NotFoundError):
            await tx.lines.update(dataclasses.replace(LINE_ANNA, id="l-nobody"))


async def test_conflicts_are_reported_and_leave_the_transaction_usable(store: Store) -> None:
    async with store.transaction() as tx:
        await seed_company(tx)
        with pytest.raises(ConflictError):
            await tx.gateways.add(dataclasses.replace(GATEWAY, id="gw-2"), monitoring_password="x")
        with pytest.raises(ConflictError):  # same PBX user on the same gateway
            await tx.lines.add(dataclasses.replace(LINE_ANNA, id="l-dup"))
        with pytest.raises(ConflictError):  # unknown gateway
            await tx.lines.add(dataclasses.replace(LINE_ANNA, id="l-x", gateway_id="gw-none"))
        with pytest.raises(ConflictError):  # still used by the gateway
            await tx.dialing_parameters.delete("dp-1")
        with pytest.raises(ConflictError):
            await tx.users.add(dataclasses.replace(BEN, id="u-ben2"), password="x")
        await tx.users.add(dataclasses.replace(BEN, id="u-carla", username="carla"), password="x")
    async with store.transaction() as tx:
        assert await tx.users.by_username("carla") is not None


async def test_deleting_a_users_last_line_deletes_their_pbx_credentials(store: Store) -> None:
    """R17: one line left keeps the credentials; the last one gone deletes them."""
    async with store.transaction() as tx:
        await seed_company(tx)
        await tx.lines.delete("l-anna")
    async with store.transaction() as tx:
        assert (await tx.users.pbx_password("u-anna")) is not None
        await tx.lines.delete("l-anna-2")
    async with store.transaction() as tx:
        assert await tx.users.pbx_password("u-anna") is None
        assert not await tx.secrets.exists("user/u-anna/pbx")
        anna = await tx.users.get("u-anna")
        assert anna is not None
        assert (anna.pbx_username, anna.pbx_state) == (None, "missing")


async def test_reassigning_a_users_last_line_deletes_their_pbx_credentials(store: Store) -> None:
    async with store.transaction() as tx:
        await seed_company(tx)
        await tx.lines.update(dataclasses.replace(LINE_ANNA, user_id="u-ben"))
        assert await tx.users.pbx_password("u-anna") is not None
        await tx.lines.update(dataclasses.replace(LINE_ANNA_2, user_id=None))
        assert await tx.users.pbx_password("u-anna") is None


async def test_deleting_a_gateway_deletes_its_lines_and_secrets(store: Store) -> None:
    async with store.transaction() as tx:
        await seed_company(tx)
        await tx.gateways.delete("gw-1")
    async with store.transaction() as tx:
        assert await tx.gateways.all() == []
        assert await tx.lines.all() == []
        assert await tx.gateways.monitoring_password("gw-1") is None
        assert await tx.users.pbx_password("u-anna") is None  # R17 through the gateway
        assert await tx.users.get("u-anna") is not None


async def test_gateway_passwords_can_be_replaced_and_the_proxy_one_dropped(store: Store) -> None:
    async with store.transaction() as tx:
        await seed_company(tx)
        await tx.gateways.set_monitoring_password("gw-1", "neu")
        await tx.gateways.update(dataclasses.replace(GATEWAY, proxy_url=None, proxy_username=None))
    async with store.transaction() as tx:
        assert (await tx.gateways.monitoring_password("gw-1")).reveal() == "neu"  # type: ignore[union-attr]
        assert await tx.gateways.proxy_password("gw-1") is None


async def test_user_passwords_are_verified_and_pbx_state_recorded(store: Store) -> None:
    async with store.transaction() as tx:
        await seed_company(tx)
        assert await tx.users.authenticate("anna", ANNA_PASSWORD) == await tx.users.get("u-anna")
        assert await tx.users.authenticate("anna", "wrong") is None
        assert await tx.users.authenticate("nobody", ANNA_PASSWORD) is None
        await tx.users.set_pbx_state("u-anna", "invalid", 2)
        anna = await tx.users.get("u-anna")
        assert anna is not None
        assert (anna.pbx_state, anna.pbx_failed_attempts) == ("invalid", 2)
        await tx.users.set_password("u-anna", "new-pass")
        assert await tx.users.authenticate("anna", "new-pass") is not None
        await tx.users.clear_pbx_credentials("u-anna")
        assert await tx.users.pbx_password("u-anna") is None


async def test_a_weak_password_hash_is_upgraded_on_login(
    database_url: str, keyring: KeyRing
) -> None:
    weak = await Store.open(keyring, database_url=database_url, hashing=FAST_HASHING)
    async with weak.transaction() as tx:
        await tx.users.add(BEN, password="pw")
    await weak.close()
    strong = await Store.open(keyring, database_url=database_url)  # today's argon2 parameters
    try:
        async with strong.transaction() as tx:
            assert await tx.users.authenticate("ben", "pw") is not None
            stored = await tx.connection.scalar(text("SELECT password_hash FROM users"))
        assert stored.startswith("$argon2id$")
        assert "m=65536" in stored
    finally:
        await strong.close()


async def test_deleting_a_user_keeps_lines_unassigned_and_forgets_secrets(store: Store) -> None:
    async with store.transaction() as tx:
        await seed_company(tx)
        await tx.rights.add_team(TeamRecord("t-1", "Empfang", frozenset({"u-anna", "u-ben"})))
        await tx.rights.grant("u-ben", "u-anna")
        await tx.users.delete("u-anna")
    async with store.transaction() as tx:
        assert (await tx.lines.get("l-anna")).user_id is None  # type: ignore[union-attr]
        assert not await tx.secrets.exists("user/u-anna/pbx")
        assert await tx.rights.teams() == [TeamRecord("t-1", "Empfang", frozenset({"u-ben"}))]
        assert await tx.rights.grants() == {}


async def test_teams_and_grants(store: Store) -> None:
    async with store.transaction() as tx:
        await seed_company(tx)
        await tx.rights.add_team(TeamRecord("t-1", "Vertrieb", frozenset({"u-anna"})))
        await tx.rights.set_members("t-1", ["u-anna", "u-ben", "u-ben"])
        await tx.rights.grant("u-ben", "u-anna")
        await tx.rights.grant("u-ben", "u-anna")  # twice is once
        assert await tx.rights.teams() == [
            TeamRecord("t-1", "Vertrieb", frozenset({"u-anna", "u-ben"}))
        ]
        assert await tx.rights.grants() == {"u-ben": frozenset({"u-anna"})}
        await tx.rights.revoke("u-ben", "u-anna")
        await tx.rights.delete_team("t-1")
        assert await tx.rights.teams() == []
        assert await tx.rights.grants() == {}


async def test_deleting_a_location_keeps_its_users(store: Store) -> None:
    async with store.transaction() as tx:
        await seed_company(tx)
        await tx.locations.delete("loc-1")
    async with store.transaction() as tx:
        assert await tx.locations.all() == []
        assert (await tx.users.get("u-anna")).location_id is None  # type: ignore[union-attr]


async def test_a_failed_transaction_leaves_nothing(store: Store) -> None:
    async def add_then_fail() -> None:
        async with store.transaction() as tx:
            await tx.dialing_parameters.add(PARAMS)
            raise RuntimeError("abort")

    with pytest.raises(RuntimeError, match="abort"):
        await add_then_fail()
    async with store.transaction() as tx:
        assert await tx.dialing_parameters.all() == []
