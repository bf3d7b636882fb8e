"""``ForwardingService``: a user's forwarding and voicemail redirect (CONTRACT.md §2.1
``Forwarding``, R9, R11, R14), read from and written to the PBX with the user's own
credentials, and fed back into the line's live state (so presence and the journal agree).

Choices where the contract is silent:
- A user with several lines reads and changes the first enabled line unless ``line_id``
  says otherwise; ``forwarding_updated`` frames are sent for every line of the user.
- Every read asks the PBX (seven ``GET services/…``); the first request goes alone, so that
  rejected credentials count one attempt (R16), not seven.
- A PATCH writes only the services whose settings change, then reads them all back: the
  answer is what the PBX stored, not what was asked for.
- ``destination: null`` with forwarding off leaves the PBX's stored number (BroadWorks
  keeps it for the next time; Xsi cannot clear it); while on it is refused (422).
- Destinations are typed as people type them (``0171 1234567``, ``7701``) and stored as
  E.164 under the line's dialing parameters; what has no E.164 form is refused (422).
- ``voicemail.number`` is the line's voicemail number (line parameter ``BSVoiceMailNumber``
  or the location's ``Telephony.VoiceMailNumber``), read-only here; where it is empty the
  voicemail redirect is not offered and switching it on is refused (422).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cloudcti.app.bus import EventBus, LineEvents, UserFrame
from cloudcti.app.clock import Clock
from cloudcti.app.errors import FieldError, InvalidInputError, NotFoundError, PbxRefusedError
from cloudcti.app.line_feed import feed_services
from cloudcti.app.pipeline import EventPipeline
from cloudcti.app.user_pbx import UserPbx
from cloudcti.domain.events import ForwardingUpdated
from cloudcti.domain.forwarding import Forwarding, ServiceInfo
from cloudcti.domain.lines import LineConfig
from cloudcti.domain.numbers import Context, NumberError, normalise
from cloudcti.store import Store
from cloudcti.xsi import (
    CallForwardingAlways,
    CallForwardingBusy,
    CallForwardingNoAnswer,
    DoNotDisturb,
    RemoteOffice,
    Service,
    ServiceSettings,
    SimRingLocation,
    SimultaneousRingPersonal,
    VoiceMessaging,
    XsiRequest,
    get_service,
    parse_call_forwarding_always,
    parse_call_forwarding_busy,
    parse_call_forwarding_no_answer,
    parse_do_not_disturb,
    parse_remote_office,
    parse_simultaneous_ring_personal,
    parse_voice_messaging,
    put_service,
)

__all__ = [
    "MAX_PARALLEL_NUMBERS",
    "ForwardingService",
    "ForwardingView",
    "forwarding_frames",
    "forwarding_json",
]

MAX_PARALLEL_NUMBERS = 10
"""BroadWorks keeps at most 10 Simultaneous Ring locations."""

NUMBER_OF_RINGS = frozenset({0, *range(2, 21)})

_PARSERS: Mapping[Service, Callable[[bytes], ServiceInfo]] = {
    Service.VOICE_MESSAGING: parse_voice_messaging,
    Service.CALL_FORWARDING_ALWAYS: parse_call_forwarding_always,
    Service.CALL_FORWARDING_BUSY: parse_call_forwarding_busy,
    Service.CALL_FORWARDING_NO_ANSWER: parse_call_forwarding_no_answer,
    Service.DO_NOT_DISTURB: parse_do_not_disturb,
    Service.REMOTE_OFFICE: parse_remote_office,
    Service.SIMULTANEOUS_RING_PERSONAL: parse_simultaneous_ring_personal,
}
FORWARDING_SERVICES: tuple[Service, ...] = tuple(_PARSERS)

Patch = Mapping[str, Mapping[str, Any]]
"""Sections of ``Forwarding`` to change, each with the fields sent (types already checked)."""


def forwarding_json(forwarding: Forwarding, voicemail_number: str | None) -> dict[str, Any]:
    """``forwarding`` as CONTRACT.md §2.1 ``Forwarding``."""
    return {
        "voicemail": {"enabled": forwarding.voicemail.enabled, "number": voicemail_number},
        "always": {
            "enabled": forwarding.always.enabled,
            "destination": forwarding.always.destination,
        },
        "busy": {"enabled": forwarding.busy.enabled, "destination": forwarding.busy.destination},
        "no_answer": {
            "enabled": forwarding.no_answer.enabled,
            "destination": forwarding.no_answer.destination,
            "rings": forwarding.no_answer.rings,
        },
        "dnd": {"enabled": forwarding.dnd.enabled},
        "remote_office": {
            "enabled": forwarding.remote_office.enabled,
            "number": forwarding.remote_office.number,
        },
        "parallel_ring": {
            "enabled": forwarding.parallel_ring.enabled,
            "numbers": list(forwarding.parallel_ring.numbers),
        },
    }


def forwarding_frames(message: LineEvents, voicemail_number: str | None) -> list[UserFrame]:
    """The ``forwarding_updated`` frames a line's events make for its user."""
    if message.user_id is None:
        return []
    return [
        UserFrame(
            message.user_id, "forwarding_updated", forwarding_json(e.forwarding, voicemail_number)
        )
        for e in message.events
        if isinstance(e, ForwardingUpdated)
    ]


