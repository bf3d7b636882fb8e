"""Small readers for parsed Xsi elements: children by local name, typed leaf values.

Every reader raises :class:`RemoteProtocolError` on a missing or malformed value, so the
decoders built on them never leak ``ValueError`` or ``KeyError``. Only children in the Xsi
namespace are seen; anything else (and any unknown Xsi child) is ignored.
"""

from __future__ import annotations

from lxml import etree

from cloudcti.xsi._errors import RemoteProtocolError
from cloudcti.xsi._xml import XSI_NS

_PREFIX = f"{{{XSI_NS}}}"
_PREFIX_LEN = len(_PREFIX)

Children = dict[str, etree._Element]


def local_name(element: etree._Element) -> str | None:
    """The local name of an element in the Xsi namespace, else ``None``."""
    tag = element.tag
    if type(tag) is str and tag.startswith(_PREFIX):
        return tag[_PREFIX_LEN:]
    return None


def children(element: etree._Element) -> Children:
    """Xsi children by local name (the first of each name wins, as the spec says)."""
    found: Children = {}
    for child in element:
        tag = child.tag
        if type(tag) is str and tag.startswith(_PREFIX):
            found.setdefault(tag[_PREFIX_LEN:], child)
    return found


def children_named(element: etree._Element, name: str) -> list[etree._Element]:
    """All Xsi children called ``name``, in document order."""
    tag = _PREFIX + name
    return [child for child in element if child.tag == tag]


def text(kids: Children, name: str, where: str) -> str:
    """The non-empty, stripped text of a required child."""
    element = kids.get(name)
    if element is None:
        raise RemoteProtocolError(f"{where}: {name} is missing")
    value = (element.text or "").strip()
    if not value:
        raise RemoteProtocolError(f"{where}: {name} is empty")
    return value


def opt_text(kids: Children, name: str) -> str | None:
    """The stripped text of an optional child; ``None`` if absent, empty or nil."""
    element = kids.get(name)
    if element is None or element.text is None:
        return None
    return element.text.strip() or None


def integer(kids: Children, name: str, where: str) -> int:
    """A required integer child."""
    value = text(kids, name, where)
    try:
        return int(value)
    except ValueError:
        raise RemoteProtocolError(f"{where}: {name} is not an integer: {value[:40]!r}") from None


def opt_integer(kids: Children, name: str, where: str) -> int | None:
    """An optional integer child."""
    if opt_text(kids, name) is None:
        return None
    return integer(kids, name, where)


_BOOLEANS = {"true": True, "1": True, "false": False, "0": False}


def boolean(kids: Children, name: str, where: str) -> bool:
    """A required ``xs:boolean`` child."""
    value = text(kids, name, where)
    try:
        return _BOOLEANS[value]
    except KeyError:
        raise RemoteProtocolError(f"{where}: {name} is not a boolean: {value[:40]!r}") from None


def opt_boolean(kids: Children, name: str, where: str) -> bool | None:
    """An optional ``xs:boolean`` child."""
    if opt_text(kids, name) is None:
        return None
    return boolean(kids, name, where)


def flag(kids: Children, name: str) -> bool:
    """An empty marker element such as ``<allowAnswer/>``: present or not."""
    return name in kids
