"""A small Xsi client written for the simulator tests (deliberately not cloudcti.xsi).

The event channel is read over a raw socket and the chunked framing decoded by hand, so
every test checks that each chunk carries exactly one complete XML document.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx
from lxml import etree

XSI = "http://schema.broadsoft.com/xsi"
XSI_INSTANCE = "http://www.w3.org/2001/XMLSchema-instance"
TYPE = f"{{{XSI_INSTANCE}}}type"
ACTIONS = "/com.broadsoft.xsi-actions/v2.0"
EVENTS = "/com.broadsoft.xsi-events/v2.0"
ASYNC_CHANNEL = "/com.broadsoft.async/com.broadsoft.xsi-events/v2.0/channel"
WAIT_S = 5.0

Validate = Callable[[bytes], None]


def q(name: str) -> str:
    return f"{{{XSI}}}{name}"


def xsi_type(element: etree._Element) -> str:
    """Local name of ``xsi1:type``, resolved by namespace URI and in-scope prefixes."""
    value = element.get(TYPE)
    assert value is not None, "element without XML-Schema-instance type"
    prefix, _, local = value.rpartition(":")
    assert element.nsmap.get(prefix or None) == XSI, f"type {value} not in the Xsi namespace"
    return local


def text(element: etree._Element | None, path: str) -> str | None:
    if element is None:
        return None
    found = element.find("/".join(q(p) for p in path.split("/")))
    return found.text if found is not None else None


@dataclass
class CallView:
    call_id: str
    ext_tracking_id: str
    personality: str
    state: str
    remote_address: str | None
    remote_user_id: str | None
    call_type: str | None
    releasing_party: str | None
    allow_answer: bool
    element: etree._Element

    @classmethod
    def of(cls, element: etree._Element) -> CallView:
        return cls(
            call_id=text(element, "callId") or "",
            ext_tracking_id=text(element, "extTrackingId") or "",
            personality=text(element, "personality") or "",
            state=text(element, "state") or "",
            remote_address=text(element, "remoteParty/address"),
            remote_user_id=text(element, "remoteParty/userId"),
            call_type=text(element, "remoteParty/callType"),
            releasing_party=text(element, "releasingParty"),
            allow_answer=element.find(q("allowAnswer")) is not None,
            element=element,
        )


@dataclass
class Doc:
    """One document read from a channel stream."""

    raw: bytes
    root: str
    kind: str  # Channel | ChannelHeartBeat | SubscriptionEvent | ChannelTerminatedEvent
    event_type: str | None = None
    event_id: str | None = None
    sequence: int | None = None
    subscription_id: str | None = None
    channel_id: str | None = None
    target_id: str | None = None
    reason: str | None = None
    hook_status: str | None = None
    call: CallView | None = None
    calls: list[CallView] = field(default_factory=list)

    @classmethod
    def parse(cls, raw: bytes) -> Doc:
        element = etree.fromstring(raw)
        local = etree.QName(element).localname
        assert etree.QName(element).namespace == XSI
        if local != "Event":
            return cls(raw, local, local, channel_id=text(element, "channelId"))
        kind = xsi_type(element)
        doc = cls(
            raw,
            local,
            kind,
            event_id=text(element, "eventID"),
            channel_id=text(element, "channelId"),
            subscription_id=text(element, "subscriptionId"),
            target_id=text(element, "targetId"),
            reason=text(element, "reason"),
        )
        sequence = text(element, "sequenceNumber")
        doc.sequence = int(sequence) if sequence else None
        data = element.find(q("eventData"))
        if data is not None:
            doc.event_type = xsi_type(data)
            doc.hook_status = text(data, "hookStatus")
            call = data.find(q("call"))
            doc.call = CallView.of(call) if call is not None else None
            doc.calls = [CallView.of(c) for c in data.findall(f"{q('calls')}/{q('call')}")]
        return doc


class EventChannel:
    """A streaming channel read chunk by chunk from a raw connection."""

    def __init__(self, validate: Validate) -> None:
        self.validate = validate
        self.docs: asyncio.Queue[Doc | None] = asyncio.Queue()
        self.headers: dict[str, str] = {}
        self.status = 0
        self.channel_id = ""
        self.expires = 0
        self.host = ""
        self.closed = asyncio.Event()
        self.error: Exception | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._task: asyncio.Task[None] | None = None

    async def open(self, host: str, port: int, auth: tuple[str, str], body: bytes) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        self._writer = writer
        self.host = f"{host}:{port}"
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        writer.write(
            (
                f"POST {ASYNC_CHANNEL} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Authorization: Basic {token}\r\nContent-Type: application/xml; charset=UTF-8\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode()
            + body
        )
        await writer.drain()
        status_line = await asyncio.wait_for(reader.readline(), WAIT_S)
        self.status = int(status_line.split()[1])
        while True:
            line = (await reader.readline()).decode("latin-1").strip()
            if not line:
                break
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        self._task = asyncio.create_task(self._read(reader))
        if self.status == 200:
            first = await self.next(kinds=None)
            assert first.kind == "Channel", first.raw
            self.channel_id = first.channel_id or ""
            self.expires = int(text(etree.fromstring(first.raw), "expires") or 0)

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            if self.headers.get("transfer-encoding") != "chunked":
                body = await reader.read()
                if body:
                    self.validate(body)
                return
            while True:
                size_line = await reader.readline()
                if not size_line:
                    return
                size = int(size_line.strip(), 16)
                if size == 0:
                    return
                chunk = await reader.readexactly(size)
                await reader.readexactly(2)
                # One chunk, one complete document: parsing the chunk alone must succeed.
                assert chunk.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'), chunk
                self.validate(chunk)
                await self.docs.put(Doc.parse(chunk))
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        except Exception as error:  # surfaced by next() and the fixture's teardown
            self.error = error
        finally:
            self.closed.set()
            await self.docs.put(None)

    async def next(self, kinds: tuple[str, ...] | None = ("SubscriptionEvent",)) -> Doc:
        """The next document of one of ``kinds`` (heartbeats skipped unless asked for)."""
        while True:
            doc = await asyncio.wait_for(self.docs.get(), WAIT_S)
            if self.error is not None:
                raise self.error
            assert doc is not None, "stream closed"
            if kinds is None or doc.kind in kinds:
                return doc
            assert doc.kind == "ChannelHeartBeat", f"unexpected {doc.kind}: {doc.raw!r}"

    async def wait_closed(self, timeout: float = WAIT_S) -> list[Doc]:
        """Wait for the server to end the stream; the documents left unread."""
        await asyncio.wait_for(self.closed.wait(), timeout)
        rest = []
        while not self.docs.empty():
            doc = self.docs.get_nowait()
            if doc is not None:
                rest.append(doc)
        return rest

    async def nothing_pending(self) -> bool:
        """True if no document is queued right now."""
        await asyncio.sleep(0)
        return self.docs.empty()

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


class XsiClient:
    """Xsi-Actions and Xsi-Events requests of one user against one Xsi host."""

    def __init__(self, base: str, user: str, password: str, validate: Validate) -> None:
        self.base = base
        self.user = user
        self.auth = (user, password)
        self.validate = validate
        self.http = httpx.AsyncClient(
            base_url=base, auth=self.auth, timeout=WAIT_S, event_hooks={"response": [self._check]}
        )
        self.channels: list[EventChannel] = []

    async def _check(self, response: httpx.Response) -> None:
        await response.aread()
        if response.content and "xml" in response.headers.get("content-type", ""):
            self.validate(response.content)

    async def aclose(self) -> None:
        for channel in self.channels:
            await channel.close()
        await self.http.aclose()

    async def actions(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        return await self.http.request(method, f"{ACTIONS}/user/{self.user}{path}", **kwargs)  # type: ignore[arg-type]

    async def events(self, method: str, path: str, body: str | None = None) -> httpx.Response:
        return await self.http.request(method, f"{EVENTS}{path}", content=body)

    async def open_channel(
        self,
        set_id: str,
        application_id: str | None = None,
        priority: int = 1,
        weight: int = 50,
        expires: int = 3600,
    ) -> EventChannel:
        app = f"<applicationId>{application_id}</applicationId>" if application_id else ""
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?><Channel xmlns="{XSI}">'
            f"<channelSetId>{set_id}</channelSetId><priority>{priority}</priority>"
            f"<weight>{weight}</weight><expires>{expires}</expires>{app}</Channel>"
        ).encode()
        url = httpx.URL(self.base)
        channel = EventChannel(self.validate)
        self.channels.append(channel)
        await channel.open(url.host, url.port or 80, self.auth, body)
        return channel

    async def subscribe(
        self, target: str, set_id: str, event: str = "Advanced Call", expires: int = 3600
    ) -> httpx.Response:
        body = (
            f'<Subscription xmlns="{XSI}"><event>{event}</event><expires>{expires}</expires>'
            f"<channelSetId>{set_id}</channelSetId><applicationId>tests</applicationId>"
            "</Subscription>"
        )
        return await self.events("POST", target, body)

    async def ack(self, doc: Doc, status: int = 200, reason: str = "OK") -> httpx.Response:
        body = (
            f'<EventResponse xmlns="{XSI}"><eventID>{doc.event_id}</eventID>'
            f"<statusCode>{status}</statusCode><reason>{reason}</reason></EventResponse>"
        )
        response = await self.events("POST", "/channel/eventresponse", body)
        assert response.status_code == 200, response.text
        return response

    async def heartbeat(self, channel_id: str) -> httpx.Response:
        return await self.events("PUT", f"/channel/{channel_id}/heartbeat")


def subscription_id(response: httpx.Response) -> str:
    value = text(etree.fromstring(response.content), "subscriptionId")
    assert value
    return value


def error_summary(response: httpx.Response) -> str:
    root = etree.fromstring(response.content)
    assert etree.QName(root).localname == "ErrorInfo"
    return text(root, "summaryEnglish") or ""
