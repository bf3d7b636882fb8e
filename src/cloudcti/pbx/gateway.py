"""``GatewayRuntime``: one gateway's connection to its Cloud PBX, and its state.

States: ``disabled`` → ``connecting`` → ``connected`` (every host's channel open) or
``degraded`` (some hosts down, or subscriptions resyncing); ``auth_failed`` (the monitoring
user was rejected: at most 3 rejected requests in total, each attempt a single profile GET,
then nothing until the configuration changes); ``error`` (e.g. another installation took the
channel set over). Per monitored line the channel set keeps one subscription per package of
``LINE_PACKAGES`` with the line's user as target; their snapshots (on subscribe and on every
resync) reach ``on_event`` like any event: a ``CallSnapshotEvent`` replaces the line's calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from cloudcti.pbx.channels import (
    MAX_IN_FLIGHT,
    Delivery,
    EventChannelSet,
    OnDelivery,
    SubscriptionSpec,
)
from cloudcti.pbx.client import MAX_ATTEMPTS, XsiClient
from cloudcti.pbx.errors import XsiAuthError, XsiCredentialRejectedError, XsiTransportError
from cloudcti.pbx.log import Direction, PbxLog
from cloudcti.pbx.transport import (
    BasicCredentials,
    Credentials,
    ProxyConfig,
    Transport,
    TransportSettings,
)
from cloudcti.xsi import (
    CallSnapshotEvent,
    ChannelConfig,
    ChannelTerminationReason,
    EventPackage,
    RemoteProtocolError,
    Service,
    VoiceMessaging,
    delete_subscription,
    get_service,
    list_subscriptions,
    parse_subscription_list,
    parse_voice_messaging,
    subscribe_enterprise,
    subscribe_group,
    subscribe_user,
)

LINE_PACKAGES: tuple[EventPackage, ...] = (
    EventPackage.ADVANCED_CALL,
    EventPackage.CALL_FORWARDING_ALWAYS,
    EventPackage.CALL_FORWARDING_BUSY,
    EventPackage.CALL_FORWARDING_NO_ANSWER,
    EventPackage.DO_NOT_DISTURB,
    EventPackage.REMOTE_OFFICE,
    EventPackage.SIMULTANEOUS_RING_PERSONAL,
    EventPackage.VOICE_MESSAGING,
)
"""What each monitored line is subscribed to (the monitoring model, DESIGN.md)."""


class GatewayState(StrEnum):
    """The state of one gateway's PBX connection (``/readyz`` and the admin page show it)."""

    DISABLED = "disabled"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DEGRADED = "degraded"
    AUTH_FAILED = "auth_failed"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Identity:
    """``channelSetId`` and ``applicationId`` of this installation, kept across restarts."""

    channel_set_id: str
    application_id: str

    @classmethod
    def load(cls, data_dir: Path) -> Identity:
        """The identity stored in ``data_dir``, created (unique) on first use."""
        path = data_dir / "pbx-identity.json"
        if path.is_file():
            stored = json.loads(path.read_text("utf-8"))
            return cls(str(stored["channel_set_id"]), str(stored["application_id"]))
        unique = uuid.uuid4().hex
        identity = cls(f"cloudcti-{unique}", f"cloudcti-{unique[:12]}")
        data_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(
                {
                    "channel_set_id": identity.channel_set_id,
                    "application_id": identity.application_id,
                }
            ),
            "utf-8",
        )
        return identity

    @classmethod
    def ephemeral(cls) -> Identity:
        """A fresh identity for one run (tests, ``pbx watch``)."""
        unique = uuid.uuid4().hex
        return cls(f"cloudcti-{unique}", f"cloudcti-{unique[:12]}")


@dataclass(frozen=True, slots=True)
class GatewayConfig:
    """What the runtime needs of a gateway's configuration."""

    name: str
    xsi_urls: tuple[str, ...]
    username: str
    password: str = field(repr=False)
    proxy: ProxyConfig | None = None
    ca_file: str | None = None
    disabled: bool = False
    event_timeout_s: float = 30.0
    channel: ChannelConfig | None = None
    """Full timing override (tests); default: derived from ``event_timeout_s``."""
    auth_retry_s: float = 60.0
    """Wait between two implicit login attempts after a rejection."""
    error_retry_s: float = 10.0
    """First wait after a network failure before the login attempt is repeated (doubles)."""
    channel_expires: int = 3600
    subscription_expires: int = 3600
    max_in_flight: int = MAX_IN_FLIGHT
    """Events handed to the application and not yet acked before the channels stop reading."""

    @property
    def credentials(self) -> BasicCredentials:
        """The monitoring user's credential."""
        return BasicCredentials(self.username, self.password)

    def channel_config(self) -> ChannelConfig:
        """The channel timings for this gateway."""
        if self.channel is not None:
            return self.channel
        timeout = self.event_timeout_s
        return ChannelConfig(event_timeout=timeout, silence_timeout=timeout * 1.5)


