"""Store errors → use-case errors, at one place."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from cloudcti.app.errors import ConflictError, NotFoundError
from cloudcti.store import ConflictError as StoreConflict
from cloudcti.store import NotFoundError as StoreNotFound

__all__ = ["new_id", "store_errors"]


def new_id() -> str:
    """A fresh opaque id."""
    return uuid.uuid4().hex


@contextmanager
def store_errors(conflict: str) -> Iterator[None]:
    """Turn the store's conflict and not-found errors into the app's;
    ``conflict`` is the detail people read for a conflict."""
    try:
        yield
    except StoreConflict:
        raise ConflictError(conflict) from None
    except StoreNotFound as error:
        raise NotFoundError(str(error)) from None
