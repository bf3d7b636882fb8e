"""``CloudCti``: one installation's store, runtimes and services, opened and closed together."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from cloudcti.app.auth import AuthService
from cloudcti.app.call_services import CallServices
from cloudcti.app.clock import Clock, system_clock
from cloudcti.app.contacts import ContactsService
from cloudcti.app.dialing import DialingParametersService
from cloudcti.app.errors import AppError
from cloudcti.app.forwarding import ForwardingService
from cloudcti.app.gateways import GatewaysService
from cloudcti.app.line_watch import LineWatch
from cloudcti.app.lines import LinesService
from cloudcti.app.live import LiveService
from cloudcti.app.locations import LocationsService
from cloudcti.app.pbx_adapter import PbxAdapter
from cloudcti.app.pbx_attempts import PbxAttempts
from cloudcti.app.pbx_credentials import NoPbxLogin, PbxCredentialsService
from cloudcti.app.pbx_login_checks import PbxLoginChecks
from cloudcti.app.ports import PbxActions, PbxLogin, PbxPort, Status
from cloudcti.app.presence import PresenceService
from cloudcti.app.retention import RetentionJob
from cloudcti.app.rights import RightsService
from cloudcti.app.runtimes import Runtimes
from cloudcti.app.service_reads import ServiceReads
from cloudcti.app.user_pbx import NoPbxActions, UserPbx
from cloudcti.app.users import UsersService
from cloudcti.app.voice_portal import VoicePortalWatch
from cloudcti.store import Store, StoreError, load_keyring
from cloudcti.store.passwords import PasswordHashing

__all__ = ["CloudCti", "GatewayHealth", "Readiness", "Settings", "StartupError"]


class StartupError(AppError):
    """The installation cannot be opened (key, database); ``detail`` says why."""

    slug = "startup-failed"
    title = "Cannot start"


@dataclass(frozen=True, slots=True)
class Settings:
    """How to open an installation (CONTRACT.md §1 ``serve``)."""

    data_dir: Path = Path("data")
    database_url: str | None = None
    token_ttl_s: int = 12 * 3600
    login_failures_per_user: int = 5
    login_failures_per_client: int = 30
    login_failure_window_s: int = 300
    environ: Mapping[str, str] | None = None
    hashing: PasswordHashing | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class GatewayHealth:
    """A gateway's state in ``/readyz``."""

    id: str
    name: str
    state: str
    state_reason: str


@dataclass(frozen=True, slots=True)
class Readiness:
    """Whether the database answers, and every gateway's state."""

    database_ok: bool
    database_detail: str
    gateways: tuple[GatewayHealth, ...]


class CloudCti:
    """The services of one installation. Open with ``CloudCti.open``, end with ``close``."""

    def __init__(self, store: Store, settings: Settings, pbx: PbxPort, clock: Clock) -> None:
        self.store = store
        self.settings = settings
        self.clock = clock
        self.live = LiveService(store, clock)
        if isinstance(pbx, PbxAdapter) and pbx.events is None:
            pbx.events = VoicePortalWatch(self.live.pipeline.book, self.live.pipeline.handle)
        self.runtimes = Runtimes(store, pbx, on_sync=self.live.pipeline.gateway_changed)
        self.auth = AuthService(
            store,
            clock,
            token_ttl_s=settings.token_ttl_s,
            max_failures_per_user=settings.login_failures_per_user,
            max_failures_per_client=settings.login_failures_per_client,
            failure_window_s=settings.login_failure_window_s,
        )
        self.dialing_parameters = DialingParametersService(store)
        login: PbxLogin = pbx if isinstance(pbx, PbxLogin) else NoPbxLogin()
        self.pbx_attempts = PbxAttempts(store, self.live.bus)
        self.pbx_login_checks = checks = PbxLoginChecks(store, login, self.pbx_attempts)
        self.runtimes.on_start = checks.gateway_started
        self.lines = LinesService(store, self.runtimes, checks.line_started)
        self.line_watch = LineWatch(store, self.lines, self.live.bus)
        self.pbx_attempts.on_change = self.line_watch.poke
        self.gateways = GatewaysService(store, self.runtimes, self.lines)
        self.users = UsersService(store, checks.line_started)
        self.pbx_credentials = PbxCredentialsService(store, login, self.pbx_attempts)
        actions: PbxActions = pbx if isinstance(pbx, PbxActions) else NoPbxActions()
        self.user_pbx = UserPbx(store, actions, self.live.bus, self.pbx_attempts, checks.settled)
        self.calls = CallServices.wire(store, self.user_pbx, self.live, clock)
        self.locations = LocationsService(store)
        self.retention = RetentionJob(store, clock)
        self.rights = RightsService(store, lambda: self.presence.rights_changed())
        bus, pipeline = self.live.bus, self.live.pipeline
        self.forwarding = ForwardingService(store, self.user_pbx, pipeline, bus, clock)
        self.presence = PresenceService(store, self.lines, pipeline, bus, clock)
        self.contacts = ContactsService(store, self.lines, self.presence)
        self.service_reads = ServiceReads(self.forwarding, pipeline, bus)
        bus.subscribe(self.service_reads.on_message)
        bus.subscribe(self.presence.on_message)

    @classmethod
    async def open(
        cls,
        settings: Settings,
        *,
        pbx: PbxPort | None = None,
        clock: Clock = system_clock,
        start_runtimes: bool = True,
    ) -> CloudCti:
        """Load (or create) the key, open and migrate the database, start the runtimes
        (on ``cloudcti.pbx`` unless another ``pbx`` port is given).

        Raises ``StartupError`` with the reason when the key or the database is unusable."""
        try:
            keyring = load_keyring(settings.data_dir, settings.environ)
            store = await Store.open(
                keyring,
                data_dir=settings.data_dir,
                database_url=settings.database_url,
                hashing=settings.hashing,
            )
        except (StoreError, OSError, ValueError) as error:
            raise StartupError(str(error)) from None
        cti = cls(store, settings, pbx or PbxAdapter(settings.data_dir), clock)
        cti.live.start()
        cti.line_watch.start()
        cti.retention.start()
        if start_runtimes:
            await cti.runtimes.start()
        await cti.presence.start()
        return cti

    async def close(self) -> None:
        """Stop the runtimes and close the database."""
        await self.pbx_login_checks.stop()
        await self.line_watch.stop()
        await self.retention.stop()
        await self.runtimes.stop()
        await self.service_reads.stop()
        await self.presence.stop()
        await self.live.stop()
        await self.store.close()

    async def readiness(self) -> Readiness:
        """Probe the database and collect every gateway's live state."""
        try:
            async with self.store.transaction() as tx:
                await tx.connection.execute(text("SELECT 1"))
                gateways = await tx.gateways.all()
        except Exception as error:  # any failure means "not ready"
            return Readiness(False, type(error).__name__, ())
        health = []
        for gateway in gateways:
            status: Status = self.runtimes.status(gateway)
            health.append(GatewayHealth(gateway.id, gateway.name, status.state, status.reason))
        return Readiness(True, "reachable", tuple(health))
