"""Dialing parameters ("Wahlparameter"): CRUD, ``explain`` and ``derive-internal-length``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace

from cloudcti.app._store import new_id, store_errors
from cloudcti.app.errors import ConflictError, FieldError, InvalidInputError, NotFoundError
from cloudcti.domain.numbers import (
    AdvancedSettings,
    Context,
    DialFormat,
    DialingParameters,
    Directory,
    Explanation,
    NumberError,
    derive_internal_length,
    explain,
)
from cloudcti.store import DialingParametersRecord, Store, Transaction

__all__ = [
    "ADVANCED_SETTINGS",
    "DerivedLength",
    "DialingParametersService",
    "DialingParametersSpec",
    "DialingParametersView",
    "to_domain",
]

ADVANCED_SETTINGS: tuple[str, ...] = tuple(f.name for f in fields(AdvancedSettings))
"""The named settings that replace the seed's ``Flags=16`` (``domain.numbers``)."""

_DEFAULT_ADVANCED = {name: getattr(AdvancedSettings(), name) for name in ADVANCED_SETTINGS}


@dataclass(frozen=True, slots=True)
class DialingParametersSpec:
    """What an admin writes; the defaults are the DeutschlandLAN Cloud PBX preset."""

    name: str
    country_code: str = "49"
    area_code: str = ""
    base_number: str = ""
    internal_number_length: int = 4
    outside_line_prefix: str = ""
    dial_format: str = DialFormat.E164.value
    advanced: Mapping[str, bool] = field(default_factory=lambda: dict(_DEFAULT_ADVANCED))


@dataclass(frozen=True, slots=True)
class DialingParametersView:
    """A stored set as the API shows it; ``advanced`` names every setting."""

    id: str
    name: str
    country_code: str
    area_code: str
    base_number: str
    internal_number_length: int
    outside_line_prefix: str
    dial_format: str
    advanced: Mapping[str, bool]


@dataclass(frozen=True, slots=True)
class DerivedLength:
    """The derived internal number length and the extensions it was derived from."""

    internal_number_length: int
    extensions_considered: tuple[str, ...]


def to_domain(record: DialingParametersRecord) -> DialingParameters:
    """The domain's value for a stored set (unknown advanced names are ignored)."""
    advanced = {k: v for k, v in record.advanced.items() if k in ADVANCED_SETTINGS}
    return DialingParameters(
        country_code=record.country_code,
        area_code=record.area_code,
        base_number=record.base_number,
        internal_number_length=record.internal_number_length,
        outside_line_prefix=record.outside_line_prefix,
        dial_format=DialFormat(record.dial_format),
        advanced=AdvancedSettings(**advanced),
    )


def _validate(spec: DialingParametersSpec) -> DialingParametersSpec:
    errors: list[FieldError] = []
    if not spec.name.strip():
        errors.append(FieldError("name", "must not be empty"))
    if not spec.country_code.isdigit():
        errors.append(FieldError("country_code", "digits only, without + or 00 (e.g. 49)"))
    for name in ("area_code", "base_number", "outside_line_prefix"):
        value = getattr(spec, name)
        if value and not value.isdigit():
            errors.append(FieldError(name, "digits only (or empty)"))
    if not 1 <= spec.internal_number_length <= 15:
        errors.append(FieldError("internal_number_length", "must be between 1 and 15"))
    if spec.dial_format not in {f.value for f in DialFormat}:
        errors.append(FieldError("dial_format", "must be e164 or national"))
    for key in spec.advanced:
        if key not in ADVANCED_SETTINGS:
            errors.append(FieldError(f"advanced.{key}", "unknown setting"))
    if not errors:
        try:
            DialingParameters(
                country_code=spec.country_code,
                internal_number_length=spec.internal_number_length,
            )
        except NumberError as error:
            errors.append(FieldError("country_code", str(error)))
    if errors:
        raise InvalidInputError(errors)
    return spec


def _record(id: str, spec: DialingParametersSpec) -> DialingParametersRecord:
    return DialingParametersRecord(
        id=id,
        name=spec.name.strip(),
        country_code=spec.country_code,
        area_code=spec.area_code,
        base_number=spec.base_number,
        internal_number_length=spec.internal_number_length,
        outside_line_prefix=spec.outside_line_prefix,
        dial_format=spec.dial_format,
        advanced={**_DEFAULT_ADVANCED, **spec.advanced},
    )