@dataclass(frozen=True, slots=True)
class ForwardingView:
    """A line's forwarding as read from the PBX, with the raw service settings."""

    line_id: str
    forwarding: Forwarding
    config: LineConfig
    services: Mapping[Service, ServiceInfo]

    @property
    def voicemail_number(self) -> str | None:
        """The line's voicemail number (``None``: no voicemail redirect on this line)."""
        return self.config.voicemail_number

    def to_json(self) -> dict[str, Any]:
        """CONTRACT.md ``Forwarding``."""
        return forwarding_json(self.forwarding, self.voicemail_number)


class ForwardingService:
    """Reads and changes a user's forwarding on the PBX with the user's credentials."""

    def __init__(
        self,
        store: Store,
        user_pbx: UserPbx,
        pipeline: EventPipeline,
        bus: EventBus,
        clock: Clock,
    ) -> None:
        self._store = store
        self._user_pbx = user_pbx
        self._pipeline = pipeline
        self._bus = bus
        self._clock = clock

    async def read(
        self,
        user_id: str,
        line_id: str | None = None,
        services: Sequence[Service] = FORWARDING_SERVICES,
    ) -> ForwardingView:
        """Read ``services`` of the user's line from the PBX, feed them into the line's live
        state (publishing what changed) and return the line's forwarding. Errors as
        ``UserPbx.send``; a service the PBX does not give the user is left out."""
        line = (await self._user_pbx.line(user_id, line_id)).line
        first, *rest = services
        infos = [await self._read_one(user_id, line.id, first)]
        infos += await asyncio.gather(*(self._read_one(user_id, line.id, s) for s in rest))
        read = {s: i for s, i in zip(services, infos, strict=True) if i is not None}
        fed = await feed_services(
            self._pipeline, line.gateway_id, line.pbx_user_id, list(read.values()), self._clock()
        )
        if fed is None:
            raise NotFoundError(f"the line {line.id} is not monitored (disabled?)")
        if fed.message.events:
            self._bus.publish(fed.message)
        return ForwardingView(line.id, fed.state.forwarding, fed.state.config, read)

    async def change(
        self, user_id: str, patch: Patch, line_id: str | None = None
    ) -> ForwardingView:
        """Apply ``patch`` (CONTRACT.md ``Forwarding`` sections, partial) on the PBX and
        return what the PBX then says. ``InvalidInputError`` naming the field for values the
        PBX cannot take; nothing is written then."""
        current = await self.read(user_id, line_id)
        writes = _writes(current, patch, current.config)
        for settings in writes:
            await self._user_pbx.send(user_id, _put(settings), line_id=current.line_id)
        if not writes:
            return current
        return await self.read(user_id, current.line_id)

    async def _read_one(self, user_id: str, line_id: str, service: Service) -> ServiceInfo | None:
        def build(pbx_user_id: str) -> XsiRequest:
            return get_service(pbx_user_id, service)

        try:
            body = await self._user_pbx.send(user_id, build, line_id=line_id)
        except PbxRefusedError:
            return None  # the service is not assigned to the user
        return _PARSERS[service](body)


def _put(settings: ServiceSettings) -> Callable[[str], XsiRequest]:
    def build(pbx_user_id: str) -> XsiRequest:
        return put_service(pbx_user_id, settings)

    return build


# --- the PATCH -------------------------------------------------------------------------------


class _Checker:
    """Collects field errors while a patch is turned into service settings."""

    def __init__(self, config: LineConfig) -> None:
        self.config = config
        self.errors: list[FieldError] = []

    def number(self, raw: object, field: str) -> str | None:
        """A destination typed by a person as E.164, or ``None`` (and an error)."""
        if not isinstance(raw, str) or not raw.strip():
            self.errors.append(FieldError(field, "enter a phone number"))
            return None
        try:
            number = normalise(raw, self.config.params, self.config.directory, context=Context.DIAL)
        except NumberError as error:
            self.errors.append(FieldError(field, str(error)))
            return None
        if number.e164 is None:
            self.errors.append(FieldError(field, f"{raw!r} is no phone number to forward to"))
            return None
        return number.e164

    def destination(
        self, section: Mapping[str, Any], field: str, old: str | None, enabled: bool
    ) -> str | None:
        """The section's new destination: ``old`` unless sent. ``null`` is refused while
        enabled; otherwise it keeps ``old`` (Xsi cannot clear the PBX's stored number)."""
        name = field.rsplit(".", 1)[1]
        if name not in section:
            return old
        raw = section[name]
        if raw is None:
            if enabled:
                self.errors.append(FieldError(field, "required while forwarding is enabled"))
            return old
        return self.number(raw, field)

    def require(self, enabled: bool, value: object, field: str) -> None:
        """An enabled forwarding needs its destination."""
        if enabled and not value and not any(e.field == field for e in self.errors):
            self.errors.append(FieldError(field, "required while forwarding is enabled"))


