"""Voicemail number precedence, forwarding from services, presence and rights."""

from __future__ import annotations

import pytest

from cloudcti.domain.calls import Call, CallState, Device, Direction, Remote
from cloudcti.domain.feature_codes import DEFAULT_FEATURE_CODES, FeatureCodeName, FeatureCodes
from cloudcti.domain.forwarding import (
    DndSetting,
    Forwarding,
    ForwardTarget,
    VoicemailSetting,
    unassigned,
    voicemail_number,
    with_service,
)
from cloudcti.domain.presence import (
    ForwardingKind,
    Presence,
    PresenceForwarding,
    PresenceState,
    Rights,
    combine,
    presence_for_viewer,
    presence_of,
)
from cloudcti.xsi import (
    CallForwardingAlways,
    CallForwardingBusy,
    CallForwardingNoAnswer,
    DoNotDisturb,
    RemoteOffice,
    SimRingLocation,
    SimultaneousRingPersonal,
    VoiceMessaging,
)
from tests.domain.domain_factories import DIRECTORY, PARAMS, T0


@pytest.mark.parametrize(
    ("line", "location", "number"),
    [
        ({}, {}, "*86"),
        ({"BSVoiceMailNumber": "*86"}, {}, "*86"),
        ({"BSVoiceMailNumber": ""}, {}, None),
        ({"BSVoiceMailNumber": "*55"}, {"Telephony.VoiceMailNumber": "*86"}, "*55"),
        ({}, {"Telephony.VoiceMailNumber": "*62"}, "*62"),
        (
            {"BSVoiceMailNumber": "*55"},
            {"Telephony.VoiceMailNumber": "*62", "Telephony.OverrideVoiceMailNumber": True},
            "*62",
        ),
        (
            {"BSVoiceMailNumber": ""},
            {"Telephony.VoiceMailNumber": "*62", "Telephony.OverrideVoiceMailNumber": "true"},
            "*62",
        ),
        ({}, {"Telephony.OverrideVoiceMailNumber": True}, "*86"),
    ],
)
def test_voicemail_number_precedence(
    line: dict[str, str], location: dict[str, str | bool], number: str | None
) -> None:
    assert voicemail_number(line, location) == number


def test_services_fill_separate_fields_with_normalised_numbers() -> None:
    fwd = Forwarding()
    for info in (
        CallForwardingAlways(active=True, forward_to_phone_number="tel:7770"),
        CallForwardingBusy(active=True, forward_to_phone_number="+49-30-22334455"),
        CallForwardingNoAnswer(active=False, forward_to_phone_number=None, number_of_rings=5),
        DoNotDisturb(active=True),
        RemoteOffice(active=True, remote_office_number="01511 2345678"),
        SimultaneousRingPersonal(active=True, locations=(SimRingLocation("+4915199999999"),)),
        VoiceMessaging(active=True, always_redirect_to_voice_mail=True),
    ):
        fwd = with_service(fwd, info, PARAMS, DIRECTORY)
    assert fwd.always == ForwardTarget(True, "+49898877667770")
    assert fwd.busy == ForwardTarget(True, "+493022334455")
    assert (fwd.no_answer.enabled, fwd.no_answer.rings) == (False, 5)
    assert fwd.dnd.enabled
    assert fwd.remote_office.number == "+4915112345678"
    assert fwd.parallel_ring.numbers == ("+4915199999999",)
    assert fwd.voicemail == VoicemailSetting(enabled=True, number="*86", confirmed=True)
    assert not unassigned(fwd, DoNotDisturb).dnd.enabled
    assert not unassigned(fwd, VoiceMessaging).voicemail.enabled


def call(state: CallState, direction: Direction = Direction.INBOUND) -> Call:
    return Call(
        id="c",
        line_id="l",
        direction=direction,
        state=state,
        remote=Remote(None, ""),
        device=Device.PRIMARY,
        created_at=T0,
        tracking_id="t",
    )