def _view(r: DialingParametersRecord) -> DialingParametersView:
    advanced = {**_DEFAULT_ADVANCED, **r.advanced}
    return DialingParametersView(
        id=r.id,
        name=r.name,
        country_code=r.country_code,
        area_code=r.area_code,
        base_number=r.base_number,
        internal_number_length=r.internal_number_length,
        outside_line_prefix=r.outside_line_prefix,
        dial_format=r.dial_format,
        advanced=advanced,
    )


async def _get(tx: Transaction, id: str) -> DialingParametersRecord:
    record = await tx.dialing_parameters.get(id)
    if record is None:
        raise NotFoundError(f"no dialing parameters {id}")
    return record


async def directory_for(tx: Transaction, dialing_parameters_id: str) -> Directory:
    """The extensions (and E.164 numbers) of every line of the gateways using the set."""
    extensions: dict[str, str | None] = {}
    for gateway in await tx.gateways.all():
        if gateway.dialing_parameters_id == dialing_parameters_id:
            for line in await tx.lines.all(gateway_id=gateway.id):
                if line.extension:
                    extensions[line.extension] = line.number
    return Directory(extensions)


class DialingParametersService:
    """Sets of dialing parameters and the number tools built on them."""

    def __init__(self, store: Store) -> None:
        self._store = store

    async def list(self) -> list[DialingParametersView]:
        """Every set, by name."""
        async with self._store.transaction() as tx:
            return [_view(r) for r in await tx.dialing_parameters.all()]

    async def get(self, id: str) -> DialingParametersView:
        """One set; ``NotFoundError`` if unknown."""
        async with self._store.transaction() as tx:
            return _view(await _get(tx, id))

    async def spec(self, id: str) -> DialingParametersSpec:
        """The stored set as a spec (the base a PATCH is merged into)."""
        view = await self.get(id)
        return DialingParametersSpec(
            name=view.name,
            country_code=view.country_code,
            area_code=view.area_code,
            base_number=view.base_number,
            internal_number_length=view.internal_number_length,
            outside_line_prefix=view.outside_line_prefix,
            dial_format=view.dial_format,
            advanced=view.advanced,
        )

    async def create(self, spec: DialingParametersSpec) -> DialingParametersView:
        """Store a new set; ``ConflictError`` if the name is taken."""
        record = _record(new_id(), _validate(spec))
        async with self._store.transaction() as tx:
            with store_errors(f"dialing parameters named {record.name!r} exist already"):
                await tx.dialing_parameters.add(record)
        return _view(record)

    async def replace(self, id: str, spec: DialingParametersSpec) -> DialingParametersView:
        """Replace a set; ``NotFoundError``/``ConflictError``."""
        record = _record(id, _validate(spec))
        async with self._store.transaction() as tx:
            await _get(tx, id)
            with store_errors(f"dialing parameters named {record.name!r} exist already"):
                await tx.dialing_parameters.update(record)
        return _view(record)

    async def delete(self, id: str) -> None:
        """Delete a set; ``ConflictError`` while a gateway uses it."""
        async with self._store.transaction() as tx:
            await _get(tx, id)
            users = [g.name for g in await tx.gateways.all() if g.dialing_parameters_id == id]
            if users:
                raise ConflictError(f"the dialing parameters are used by gateway {users[0]!r}")
            with store_errors("the dialing parameters are in use"):
                await tx.dialing_parameters.delete(id)

    async def explain(self, id: str, number: str, context: str) -> Explanation:
        """How ``number`` is treated in ``context`` (dial, incoming, display), step by step."""
        try:
            ctx = Context(context)
        except ValueError:
            raise InvalidInputError.field("context", "must be dial, incoming or display") from None
        async with self._store.transaction() as tx:
            record = await _get(tx, id)
            directory = await directory_for(tx, id)
        return explain(number, ctx, to_domain(record), directory)

    async def derive_internal_length(self, id: str) -> DerivedLength:
        """Set the internal number length from the longest extension of the lines of the
        gateways using the set (R6); ``ConflictError`` when no such line has an extension."""
        async with self._store.transaction() as tx:
            record = await _get(tx, id)
            directory = await directory_for(tx, id)
            extensions = tuple(sorted(e for e in directory.extensions if e.isdigit()))
            if not extensions:
                raise ConflictError(
                    "no line of a gateway using these dialing parameters has an extension"
                )
            length = derive_internal_length(extensions)
            await tx.dialing_parameters.update(replace(record, internal_number_length=length))
        return DerivedLength(length, extensions)
