"""Subscriptions: scope rules, snapshots, refresh, 409, expiry, queries (PROTOCOL.md §3.3)."""

from __future__ import annotations

from lxml import etree

from tests.sim.sim_helpers import ALICE, BOB, MONITOR, Pbx
from tests.sim.xsi_client import XSI, error_summary, subscription_id, text

ENTERPRISE = "/enterprise/{enterprise}"
GROUP = "/serviceprovider/{enterprise}/group/{group}"


async def test_user_target_gets_a_snapshot_on_subscribe_and_on_refresh(pbx: Pbx) -> None:
    client = pbx.xsi(MONITOR)
    channel = await client.open_channel("set-a")
    call_id = await pbx.call("+4930123456", ALICE)
    response = await client.subscribe(f"/user/{ALICE}", "set-a", expires=120)
    assert response.status_code == 200
    sub_id = subscription_id(response)
    snapshot = await channel.next()
    assert snapshot.event_type == "CallSubscriptionEvent"
    assert (snapshot.sequence, snapshot.subscription_id) == (1, sub_id)
    assert snapshot.target_id == ALICE
    assert snapshot.hook_status == "On-Hook"
    assert [(c.state, c.personality, c.call_type) for c in snapshot.calls] == [
        ("Alerting", "Terminator", "Network")
    ]
    await client.ack(snapshot)
    body = f'<Subscription xmlns="{XSI}"><expires>7200</expires></Subscription>'
    refreshed = await client.events("PUT", f"/subscription/{sub_id}", body)
    assert refreshed.status_code == 200
    assert subscription_id(refreshed) == sub_id
    again = await channel.next()
    assert again.event_type == "CallSubscriptionEvent"
    assert again.sequence == 2
    assert [c.call_id for c in again.calls] == [c.call_id for c in snapshot.calls]
    await client.ack(again)
    await pbx.post(f"/calls/{call_id}/hangup", {"side": "caller"})
    released = await channel.next()
    assert released.event_type == "CallReleasedEvent"
    assert released.sequence == 3


async def test_idle_snapshot_carries_only_the_hook_status(pbx: Pbx) -> None:
    client = pbx.xsi(ALICE)
    channel = await client.open_channel("set-a")
    await client.subscribe(f"/user/{ALICE}", "set-a", event="Basic Call")
    snapshot = await channel.next()
    assert snapshot.calls == []
    assert snapshot.hook_status == "On-Hook"
    assert b"<xsi:calls>" not in snapshot.raw


async def test_group_and_enterprise_targets_get_no_snapshot_but_every_user(pbx: Pbx) -> None:
    state = await pbx.state()
    client = pbx.xsi(MONITOR)
    channel = await client.open_channel("set-a")
    for path in (ENTERPRISE, GROUP):
        target = path.format(enterprise=state["enterprise_id"], group=state["group_id"])
        assert (await client.subscribe(target, "set-a")).status_code == 200
    await pbx.call(ALICE, BOB)
    seen = [await channel.next() for _ in range(6)]  # 3 notices x 2 subscriptions
    assert {d.event_type for d in seen} == {
        "HookStatusEvent",
        "CallOriginatedEvent",
        "CallReceivedEvent",
    }
    assert {d.target_id for d in seen} == {ALICE, BOB}
    by_subscription: dict[str | None, list[int | None]] = {}
    for doc in seen:
        by_subscription.setdefault(doc.subscription_id, []).append(doc.sequence)
    assert sorted(by_subscription.values()) == [[1, 2, 3], [1, 2, 3]]


async def test_scope_rules_for_subscribing(pbx: Pbx) -> None:
    state = await pbx.state()
    alice = pbx.xsi(ALICE)
    assert (await alice.subscribe(f"/user/{ALICE}", "set-a")).status_code == 200
    assert (await alice.subscribe(f"/user/{ALICE}/subscription", "set-b")).status_code == 200
    denied = [
        f"/user/{BOB}",
        ENTERPRISE.format(enterprise=state["enterprise_id"]),
        GROUP.format(enterprise=state["enterprise_id"], group=state["group_id"]),
    ]
    for target in denied:
        response = await alice.subscribe(target, "set-a")
        assert response.status_code == 403, target
        assert error_summary(response)
    monitor = pbx.xsi(MONITOR)
    assert (await monitor.subscribe(f"/user/{BOB}", "set-m")).status_code == 200
    assert (await monitor.subscribe("/user/nobody@example.org", "set-m")).status_code == 403
    other = ENTERPRISE.format(enterprise="someone-else")
    assert (await monitor.subscribe(other, "set-m")).status_code == 403


async def test_repeated_identical_subscription_is_409(pbx: Pbx) -> None:
    client = pbx.xsi(MONITOR)
    assert (await client.subscribe(f"/user/{ALICE}", "set-a")).status_code == 200
    repeated = await client.subscribe(f"/user/{ALICE}", "set-a")
    assert repeated.status_code == 409
    assert error_summary(repeated)
    other_package = await client.subscribe(f"/user/{ALICE}", "set-a", event="Do Not Disturb")
    assert other_package.status_code == 200


async def test_expires_is_clamped_to_an_hour_when_the_request_is_honoured(pbx: Pbx) -> None:
    await pbx.config(subscription_expires_s=None)
    client = pbx.xsi(ALICE)
    short = await client.subscribe(f"/user/{ALICE}", "set-a", expires=120)
    assert text(etree.fromstring(short.content), "expires") == "3600"
    long = await client.subscribe(f"/user/{ALICE}", "set-b", expires=7200)
    assert text(etree.fromstring(long.content), "expires") == "7200"


async def test_expired_subscription_ends_with_subscription_terminated(pbx: Pbx) -> None:
    await pbx.config(subscription_expires_s=0.3)
    client = pbx.xsi(ALICE)
    channel = await client.open_channel("set-a")
    sub_id = subscription_id(await client.subscribe(f"/user/{ALICE}", "set-a"))
    await client.ack(await channel.next())
    ended = await channel.next()
    assert ended.event_type == "SubscriptionTerminatedEvent"
    assert (ended.subscription_id, ended.sequence) == (sub_id, 2)
    await client.ack(ended)
    assert (await client.events("GET", f"/subscription/{sub_id}")).status_code == 403


async def test_query_and_delete(pbx: Pbx) -> None:
    client = pbx.xsi(MONITOR)
    sub_id = subscription_id(await client.subscribe(f"/user/{ALICE}", "set-a"))
    await client.subscribe(f"/user/{BOB}", "set-a")
    one = etree.fromstring((await client.events("GET", f"/subscription/{sub_id}")).content)
    assert text(one, "targetId") == ALICE
    assert text(one, "targetIdType") == "User"
    assert text(one, "channelSetId") == "set-a"
    listing = await client.http.get(
        "/com.broadsoft.xsi-events/v2.0/subscription", params={"targetId": BOB}
    )
    targets = etree.fromstring(listing.content).findall(f"{{{XSI}}}subscription")
    assert [text(t, "targetId") for t in targets] == [BOB]
    assert (await pbx.xsi(ALICE).events("GET", f"/subscription/{sub_id}")).status_code == 403
    assert (await client.events("DELETE", f"/subscription/{sub_id}")).status_code == 200
    assert (await client.events("GET", f"/subscription/{sub_id}")).status_code == 403