CFA = Forwarding(always=ForwardTarget(True, "+4915112345678"))
VM = Forwarding(voicemail=VoicemailSetting(enabled=True, confirmed=True))
DND_AND_CFA = Forwarding(always=CFA.always, dnd=DndSetting(True))


@pytest.mark.parametrize(
    ("calls", "forwarding", "state"),
    [
        ([], Forwarding(), PresenceState.AVAILABLE),
        ([call(CallState.ACTIVE)], DND_AND_CFA, PresenceState.BUSY),
        ([call(CallState.HELD), call(CallState.RINGING)], Forwarding(), PresenceState.BUSY),
        ([call(CallState.DIALING, Direction.OUTBOUND)], Forwarding(), PresenceState.BUSY),
        ([call(CallState.RINGING)], DND_AND_CFA, PresenceState.RINGING),
        ([], DND_AND_CFA, PresenceState.DND),
        ([], CFA, PresenceState.FORWARDED),
        ([], VM, PresenceState.FORWARDED),
    ],
)
def test_presence_precedence(
    calls: list[Call], forwarding: Forwarding, state: PresenceState
) -> None:
    assert presence_of(calls, forwarding).state is state


def test_presence_forwarding_kind_and_target() -> None:
    assert presence_of([], CFA).forwarding == PresenceForwarding(
        ForwardingKind.NUMBER, "+4915112345678"
    )
    assert presence_of([], VM).forwarding == PresenceForwarding(
        ForwardingKind.VOICEMAIL, "voicemail"
    )
    to_portal = Forwarding(always=ForwardTarget(True, "*86"))
    assert presence_of([], to_portal, voicemail_numbers={"*86"}).forwarding.kind is (
        ForwardingKind.VOICEMAIL
    )
    assert presence_of([], CFA, monitored=False) == Presence(PresenceState.OFFLINE)


def test_combine_takes_the_highest_state_over_lines() -> None:
    ringing = Presence(PresenceState.RINGING)
    offline = Presence(PresenceState.OFFLINE)
    forwarded = presence_of([], CFA)
    assert combine([forwarded, ringing, offline]).state is PresenceState.RINGING
    assert combine([forwarded, ringing]).forwarding.kind is ForwardingKind.NUMBER
    assert combine([offline]).state is PresenceState.OFFLINE
    assert combine([]).state is PresenceState.OFFLINE


def test_rights_hide_the_target_but_keep_the_kind() -> None:
    rights = Rights(
        teams={"sales": frozenset({"alice", "bob"})}, grants={"carol": frozenset({"dave"})}
    )
    presence = presence_of([], CFA)
    assert presence_for_viewer(presence, "bob", "alice", rights) == presence
    assert presence_for_viewer(presence, "alice", "alice", rights) == presence
    assert presence_for_viewer(presence, "carol", "dave", rights) == presence
    hidden = presence_for_viewer(presence, "carol", "alice", rights)
    assert hidden.forwarding == PresenceForwarding(ForwardingKind.NUMBER, None)
    assert hidden.state is PresenceState.FORWARDED
    assert presence_for_viewer(presence, "dave", "carol", rights).forwarding.target is None
    open_rights = Rights(everyone_sees_targets=True)
    assert presence_for_viewer(presence, "x", "alice", open_rights) == presence


def test_feature_codes_from_the_pbx_win_over_defaults() -> None:
    codes = FeatureCodes.from_fac([(FeatureCodeName.DND_ON, "*55", "#55")])
    assert codes.of(FeatureCodeName.DND_ON) == ("*55", "#55")
    assert codes.of(FeatureCodeName.CFA_ON) == ("*72",)
    assert DEFAULT_FEATURE_CODES.name_of("*72+4915112345678") == FeatureCodeName.CFA_ON
    assert DEFAULT_FEATURE_CODES.name_of("#21") == FeatureCodeName.CFA_VOICEMAIL_OFF
    assert DEFAULT_FEATURE_CODES.name_of("0301234567") is None
