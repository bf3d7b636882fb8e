"""What a restart must not lose, on SQLite and PostgreSQL: carried call histories per line
and call id (stored, replaced, deleted, purged by age, gone with their line) and the voice
portal number per gateway (learnt, changed, gone with its gateway)."""

from __future__ import annotations

from cloudcti.store import Store
from tests.store.store_fixtures import seed_company

NOW = 1_800_000_000_000
HISTORY = {
    "direction": "inbound",
    "started_at": NOW - 60_000,
    "answered_at": NOW - 58_000,
    "redirect_reasons": ["deflection"],
    "first_remote": {"number": "+4930223344556", "display": "030 223344556", "name": "Ä Ö"},
}


async def test_carried_histories_are_stored_replaced_and_deleted(store: Store) -> None:
    async with store.transaction() as tx:
        await seed_company(tx)
        await tx.carried_calls.put("l-anna", {"c:1": HISTORY, "c:2": {"n": 2}}, NOW)
        await tx.carried_calls.put("l-anna-2", {"c:1": {"other": "line"}}, NOW)
    async with store.transaction() as tx:
        assert await tx.carried_calls.for_line("l-anna") == {"c:1": HISTORY, "c:2": {"n": 2}}
        await tx.carried_calls.put("l-anna", {"c:2": {"n": 3}}, NOW + 1)
        await tx.carried_calls.put("l-anna", {}, NOW + 1)  # nothing to store is fine
    async with store.transaction() as tx:
        assert (await tx.carried_calls.for_line("l-anna"))["c:2"] == {"n": 3}
        assert await tx.carried_calls.delete("l-anna", ["c:1", "c:9"]) == 1
        assert await tx.carried_calls.delete("l-anna", []) == 0
    async with store.transaction() as tx:
        assert await tx.carried_calls.for_line("l-anna") == {"c:2": {"n": 3}}
        assert await tx.carried_calls.for_line("l-anna-2") == {"c:1": {"other": "line"}}
        assert await tx.carried_calls.for_line("l-nobody") == {}


async def test_old_carried_histories_are_purged_and_go_with_their_line(store: Store) -> None:
    async with store.transaction() as tx:
        await seed_company(tx)
        await tx.carried_calls.put("l-anna", {"old": HISTORY}, NOW - 10)
        await tx.carried_calls.put("l-anna", {"new": HISTORY}, NOW)
        await tx.carried_calls.put("l-anna-2", {"kept": HISTORY}, NOW)
    async with store.transaction() as tx:
        assert await tx.carried_calls.purge_older_than(NOW) == 1
        assert set(await tx.carried_calls.for_line("l-anna")) == {"new"}
        await tx.lines.delete("l-anna")
    async with store.transaction() as tx:
        assert await tx.carried_calls.for_line("l-anna") == {}
        assert set(await tx.carried_calls.for_line("l-anna-2")) == {"kept"}


async def test_the_voice_portal_is_learnt_changed_and_gone_with_its_gateway(store: Store) -> None:
    async with store.transaction() as tx:
        await seed_company(tx)
        assert await tx.voice_portals.get("gw-1") is None
        await tx.voice_portals.set("gw-1", "+4989887766999")
    async with store.transaction() as tx:
        assert await tx.voice_portals.get("gw-1") == "+4989887766999"
        await tx.voice_portals.set("gw-1", "+4989887766998")
    async with store.transaction() as tx:
        assert await tx.voice_portals.get("gw-1") == "+4989887766998"
        assert await tx.voice_portals.get("gw-other") is None
        await tx.gateways.delete("gw-1")
    async with store.transaction() as tx:
        assert await tx.voice_portals.get("gw-1") is None
