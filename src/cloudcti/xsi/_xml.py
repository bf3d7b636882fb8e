"""The one XML parse function and the namespaces of Xsi.

Every byte string that comes from the PBX goes through :func:`parse_xml`, so the hardening
lives in one place (DESIGN.md rule 3): no DTD, no entity expansion, no network access, a
size cap. BroadWorks never sends a DTD, so any document that carries one is rejected.
"""

from __future__ import annotations

import threading

from lxml import etree

from cloudcti.xsi._errors import RemoteProtocolError

XSI_NS = "http://schema.broadsoft.com/xsi"
"""The Xsi payload namespace (bound to the prefix ``xsi`` in events)."""

XSI_INSTANCE_NS = "http://www.w3.org/2001/XMLSchema-instance"
"""XML Schema instance (bound to ``xsi1`` in events; to ``xsi`` in some Actions bodies)."""

XSI_TYPE = f"{{{XSI_INSTANCE_NS}}}type"

DEFAULT_MAX_DOCUMENT_BYTES = 1024 * 1024
"""Largest document accepted by default (1 MiB); real events are a few KiB."""

_local = threading.local()


def _parser() -> etree.XMLParser:
    # lxml parsers must not be shared between threads; one per thread is cheap.
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        _local.parser = parser
    return parser


def parse_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES) -> etree._Element:
    """Parse one untrusted XML document; raise :class:`RemoteProtocolError` if it is unsafe
    or malformed (a DTD, entity declarations, more than ``max_bytes`` bytes, bad syntax)."""
    if not isinstance(data, bytes):
        raise RemoteProtocolError(f"expected bytes, got {type(data).__name__}")
    if len(data) > max_bytes:
        raise RemoteProtocolError(f"document of {len(data)} bytes exceeds the {max_bytes}-byte cap")
    try:
        root = etree.fromstring(data, _parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise RemoteProtocolError(f"malformed XML: {exc}") from None
    # Entities can only be declared in a DTD, and the parser expands none and fetches none;
    # rejecting every document that has one leaves no entity to worry about, whatever the
    # encoding (a byte search for "<!DOCTYPE" would miss UTF-16).
    if root.getroottree().docinfo.doctype:
        raise RemoteProtocolError("document type declarations are not allowed")
    return root