OnState = Callable[[GatewayState, str], None]
OnVoiceMessaging = Callable[[str, VoiceMessaging], Awaitable[None] | None]


def _auth_message(username: str, summary: str, attempts: int) -> str:
    told = f" ({summary})" if summary else ""
    text = (
        f"The Cloud PBX rejected the monitoring user {username}{told}. If its password was "
        "changed in the Cloud PBX portal, no line of this gateway is monitored until the new "
        "password is entered in the gateway's configuration."
    )
    if attempts >= MAX_ATTEMPTS:
        return text + f" {attempts} attempts failed; nothing more is tried until then."
    return text + f" Attempt {attempts} of {MAX_ATTEMPTS} failed."


class GatewayRuntime:
    """Keeps one gateway connected: login attempt, channel set, line subscriptions, state."""

    def __init__(
        self,
        config: GatewayConfig,
        on_event: OnDelivery,
        *,
        identity: Identity | None = None,
        on_state: OnState | None = None,
        on_voice_messaging: OnVoiceMessaging | None = None,
        log: PbxLog | None = None,
        transport: Transport | None = None,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config
        self.identity = identity or Identity.ephemeral()
        self.on_event = on_event
        self.on_state = on_state
        self.on_voice_messaging = on_voice_messaging
        self.log = log or PbxLog(config.name)
        self.clock = clock
        self.rng = rng or random.Random()
        self.state = GatewayState.CONNECTING
        self.reason = ""
        self.profile_user: str | None = None
        self.channel_set: EventChannelSet | None = None
        self._transport = transport
        self._specs: dict[str, SubscriptionSpec] = {}
        self._line_credentials: dict[str, Credentials] = {}
        self._resyncing: set[str] = set()
        self._changed = asyncio.Event()
        self._closed = False
        self.client = self._new_client()
        self._state_changed = asyncio.Condition()

    # --- configuration ------------------------------------------------------------------------

    def _new_client(self) -> XsiClient:
        config = self.config
        self.log.add_secret(config.password)
        if config.proxy is not None:
            self.log.add_secret(config.proxy.password)
        settings = TransportSettings(proxy=config.proxy, ca_file=config.ca_file)
        return XsiClient(
            config.xsi_urls,
            config.credentials,
            transport=self._transport,
            settings=settings,
            log=self.log,
        )

    async def update_config(self, config: GatewayConfig) -> None:
        """Apply a changed configuration (e.g. a new password): reconnect with it."""
        old_client, self.config = self.client, config
        self.client = self._new_client()
        self.client.guard = old_client.guard  # the rejection count stays with the credential
        self._changed.set()
        if self.channel_set is not None:
            await self.channel_set.close()
        await old_client.aclose()

    def set_lines(
        self, users: Iterable[str], credentials: Mapping[str, Credentials] | None = None
    ) -> None:
        """Monitor exactly these PBX users (lines); ``credentials``: the lines' own, for R12."""
        wanted = {u: None for u in users}
        self._line_credentials = dict(credentials or {})
        for key, spec in list(self._specs.items()):
            if spec.line is not None and spec.line not in wanted and "|" in key:
                self._drop(key)
        for user in wanted:
            for package in LINE_PACKAGES:
                key = f"{user}|{package}"
                if key not in self._specs:
                    request = subscribe_user(
                        user,
                        package,
                        channel_set_id=self.identity.channel_set_id,
                        expires=self.config.subscription_expires,
                        application_id=self.identity.application_id,
                    )
                    self._keep(SubscriptionSpec(key, request, line=user))

    def watch_enterprise(self, enterprise_id: str, group_id: str | None = None) -> None:
        """Subscribe to Advanced Call of a whole enterprise or group (no snapshots)."""
        set_id, app_id = self.identity.channel_set_id, self.identity.application_id
        expires = self.config.subscription_expires
        package = EventPackage.ADVANCED_CALL
        if group_id is None:
            request = subscribe_enterprise(
                enterprise_id,
                package,
                channel_set_id=set_id,
                expires=expires,
                application_id=app_id,
            )
            key = f"enterprise:{enterprise_id}"
        else:
            request = subscribe_group(
                enterprise_id,
                group_id,
                package,
                channel_set_id=set_id,
                expires=expires,
                application_id=app_id,
            )
            key = f"group:{enterprise_id}/{group_id}"
        self._keep(SubscriptionSpec(key, request, snapshot_on_refresh=False))

    def _keep(self, spec: SubscriptionSpec) -> None:
        self._specs[spec.key] = spec
        if self.channel_set is not None and not self.channel_set.stopped:
            self.channel_set.add(spec)

    def _drop(self, key: str) -> None:
        spec = self._specs.pop(key, None)
        if spec is not None and spec.line is not None:
            self._resyncing.discard(spec.line)
        if self.channel_set is not None and not self.channel_set.stopped:
            self.channel_set.remove(key)

    # --- state --------------------------------------------------------------------------------

    def _set_state(self, state: GatewayState, reason: str = "") -> None:
        if (state, reason) == (self.state, self.reason):
            return
        self.state, self.reason = state, reason
        self.log.add(Direction.STATE, f"gateway {state.value}", reason)
        if self.on_state is not None:
            self.on_state(state, reason)
        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        async with self._state_changed:
            self._state_changed.notify_all()

    async def wait_for(self, predicate: Callable[[GatewayRuntime], bool], timeout: float) -> None:
        """Wait until ``predicate(self)`` holds (checked on every state change)."""
        async with asyncio.timeout(timeout), self._state_changed:
            await self._state_changed.wait_for(lambda: predicate(self))

    def _channel_state(self) -> None:
        channels = self.channel_set
        if channels is None or channels.stopped or self._closed:
            return
        hosts, up = len(self.config.xsi_urls), len(channels.open_hosts)
        if up == 0:
            self._set_state(GatewayState.CONNECTING, "opening the event channels")
        elif up < hosts:
            self._set_state(GatewayState.DEGRADED, f"{hosts - up} of {hosts} Xsi hosts down")
        elif channels.pending:
            self._set_state(GatewayState.DEGRADED, f"subscribing {channels.pending} lines/packages")
        elif self._resyncing:
            self._set_state(GatewayState.DEGRADED, f"resyncing {len(self._resyncing)} lines")
        else:
            self._set_state(GatewayState.CONNECTED, f"{hosts} event channels open")

    # --- running ------------------------------------------------------------------------------

    async def run(self) -> None:
        """Keep the gateway connected until ``close``."""
        error_wait = self.config.error_retry_s
        while not self._closed:
            self._changed.clear()
            config, client = self.config, self.client
            if config.disabled:
                self._set_state(GatewayState.DISABLED, "the gateway is disabled")
                await self._changed.wait()
                continue
            creds = config.credentials
            if client.guard.rejections(creds) >= MAX_ATTEMPTS:
                self._auth_failed(client)
                await self._changed.wait()
                continue
            self._set_state(GatewayState.CONNECTING, "checking the monitoring user")
            try:
                profile = await client.probe()
            except (XsiAuthError, XsiCredentialRejectedError):
                await self._after_rejection(client)
                continue
            except (XsiTransportError, RemoteProtocolError) as error:
                self._set_state(GatewayState.ERROR, f"cannot reach the Cloud PBX: {error}")
                await self._wait_change(error_wait * (0.5 + self.rng.random() / 2))
                error_wait = min(error_wait * 2, 300.0)
                continue
            error_wait = config.error_retry_s
            self.profile_user = profile.user_id
            reason = await self._run_channels(client)
            if self._closed or self._changed.is_set():
                continue
            if client.guard.blocked(creds):
                await self._after_rejection(client)
            elif ChannelTerminationReason.DUPLICATE_CHANNEL_SET in reason:
                self._set_state(
                    GatewayState.ERROR,
                    "another cloudcti installation with the same channel set took the events "
                    f"over (DuplicateChannelSet); not reconnecting ({reason})",
                )
                await self._changed.wait()
            elif ChannelTerminationReason.USER_DELETED in reason:
                self._set_state(
                    GatewayState.ERROR, f"the monitoring user was deleted in the PBX ({reason})"
                )
                await self._changed.wait()
            else:
                self._set_state(GatewayState.ERROR, f"event channels stopped: {reason}")
                await self._wait_change(error_wait)

    async def _run_channels(self, client: XsiClient) -> str:
        config = self.config
        channels = EventChannelSet(
            client,
            self.identity.channel_set_id,
            self._deliver,
            application_id=self.identity.application_id,
            config=config.channel_config(),
            channel_expires=config.channel_expires,
            subscription_expires=config.subscription_expires,
            on_resync=self._on_resync,
            on_change=self._channel_state,
            clock=self.clock,
            rng=self.rng,
            max_in_flight=config.max_in_flight,
        )
        self.channel_set = channels
        self._resyncing = {s.line for s in self._specs.values() if s.line is not None}
        await self._drop_leftovers(client)
        for spec in self._specs.values():
            channels.add(spec)
        for line in self._line_credentials:
            self._reread_voice_messaging(line)  # R12: the redirect is in no event
        self._channel_state()
        try:
            return await channels.run()
        finally:
            if self.channel_set is channels:
                self.channel_set = None

    async def _after_rejection(self, client: XsiClient) -> None:
        creds = self.config.credentials
        self._auth_failed(client)
        if client.guard.rejections(creds) >= MAX_ATTEMPTS:
            await self._changed.wait()
        else:
            await self._wait_change(self.config.auth_retry_s)

    def _auth_failed(self, client: XsiClient) -> None:
        creds = self.config.credentials
        summary = client.guard.reason(creds) or ""
        attempts = client.guard.rejections(creds)
        self._set_state(GatewayState.AUTH_FAILED, _auth_message(creds.username, summary, attempts))

    async def _wait_change(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), seconds)

    async def _drop_leftovers(self, client: XsiClient) -> None:
        """Delete subscriptions of our channel set left by an earlier run (crash, restart):
        created anew they would deliver every event twice."""
        try:
            response = await client.send(list_subscriptions())
            found = parse_subscription_list(response.body)
        except (XsiTransportError, RemoteProtocolError) as error:
            self.log.add(Direction.STATE, "could not list old subscriptions", str(error))
            return
        for old in found:
            if old.channel_set_id == self.identity.channel_set_id:
                with contextlib.suppress(XsiTransportError):
                    await client.send(delete_subscription(old.subscription_id))

    async def _deliver(self, delivery: Delivery) -> None:
        event = delivery.event
        if isinstance(event, CallSnapshotEvent) and self._resyncing:
            target = (event.envelope.target_id or event.envelope.user_id).lower()
            line = next((x for x in self._resyncing if x.lower() == target), None)
            if line is not None:
                self._resyncing.discard(line)
                self._channel_state()
        result = self.on_event(delivery)
        if result is not None:
            await result

    def _on_resync(self, spec: SubscriptionSpec | None, reason: str) -> None:
        del reason
        if spec is None:
            return
        call_package = spec.key.endswith(f"|{EventPackage.ADVANCED_CALL}")
        if spec.snapshot_on_refresh and spec.line is not None and call_package:
            self._resyncing.add(spec.line)
            self._channel_state()
        if spec.line is not None and spec.key.endswith(f"|{EventPackage.VOICE_MESSAGING}"):
            self._reread_voice_messaging(spec.line)

    def _reread_voice_messaging(self, line: str) -> None:
        creds = self._line_credentials.get(line)
        if creds is None or self.on_voice_messaging is None or self.client.guard.blocked(creds):
            return
        asyncio.get_running_loop().create_task(self._voice_messaging(line, creds))

    async def _voice_messaging(self, line: str, creds: Credentials) -> None:
        try:
            response = await self.client.send(
                get_service(line, Service.VOICE_MESSAGING), credentials=creds, line=line
            )
            settings = parse_voice_messaging(response.body)
        except (XsiTransportError, RemoteProtocolError) as error:
            self.log.add(Direction.STATE, f"voice messaging of {line} not readable", str(error))
            return
        if self.on_voice_messaging is not None:
            result = self.on_voice_messaging(line, settings)
            if result is not None:
                await result

    async def close(self) -> None:
        """Delete the subscriptions and channels and stop."""
        self._closed = True
        self._changed.set()
        if self.channel_set is not None:
            await self.channel_set.close()
        await self.client.aclose()


def with_password(config: GatewayConfig, password: str) -> GatewayConfig:
    """``config`` with a new monitoring password."""
    return replace(config, password=password)


__all__ = [
    "LINE_PACKAGES",
    "GatewayConfig",
    "GatewayRuntime",
    "GatewayState",
    "Identity",
    "OnState",
    "with_password",
]
