"""Basic auth, scope, lock-out, the request log and user changes via the control API."""

from __future__ import annotations

import httpx

from tests.sim.sim_helpers import ALICE, BOB, MONITOR, PASSWORD, Pbx
from tests.sim.xsi_client import error_summary


async def test_missing_or_wrong_credentials_are_challenged(pbx: Pbx) -> None:
    anonymous = await pbx.control.get(
        f"/com.broadsoft.xsi-actions/v2.0/user/{ALICE}/profile", headers={}
    )
    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"].startswith("Basic")
    pbx.check(anonymous.content)
    wrong = await pbx.xsi(ALICE, password="nope").actions("GET", "/profile")
    assert wrong.status_code == 401
    assert wrong.headers["www-authenticate"].startswith("Basic")
    unknown = await pbx.xsi("nobody@deutschland-lan.de").actions("GET", "/profile")
    assert unknown.status_code == 401


async def test_a_user_acts_only_on_itself(pbx: Pbx) -> None:
    monitor = pbx.xsi(MONITOR)
    response = await monitor.http.get(f"/com.broadsoft.xsi-actions/v2.0/user/{ALICE}/calls")
    assert response.status_code == 403
    assert error_summary(response)


async def test_lockout_after_consecutive_failures_until_unlocked(pbx: Pbx) -> None:
    await pbx.config(lockout_after=3)
    start = (await pbx.requests())[-1]["seq"] if await pbx.requests() else 0
    good = pbx.xsi(ALICE)
    bad = pbx.xsi(ALICE, password="wrong")
    assert (await bad.actions("GET", "/profile")).status_code == 401
    assert (await good.actions("GET", "/profile")).status_code == 200  # resets the count
    for _ in range(3):
        assert (await bad.actions("GET", "/profile")).status_code == 401
    locked = await good.actions("GET", "/profile")
    assert locked.status_code == 401
    assert "locked" in error_summary(locked).lower()
    log = await pbx.requests(user_id=ALICE, since=start)
    assert [e["status"] for e in log] == [401, 200, 401, 401, 401, 401]
    assert {e["host"] for e in log} == {pbx.hosts[0].removeprefix("http://")}
    assert all(e["path"].endswith("/profile") and e["method"] == "GET" for e in log)
    state = await pbx.state()
    assert next(u for u in state["users"] if u["user_id"] == ALICE)["locked"] is True
    assert (await pbx.patch(f"/users/{ALICE}", {"locked": False})).status_code == 200
    assert (await good.actions("GET", "/profile")).status_code == 200


async def test_password_change_breaks_the_old_credential(pbx: Pbx) -> None:
    assert (await pbx.patch(f"/users/{ALICE}", {"password": "New-Secret"})).status_code == 200
    assert (await pbx.xsi(ALICE, password=PASSWORD).actions("GET", "/profile")).status_code == 401
    assert (
        await pbx.xsi(ALICE, password="New-Secret").actions("GET", "/profile")
    ).status_code == 200


async def test_request_log_records_the_host_of_each_request(pbx: Pbx) -> None:
    start = max((e["seq"] for e in await pbx.requests()), default=0)
    await pbx.xsi(BOB, host=0).actions("GET", "/profile")
    await pbx.xsi(BOB, host=1).actions("GET", "/calls")
    log = await pbx.requests(user_id=BOB, since=start)
    assert [e["host"] for e in log] == [h.removeprefix("http://") for h in pbx.hosts]
    assert [e["status"] for e in log] == [200, 200]


async def test_deleting_users_ends_their_channels_and_subscriptions_on_them(pbx: Pbx) -> None:
    monitor = pbx.xsi(MONITOR)
    watching = await monitor.open_channel("cti")
    await monitor.subscribe(f"/user/{ALICE}", "cti")
    await monitor.ack(await watching.next())
    alice = pbx.xsi(ALICE)
    own = await alice.open_channel("alice-set")
    response = await pbx.control.delete(f"/sim/v1/users/{ALICE}")
    assert response.status_code == 204
    ended = await own.next(kinds=("ChannelTerminatedEvent",))
    assert ended.reason == "UserDeleted"
    await own.wait_closed()
    terminated = await watching.next()
    assert terminated.event_type == "SubscriptionTerminatedEvent"
    assert terminated.target_id == ALICE
    await monitor.ack(terminated)
    assert (await alice.actions("GET", "/profile")).status_code == 401


async def test_control_api_rejects_bad_input_without_500(pbx: Pbx) -> None:
    cases = [
        ("POST", "/sim/v1/reset", b'{"scenario": "nope"}', 422),
        ("PATCH", "/sim/v1/config", b'{"unacked_limit": "many"}', 422),
        ("PATCH", "/sim/v1/config", b"{not json", 400),
        ("POST", "/sim/v1/users", b'{"user_id": "x@y"}', 422),
        ("POST", "/sim/v1/calls", b'{"from": "+491", "to": "+492"}', 422),
        ("POST", "/sim/v1/calls/none/answer", b"{}", 404),
    ]
    for method, path, body, status in cases:
        response = await pbx.control.request(method, path, content=body)
        assert response.status_code == status, (path, response.text)
    duplicate = {
        "user_id": ALICE,
        "password": "x",
        "first_name": "A",
        "last_name": "B",
        "number": "+4912345",
        "extension": "12",
    }
    assert (await pbx.post("/users", duplicate)).status_code == 409
    assert isinstance(await pbx.control.get("/sim/v1/state"), httpx.Response)
