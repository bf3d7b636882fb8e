"""Constrained field types shared by the request models (lengths fit the database)."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, StringConstraints

__all__ = ["INPUT", "Id", "Name", "Password", "ShortText", "Text", "Url"]

_PRINTABLE = r"^[^\x00-\x1f\x7f]*$"

INPUT = ConfigDict(extra="forbid")
"""Request models reject unknown fields, so a typo is a 422 naming it, not silently lost."""

Id = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=_PRINTABLE)]
Name = Annotated[str, StringConstraints(max_length=200, pattern=_PRINTABLE)]
ShortText = Annotated[str, StringConstraints(max_length=40, pattern=_PRINTABLE)]
Text = Annotated[str, StringConstraints(max_length=500, pattern=_PRINTABLE)]
Url = Annotated[str, StringConstraints(min_length=1, max_length=500, pattern=_PRINTABLE)]
Password = Annotated[str, StringConstraints(min_length=1, max_length=500)]
