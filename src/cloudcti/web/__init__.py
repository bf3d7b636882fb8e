"""HTTP: the FastAPI app (``create_app``). Thin: parse, call ``cloudcti.app``, render."""

from __future__ import annotations

from cloudcti.web.app import API_PREFIX, create_app

__all__ = ["API_PREFIX", "create_app"]
