"""Locations: client special parameters (R10) and journal retention."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cloudcti.app._store import new_id, store_errors
from cloudcti.app.errors import FieldError, InvalidInputError, NotFoundError
from cloudcti.store import LocationRecord, Store, Transaction

__all__ = ["DEFAULT_LOCATION_PARAMETERS", "LocationSpec", "LocationView", "LocationsService"]

DEFAULT_LOCATION_PARAMETERS: Mapping[str, str | bool] = {
    "Telephony.VoiceMailNumber": "*86",
    "Telephony.OverrideVoiceMailNumber": False,
}
"""R10: the voicemail number for the clients, and whether it wins over the server's own."""


@dataclass(frozen=True, slots=True)
class LocationSpec:
    """What an admin writes about a location."""

    name: str
    parameters: Mapping[str, str | bool] = field(
        default_factory=lambda: dict(DEFAULT_LOCATION_PARAMETERS)
    )
    journal_retention_days: int = 90


@dataclass(frozen=True, slots=True)
class LocationView:
    """A location as the API shows it."""

    id: str
    name: str
    parameters: Mapping[str, str | bool]
    journal_retention_days: int


def _check(spec: LocationSpec) -> LocationSpec:
    errors: list[FieldError] = []
    if not spec.name.strip():
        errors.append(FieldError("name", "must not be empty"))
    if not 1 <= spec.journal_retention_days <= 3650:
        errors.append(FieldError("journal_retention_days", "must be between 1 and 3650"))
    for name, value in spec.parameters.items():
        if not name.strip():
            errors.append(FieldError("parameters", "a parameter name must not be empty"))
        elif isinstance(value, str) and len(value) > 500:
            errors.append(FieldError(f"parameters.{name}", "at most 500 characters"))
    if errors:
        raise InvalidInputError(errors)
    return LocationSpec(spec.name.strip(), dict(spec.parameters), spec.journal_retention_days)


def _view(r: LocationRecord) -> LocationView:
    return LocationView(r.id, r.name, dict(r.parameters), r.journal_retention_days)


async def _get(tx: Transaction, id: str) -> LocationRecord:
    record = await tx.locations.get(id)
    if record is None:
        raise NotFoundError(f"no location {id}")
    return record


class LocationsService:
    """Locations: CRUD."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def list(self) -> list[LocationView]:
        """Every location, by name."""
        async with self._store.transaction() as tx:
            return [_view(r) for r in await tx.locations.all()]

    async def get(self, id: str) -> LocationView:
        """One location; ``NotFoundError`` if unknown."""
        async with self._store.transaction() as tx:
            return _view(await _get(tx, id))

    async def spec(self, id: str) -> LocationSpec:
        """The stored location as a spec (the base a PATCH is merged into)."""
        v = await self.get(id)
        return LocationSpec(v.name, v.parameters, v.journal_retention_days)

    async def create(self, spec: LocationSpec) -> LocationView:
        """Store a new location; ``ConflictError`` if the name is taken."""
        spec = _check(spec)
        record = LocationRecord(new_id(), spec.name, spec.journal_retention_days, spec.parameters)
        async with self._store.transaction() as tx:
            with store_errors(f"a location named {spec.name!r} exists already"):
                await tx.locations.add(record)
        return _view(record)

    async def replace(self, id: str, spec: LocationSpec) -> LocationView:
        """Replace a location."""
        spec = _check(spec)
        record = LocationRecord(id, spec.name, spec.journal_retention_days, spec.parameters)
        async with self._store.transaction() as tx:
            await _get(tx, id)
            with store_errors(f"a location named {spec.name!r} exists already"):
                await tx.locations.update(record)
        return _view(record)

    async def delete(self, id: str) -> None:
        """Delete a location; its users stay, without a location."""
        async with self._store.transaction() as tx:
            await _get(tx, id)
            await tx.locations.delete(id)
