"""Forwarding and voicemail of one line (CONTRACT.md §2.1 ``Forwarding``, R9–R14).

One ``Forwarding`` value is kept per line and updated from the service events of the
monitoring subscription and from the service reads done with the user's own credentials
(the same ``info`` values; see ``with_service``). DND, call forwarding always/busy/no
answer, the voicemail redirect and Remote Office are separate fields, never merged (R14).

``voicemail.enabled`` is VoiceMessaging ``alwaysRedirectToVoiceMail`` (what ``*21`` and
``#21`` switch). No event carries it (R12): until the service has been read with the user's
credentials it is ``False`` with ``confirmed = False``.

Destinations are normalised to E.164 where the dialing parameters can (CONTRACT.md §0); an
extension without a known E.164 number or a feature code stays as the PBX gave it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from cloudcti.domain.numbers import (
    Context,
    DialingParameters,
    Directory,
    NumberError,
    normalise,
)
from cloudcti.xsi import (
    CallForwardingAlways,
    CallForwardingBusy,
    CallForwardingNoAnswer,
    DoNotDisturb,
    RemoteOffice,
    SimultaneousRingPersonal,
    VoiceMessaging,
)

__all__ = [
    "DEFAULT_VOICEMAIL_NUMBER",
    "DndSetting",
    "ForwardTarget",
    "Forwarding",
    "NoAnswerForward",
    "ParallelRingSetting",
    "RemoteOfficeSetting",
    "ServiceInfo",
    "VoicemailSetting",
    "unassigned",
    "voicemail_number",
    "with_service",
]

DEFAULT_VOICEMAIL_NUMBER = "*86"

ServiceInfo = (
    CallForwardingAlways
    | CallForwardingBusy
    | CallForwardingNoAnswer
    | DoNotDisturb
    | RemoteOffice
    | SimultaneousRingPersonal
    | VoiceMessaging
)


@dataclass(frozen=True, slots=True)
class VoicemailSetting:
    """Redirect all calls to voicemail; ``number`` is the line's voicemail number (``None``:
    the voicemail redirect is not offered on this line); ``confirmed``: read from the PBX."""

    enabled: bool = False
    number: str | None = DEFAULT_VOICEMAIL_NUMBER
    confirmed: bool = False


@dataclass(frozen=True, slots=True)
class ForwardTarget:
    """Forward calls (always, or when busy) to ``destination``."""

    enabled: bool = False
    destination: str | None = None


@dataclass(frozen=True, slots=True)
class NoAnswerForward:
    """Forward calls not answered after ``rings`` rings to ``destination``."""

    enabled: bool = False
    destination: str | None = None
    rings: int | None = None


@dataclass(frozen=True, slots=True)
class DndSetting:
    """Do not disturb."""

    enabled: bool = False


@dataclass(frozen=True, slots=True)
class RemoteOfficeSetting:
    """Calls ring at ``number`` instead of the desk phone (R21)."""

    enabled: bool = False
    number: str | None = None


@dataclass(frozen=True, slots=True)
class ParallelRingSetting:
    """Calls also ring at ``numbers`` (Simultaneous Ring Personal, R22)."""

    enabled: bool = False
    numbers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Forwarding:
    """Everything that decides where a line's calls go (CONTRACT.md §2.1)."""

    voicemail: VoicemailSetting = VoicemailSetting()
    always: ForwardTarget = ForwardTarget()
    busy: ForwardTarget = ForwardTarget()
    no_answer: NoAnswerForward = NoAnswerForward()
    dnd: DndSetting = DndSetting()
    remote_office: RemoteOfficeSetting = RemoteOfficeSetting()
    parallel_ring: ParallelRingSetting = ParallelRingSetting()


def voicemail_number(
    line_parameters: Mapping[str, str], location_parameters: Mapping[str, str | bool]
) -> str | None:
    """The line's voicemail number (R5, R10); ``None`` disables the voicemail redirect.

    Precedence: (1) the location's ``Telephony.VoiceMailNumber`` when the location sets
    ``Telephony.OverrideVoiceMailNumber``; (2) the line's ``BSVoiceMailNumber`` when set (an
    empty value disables the redirect, as in the seed); (3) the location's
    ``Telephony.VoiceMailNumber``; (4) ``*86``."""
    location_number = str(location_parameters.get("Telephony.VoiceMailNumber", "")).strip()
    override = location_parameters.get("Telephony.OverrideVoiceMailNumber", False)
    if isinstance(override, str):
        override = override.strip().lower() in ("1", "true", "yes", "on")
    if override and location_number:
        return location_number
    if "BSVoiceMailNumber" in line_parameters:
        return line_parameters["BSVoiceMailNumber"].strip() or None
    return location_number or DEFAULT_VOICEMAIL_NUMBER


def _destination(raw: str | None, params: DialingParameters, directory: Directory) -> str | None:
    if raw is None or not raw.strip():
        return None
    try:
        number = normalise(raw, params, directory, context=Context.INCOMING)
    except NumberError:
        return raw.strip()
    return number.e164 or number.value


def with_service(
    forwarding: Forwarding,
    info: ServiceInfo,
    params: DialingParameters,
    directory: Directory,
) -> Forwarding:
    """``forwarding`` with one service's settings (from an event's ``info`` or a read)."""
    if isinstance(info, CallForwardingAlways):
        dest = _destination(info.forward_to_phone_number, params, directory)
        return replace(forwarding, always=ForwardTarget(info.active, dest))
    if isinstance(info, CallForwardingBusy):
        dest = _destination(info.forward_to_phone_number, params, directory)
        return replace(forwarding, busy=ForwardTarget(info.active, dest))
    if isinstance(info, CallForwardingNoAnswer):
        dest = _destination(info.forward_to_phone_number, params, directory)
        setting = NoAnswerForward(info.active, dest, info.number_of_rings)
        return replace(forwarding, no_answer=setting)
    if isinstance(info, DoNotDisturb):
        return replace(forwarding, dnd=DndSetting(info.active))
    if isinstance(info, RemoteOffice):
        number = _destination(info.remote_office_number, params, directory)
        return replace(forwarding, remote_office=RemoteOfficeSetting(info.active, number))
    if isinstance(info, SimultaneousRingPersonal):
        numbers = tuple(
            n
            for n in (_destination(loc.address, params, directory) for loc in info.locations)
            if n is not None
        )
        return replace(forwarding, parallel_ring=ParallelRingSetting(info.active, numbers))
    enabled = info.active and bool(info.always_redirect_to_voice_mail)
    voicemail = replace(forwarding.voicemail, enabled=enabled, confirmed=True)
    return replace(forwarding, voicemail=voicemail)


def unassigned(forwarding: Forwarding, service: type[ServiceInfo]) -> Forwarding:
    """``forwarding`` after the PBX took a service away from the user: it is off."""
    off: dict[type[ServiceInfo], Forwarding] = {
        CallForwardingAlways: replace(forwarding, always=ForwardTarget()),
        CallForwardingBusy: replace(forwarding, busy=ForwardTarget()),
        CallForwardingNoAnswer: replace(forwarding, no_answer=NoAnswerForward()),
        DoNotDisturb: replace(forwarding, dnd=DndSetting()),
        RemoteOffice: replace(forwarding, remote_office=RemoteOfficeSetting()),
        SimultaneousRingPersonal: replace(forwarding, parallel_ring=ParallelRingSetting()),
        VoiceMessaging: replace(
            forwarding, voicemail=replace(forwarding.voicemail, enabled=False, confirmed=True)
        ),
    }
    return off[service]
