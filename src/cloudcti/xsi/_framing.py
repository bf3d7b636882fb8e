"""The event-channel framer: split the streamed body of an Xsi channel into XML documents.

The XSP writes one document per HTTP chunk, each starting with the XML declaration and with
no separator (PROTOCOL.md §3.2); proxies may re-chunk freely. So documents are found in the
byte stream itself: a document starts at ``<?xml`` and is complete as soon as its root
element is closed (the end tag ``</name>`` of the root's qualified name, or a self-closing
root), or else when the next ``<?xml`` begins. The first rule hands out the last event
without waiting for the next one; the second keeps a mangled document from swallowing its
successor.

Rules chosen here:

- Whitespace before, between and after documents is discarded. Anything else outside a
  document is a :class:`RemoteProtocolError`: the stream is corrupt and must be reopened.
- The root's name must not recur inside its own document (true of every Xsi channel
  document: ``Channel``, ``ChannelHeartBeat``, ``xsi:Event``). If it did, the document would
  be cut early and fail loudly (the rest becomes stray bytes), never silently.
- A document longer than ``max_document_bytes`` is a :class:`RemoteProtocolError`, so the
  buffer never holds more than the cap plus one chunk.
- Errors are sticky: the stream cannot recover its framing, so the caller reconnects.

Each byte is searched a bounded number of times however the stream is chunked; the searches
are ``bytearray.find`` and precompiled regexes, so the framer stays out of the hot path's way.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator

from cloudcti.xsi._errors import LocalProtocolError, RemoteProtocolError
from cloudcti.xsi._xml import DEFAULT_MAX_DOCUMENT_BYTES

_DECL = b"<?xml"
_NON_WS = re.compile(rb"[^ \t\r\n]")
_NAME_END = re.compile(rb"[ \t\r\n/>]")
_TAG_SPECIAL = re.compile(rb"[\"'>]")

# Phases of the scan of the current document (which always starts at offset 0 of the buffer).
_BETWEEN = 0  # no document started yet: skipping whitespace, expecting "<?xml"
_DECL_END = 1  # inside the XML declaration, looking for "?>"
_ROOT_START = 2  # in the prolog, looking for the root's "<"
_ROOT_NAME = 3  # reading the root's qualified name
_START_TAG = 4  # inside the root's start tag, looking for its ">" (quotes respected)
_END_TAG = 5  # in the root's content, looking for "</name" + optional whitespace + ">"
_OPAQUE = 6  # no root found: the document ends only at the next "<?xml"


class EventStream:
    """Feed the raw bytes of a channel's body; take out complete XML documents, in order.

    A framing error surfaces from ``documents()`` or ``next_document()`` once the documents
    before it are taken; ``feed`` raises it only if the stream was already broken."""

    __slots__ = (
        "_buf",
        "_decl_scan",
        "_end_pattern",
        "_error",
        "_max",
        "_name_start",
        "_phase",
        "_quote",
        "_ready",
        "_root",
        "_scan",
    )

    def __init__(self, max_document_bytes: int = DEFAULT_MAX_DOCUMENT_BYTES) -> None:
        if max_document_bytes < len(_DECL) + 1:
            raise LocalProtocolError("max_document_bytes is too small to hold any document")
        self._max = max_document_bytes
        self._buf = bytearray()
        self._ready: deque[bytes] = deque()
        self._error: RemoteProtocolError | None = None
        self._reset_document()

    def feed(self, chunk: bytes) -> None:
        """Append the next bytes of the stream (any size, any boundary)."""
        if self._error is not None:
            raise self._error
        if chunk:
            self._buf += chunk
            try:
                self._scan_buffer()
            except RemoteProtocolError as exc:
                self._error = exc
                self._buf = bytearray()

    def documents(self) -> Iterator[bytes]:
        """Yield every complete document buffered so far, each from ``<?xml`` to its root's end."""
        while self._ready:
            yield self._ready.popleft()
        if self._error is not None:
            raise self._error

    def next_document(self) -> bytes | None:
        """The next complete document, or ``None`` if none is complete yet."""
        if self._ready:
            return self._ready.popleft()
        if self._error is not None:
            raise self._error
        return None

    def _reset_document(self) -> None:
        self._phase = _BETWEEN
        self._scan = 0
        self._decl_scan = 1
        self._name_start = 0
        self._quote = 0
        self._root = b""
        self._end_pattern = b""

    def _scan_buffer(self) -> None:
        buf = self._buf
        while buf:
            if self._phase == _BETWEEN and not self._start_document():
                return
            # A following declaration bounds this document, whatever its own state.
            limit = len(buf)
            next_decl = buf.find(_DECL, self._decl_scan)
            if next_decl < 0:
                self._decl_scan = max(1, limit - len(_DECL) + 1)
            else:
                limit = next_decl
            end = self._find_end(limit)
            if end < 0:
                if next_decl < 0:
                    if limit > self._max:
                        raise self._too_large(limit)
                    return
                end = next_decl  # incomplete document: let the parser report it
            if end > self._max:
                raise self._too_large(end)
            self._ready.append(bytes(buf[:end]))
            del buf[:end]
            self._reset_document()

    def _start_document(self) -> bool:
        """Skip whitespace up to the next declaration; ``False`` while more bytes are needed."""
        buf = self._buf
        first = _NON_WS.search(buf)
        if first is None:
            buf.clear()
            return False
        del buf[: first.start()]
        head = bytes(buf[: len(_DECL)])
        if head != _DECL:
            if _DECL.startswith(head):
                return False
            raise RemoteProtocolError(f"stray bytes between documents: {head[:20]!r}")
        self._phase = _DECL_END
        self._scan = len(_DECL)
        return True

    def _find_end(self, limit: int) -> int:
        """Offset just past the root element within ``buf[:limit]``, or -1 if not there yet."""
        buf = self._buf
        scan = self._scan
        phase = self._phase
        while True:
            if phase == _DECL_END:
                found = buf.find(b"?>", scan, limit)
                if found < 0:
                    scan = max(scan, limit - 1)
                    break
                phase, scan = _ROOT_START, found + 2
            elif phase == _ROOT_START:
                found = buf.find(b"<", scan, limit)
                if found < 0 or found + 1 >= limit:
                    scan = limit if found < 0 else found
                    break
                if buf[found + 1] in b"!?":
                    scan = found + 1  # a comment or processing instruction in the prolog
                else:
                    phase, scan = _ROOT_NAME, found + 1
                    self._name_start = scan
            elif phase == _ROOT_NAME:
                match = _NAME_END.search(buf, scan, limit)
                if match is None:
                    scan = limit
                    break
                scan = match.start()
                if scan == self._name_start:
                    phase = _OPAQUE
                    continue
                self._root = bytes(buf[self._name_start : scan])
                phase = _START_TAG
            elif phase == _START_TAG:
                if self._quote:
                    found = buf.find(self._quote, scan, limit)
                    if found < 0:
                        scan = limit
                        break
                    self._quote, scan = 0, found + 1
                    continue
                match = _TAG_SPECIAL.search(buf, scan, limit)
                if match is None:
                    scan = limit
                    break
                at = match.start()
                if buf[at] != ord(">"):
                    self._quote, scan = buf[at], at + 1
                elif buf[at - 1] == ord("/"):
                    return at + 1
                else:
                    self._end_pattern = b"</" + self._root
                    phase, scan = _END_TAG, at + 1
            elif phase == _END_TAG:
                pattern = self._end_pattern
                found = buf.find(pattern, scan, limit)
                if found < 0:
                    scan = max(scan, limit - len(pattern) + 1)
                    break
                after = found + len(pattern)
                close = _NON_WS.search(buf, after, limit)
                if close is None:
                    scan = found
                    break
                if buf[close.start()] == ord(">"):
                    return close.start() + 1
                scan = found + 1  # a longer name that merely starts with the root's
            else:
                break
        self._phase, self._scan = phase, scan
        return -1

    def _too_large(self, size: int) -> RemoteProtocolError:
        return RemoteProtocolError(
            f"document of at least {size} bytes exceeds the {self._max}-byte cap"
        )
