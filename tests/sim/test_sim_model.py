"""The call engine alone: pure, with time as an input."""

from __future__ import annotations

import pytest

from cloudcti.sim.config import ConfigError, SimConfig, granted_expires
from cloudcti.sim.model import ModelError, Pbx, User


def pbx_with_two_users() -> Pbx:
    pbx = Pbx("ent", "grp", "example.org")
    for name, ext in (("a", "701"), ("b", "702")):
        pbx.add_user(User(f"{name}@example.org", "pw", name, name, f"+4989100{ext}", ext))
    return pbx


def test_internal_call_has_two_halves_with_one_tracking_id() -> None:
    pbx = pbx_with_two_users()
    call, notices = pbx.start_call("a@example.org", "702", now_ms=1000, no_answer_s=30)
    halves = [n.half for n in notices if n.half]
    assert [h.user_id for h in halves] == ["a@example.org", "b@example.org"]
    assert halves[0].ext_tracking_id == halves[1].ext_tracking_id == call.ext_tracking_id
    assert halves[0].call_id != halves[1].call_id
    assert all(h.call_id.startswith("callhalf-") for h in halves)
    assert halves[1].remote.user_id == "a@example.org"


def test_hold_needs_an_active_call_and_release_ends_both_halves() -> None:
    pbx = pbx_with_two_users()
    call, _ = pbx.start_call("a@example.org", "b@example.org", now_ms=0, no_answer_s=30)
    with pytest.raises(ModelError):
        pbx.hold(call, call.caller, now_ms=1)
    pbx.answer(call, now_ms=2, no_answer_s=30)
    pbx.hold(call, call.caller, now_ms=10)
    notices = pbx.release(call, call.callee, now_ms=15)
    released = {n.user_id: n.half for n in notices if n.event_type == "CallReleasedEvent"}
    assert released["a@example.org"] is not None
    assert released["a@example.org"].releasing_party == "remoteRelease"
    assert released["a@example.org"].total_held_time == 5
    assert pbx.hook_status("a@example.org") == "On-Hook"


def test_no_answer_deadline_uses_the_time_given() -> None:
    pbx = pbx_with_two_users()
    pbx.start_call("+4930111", "a@example.org", now_ms=0, no_answer_s=5)
    assert pbx.expire_unanswered(4.9) == []
    assert [n.event_type for n in pbx.expire_unanswered(5.0)] == ["CallReleasedEvent"]


def test_config_patch_is_all_or_nothing() -> None:
    config = SimConfig()
    with pytest.raises(ConfigError):
        config.patch({"event_timeout_s": 1, "lockout_after": 0})
    assert config.event_timeout_s == 30
    config.patch({"event_timeout_s": 0.5, "channel_expires_s": None})
    assert (config.event_timeout_s, config.channel_expires_s) == (0.5, None)
    assert granted_expires(120, None) == 3600
    assert granted_expires(120, 86400) == 86400