def _enabled(section: Mapping[str, Any], old: bool) -> bool:
    value = section.get("enabled")
    return old if value is None else bool(value)


def _writes(current: ForwardingView, patch: Patch, config: LineConfig) -> list[ServiceSettings]:
    """The service settings to PUT for ``patch`` (only those that change)."""
    check = _Checker(config)
    fw, raw = current.forwarding, current.services
    writes: list[ServiceSettings] = []

    def section(name: str, service: Service) -> Mapping[str, Any] | None:
        body = patch.get(name)
        if body is None:
            return None
        if service not in raw:
            check.errors.append(FieldError(name, "this service is not assigned to your line"))
            return None
        return body

    if (body := section("voicemail", Service.VOICE_MESSAGING)) is not None:
        enabled = _enabled(body, fw.voicemail.enabled)
        vm = raw[Service.VOICE_MESSAGING]
        assert isinstance(vm, VoiceMessaging)
        if enabled and current.voicemail_number is None:
            message = "the voicemail redirect is not offered on this line"
            check.errors.append(FieldError("voicemail.enabled", message))
        elif enabled != fw.voicemail.enabled:
            writes.append(
                VoiceMessaging(active=vm.active or enabled, always_redirect_to_voice_mail=enabled)
            )

    for name, service in (
        ("always", Service.CALL_FORWARDING_ALWAYS),
        ("busy", Service.CALL_FORWARDING_BUSY),
    ):
        if (body := section(name, service)) is None:
            continue
        old = fw.always if name == "always" else fw.busy
        enabled = _enabled(body, old.enabled)
        dest = check.destination(body, f"{name}.destination", old.destination, enabled)
        check.require(enabled, dest, f"{name}.destination")
        if (enabled, dest) != (old.enabled, old.destination):
            info = raw[service]
            if isinstance(info, CallForwardingAlways):
                writes.append(CallForwardingAlways(enabled, dest, info.ring_splash))
            else:
                writes.append(CallForwardingBusy(enabled, dest))

    if (body := section("no_answer", Service.CALL_FORWARDING_NO_ANSWER)) is not None:
        old_na = fw.no_answer
        enabled = _enabled(body, old_na.enabled)
        dest = check.destination(body, "no_answer.destination", old_na.destination, enabled)
        check.require(enabled, dest, "no_answer.destination")
        rings = old_na.rings if body.get("rings") is None else body["rings"]
        if rings is not None and rings not in NUMBER_OF_RINGS:
            check.errors.append(FieldError("no_answer.rings", "must be 0 or 2 to 20"))
        if (enabled, dest, rings) != (old_na.enabled, old_na.destination, old_na.rings):
            writes.append(CallForwardingNoAnswer(enabled, dest, rings))

    if (body := section("dnd", Service.DO_NOT_DISTURB)) is not None:
        enabled = _enabled(body, fw.dnd.enabled)
        info = raw[Service.DO_NOT_DISTURB]
        assert isinstance(info, DoNotDisturb)
        if enabled != fw.dnd.enabled:
            writes.append(DoNotDisturb(enabled, info.ring_splash))

    if (body := section("remote_office", Service.REMOTE_OFFICE)) is not None:
        old_ro = fw.remote_office
        enabled = _enabled(body, old_ro.enabled)
        number = check.destination(body, "remote_office.number", old_ro.number, enabled)
        check.require(enabled, number, "remote_office.number")
        if (enabled, number) != (old_ro.enabled, old_ro.number):
            writes.append(RemoteOffice(enabled, number))

    if (body := section("parallel_ring", Service.SIMULTANEOUS_RING_PERSONAL)) is not None:
        old_pr = fw.parallel_ring
        enabled = _enabled(body, old_pr.enabled)
        numbers = old_pr.numbers
        if body.get("numbers") is not None:
            sent = list(body["numbers"])
            if len(sent) > MAX_PARALLEL_NUMBERS:
                check.errors.append(
                    FieldError("parallel_ring.numbers", f"at most {MAX_PARALLEL_NUMBERS} numbers")
                )
            found = [check.number(n, f"parallel_ring.numbers.{i}") for i, n in enumerate(sent)]
            numbers = tuple(dict.fromkeys(n for n in found if n is not None))
        check.require(enabled, numbers, "parallel_ring.numbers")
        if (enabled, numbers) != (old_pr.enabled, old_pr.numbers):
            info = raw[Service.SIMULTANEOUS_RING_PERSONAL]
            assert isinstance(info, SimultaneousRingPersonal)
            confirm = {loc.address: loc.answer_confirmation_required for loc in info.locations}
            locations = tuple(SimRingLocation(n, confirm.get(n, False)) for n in numbers)
            writes.append(SimultaneousRingPersonal(enabled, info.incoming_calls, locations))

    if check.errors:
        raise InvalidInputError(check.errors)
    return writes
