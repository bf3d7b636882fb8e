"""One repository per stored aggregate, each over an ``AsyncConnection`` in a transaction."""

from __future__ import annotations

from cloudcti.store.repositories.carried_calls import CarriedCallsRepository
from cloudcti.store.repositories.dialing import DialingParametersRepository
from cloudcti.store.repositories.frames import FramesRepository
from cloudcti.store.repositories.gateways import GatewaysRepository
from cloudcti.store.repositories.idempotency import IdempotencyRepository
from cloudcti.store.repositories.installation import InstallationIdentity, InstallationRepository
from cloudcti.store.repositories.journal import JournalRepository
from cloudcti.store.repositories.lines import LinesRepository
from cloudcti.store.repositories.locations import LocationsRepository
from cloudcti.store.repositories.rights import RightsRepository
from cloudcti.store.repositories.secrets import SecretsRepository
from cloudcti.store.repositories.tokens import TokensRepository
from cloudcti.store.repositories.users import UsersRepository
from cloudcti.store.repositories.voice_portals import VoicePortalsRepository
from cloudcti.store.repositories.xsi_events import ProcessedEventsRepository

__all__ = [
    "CarriedCallsRepository",
    "DialingParametersRepository",
    "FramesRepository",
    "GatewaysRepository",
    "IdempotencyRepository",
    "InstallationIdentity",
    "InstallationRepository",
    "JournalRepository",
    "LinesRepository",
    "LocationsRepository",
    "ProcessedEventsRepository",
    "RightsRepository",
    "SecretsRepository",
    "TokensRepository",
    "UsersRepository",
    "VoicePortalsRepository",
]
