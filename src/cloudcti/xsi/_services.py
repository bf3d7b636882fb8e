"""Service settings of a user (PROTOCOL.md §2.3, §3.8) as frozen values.

The same value is read from an Actions ``GET services/<Name>`` document, carried as the
``info`` of the matching service event, and written back with a ``PUT``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class CallForwardingAlways:
    """CFA: forward every call to ``forward_to_phone_number``."""

    active: bool
    forward_to_phone_number: str | None = None
    ring_splash: bool = False


@dataclass(frozen=True, slots=True)
class CallForwardingBusy:
    """CFB: forward calls while the user is busy."""

    active: bool
    forward_to_phone_number: str | None = None


@dataclass(frozen=True, slots=True)
class CallForwardingNoAnswer:
    """CFNA: forward calls not answered after ``number_of_rings`` rings."""

    active: bool
    forward_to_phone_number: str | None = None
    number_of_rings: int | None = None


@dataclass(frozen=True, slots=True)
class DoNotDisturb:
    """DND: calls are not presented to the user."""

    active: bool
    ring_splash: bool = False


@dataclass(frozen=True, slots=True)
class RemoteOffice:
    """Remote Office: calls ring at ``remote_office_number`` instead of the desk phone."""

    active: bool
    remote_office_number: str | None = None


class SimRingIncomingCalls(StrEnum):
    """When simultaneous ringing applies."""

    DO_NOT_RING_IF_ON_A_CALL = "Do not Ring if on a Call"
    RING_FOR_ALL_INCOMING_CALLS = "Ring for all Incoming Calls"


@dataclass(frozen=True, slots=True)
class SimRingLocation:
    """One number that rings in parallel with the user's phone."""

    address: str
    answer_confirmation_required: bool = False


@dataclass(frozen=True, slots=True)
class SimultaneousRingPersonal:
    """Parallel ringing ("Parallelruf") on further numbers."""

    active: bool
    incoming_calls: SimRingIncomingCalls = SimRingIncomingCalls.RING_FOR_ALL_INCOMING_CALLS
    locations: tuple[SimRingLocation, ...] = ()


@dataclass(frozen=True, slots=True)
class AnywhereLocation:
    """One BroadWorks Anywhere location (typically the user's mobile)."""

    phone_number: str
    active: bool
    description: str | None = None
    country_code: str | None = None
    location_uri: str | None = None


@dataclass(frozen=True, slots=True)
class BroadWorksAnywhere:
    """BroadWorks Anywhere: further devices that take part in the user's calls."""

    alert_all_locations_for_click_to_dial_calls: bool = False
    alert_all_locations_for_group_paging_calls: bool | None = None
    locations: tuple[AnywhereLocation, ...] = ()


@dataclass(frozen=True, slots=True)
class VoiceMessaging:
    """Voice mail settings; ``always_redirect_to_voice_mail`` is the switch that ``*21``/``#21``
    toggle. Fields the PBX did not send are ``None``; a PUT leaves ``None`` fields unchanged."""

    active: bool
    processing: str | None = None
    voice_message_delivery_email_address: str | None = None
    use_phone_message_waiting_indicator: bool | None = None
    send_voice_message_notify_email: bool | None = None
    voice_message_notify_email_address: str | None = None
    send_carbon_copy_voice_message: bool | None = None
    voice_message_carbon_copy_email_address: str | None = None
    transfer_on_zero_to_phone_number: bool | None = None
    transfer_phone_number: str | None = None
    always_redirect_to_voice_mail: bool | None = None
    busy_redirect_to_voice_mail: bool | None = None
    no_answer_redirect_to_voice_mail: bool | None = None
    out_of_primary_zone_redirect_to_voice_mail: bool | None = None


@dataclass(frozen=True, slots=True)
class MessageSummary:
    """Voice mail counts (message waiting); all zero when the mailbox is empty."""

    new_messages: int = 0
    old_messages: int = 0
    new_urgent_messages: int = 0
    old_urgent_messages: int = 0
