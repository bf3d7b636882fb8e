"""PATCH as merge: the stored resource, overlaid with the fields sent, validated as a whole."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError, create_model
from pydantic.fields import FieldInfo

from cloudcti.app.errors import InvalidInputError
from cloudcti.web.problems import field_errors

__all__ = ["merge", "partial", "validate_merged"]

M = TypeVar("M", bound=BaseModel)
_partials: dict[type[BaseModel], type[BaseModel]] = {}


def merge(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` laid over it; nested objects merge, anything else replaces."""
    merged = dict(base)
    for key, value in changes.items():
        old = merged.get(key)
        if isinstance(value, Mapping) and isinstance(old, Mapping):
            merged[key] = merge(old, value)
        else:
            merged[key] = value
    return merged


def validate_merged(model: type[M], base: Mapping[str, Any], changes: Mapping[str, Any]) -> M:
    """The merged resource as ``model``; ``InvalidInputError`` naming the fields otherwise."""
    try:
        return model.model_validate(merge(base, changes))
    except ValidationError as error:
        raise InvalidInputError(field_errors(error.errors())) from None


def _partial_type(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return partial(annotation)
    if get_origin(annotation) in (Union, type(int | None)):
        args = tuple(_partial_type(a) for a in get_args(annotation))
        return Union[args]  # noqa: UP007 - built from a runtime tuple
    return annotation


def partial(model: type[BaseModel]) -> type[BaseModel]:
    """A PATCH body for ``model``: every field optional, nested objects partial too."""
    if model in _partials:
        return _partials[model]
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        annotation = _partial_type(info.annotation)
        optional = FieldInfo.merge_field_infos(info, default=None, default_factory=None)
        fields[name] = (annotation | None, optional)
    created: type[BaseModel] = create_model(
        f"{model.__name__}Patch",
        __config__=ConfigDict(extra="forbid"),
        __doc__=f"Fields to change (absent ones are kept). {model.__doc__ or ''}",
        **fields,
    )
    _partials[model] = created
    return created
