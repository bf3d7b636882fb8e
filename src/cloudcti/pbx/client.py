"""``XsiClient``: typed Xsi requests over the transport port, with the credential rules.

Every request names its credential (the monitoring user, or a line's own user for Actions).
A credential the PBX rejected (401) is never sent again until ``probe`` is allowed to try it:
at most ``MAX_ATTEMPTS`` rejected requests per credential in total, each a single request
(DESIGN.md "Decisions already taken"; R16). Error statuses become ``XsiError`` with the PBX's
``ErrorInfo``; every request is written to the PBX log (redacted).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from cloudcti.pbx.errors import (
    XsiAuthError,
    XsiConnectError,
    XsiCredentialRejectedError,
    XsiError,
    XsiTransportError,
)
from cloudcti.pbx.log import Direction, PbxLog
from cloudcti.pbx.transport import (
    AiohttpTransport,
    Credentials,
    HttpResponse,
    HttpStream,
    Transport,
    TransportSettings,
)
from cloudcti.xsi import (
    Profile,
    RemoteProtocolError,
    XsiRequest,
    get_profile,
    parse_error_info,
    parse_profile,
)

MAX_ATTEMPTS = 3
"""Rejected requests per credential after which nothing more is tried (R16)."""


def normalize_url(url: str) -> str:
    """An Xsi root URL without trailing slash."""
    return url.strip().rstrip("/")


def host_name(url: str) -> str:
    """``host:port`` of a root URL, as the PBX log and the simulator name hosts."""
    return url.split("://", 1)[-1].split("/", 1)[0]


def error_from(response: HttpResponse) -> XsiError:
    """The ``XsiError`` for an error answer, with the ErrorInfo's summary when there is one."""
    summary, code = "", None
    if response.body:
        try:
            info = parse_error_info(response.body)
        except RemoteProtocolError:
            summary = response.body[:200].decode("utf-8", "replace").strip()
        else:
            summary, code = (info.summary_english or info.summary or "").strip(), info.error_code
    if response.status == 401:
        return XsiAuthError(401, summary or "Unauthorized", code)
    return XsiError(response.status, summary, code)


@dataclass(slots=True)
class _Rejection:
    authorization: str
    count: int
    reason: str


class CredentialGuard:
    """Remembers rejected credentials: how often, and with which exact Authorization value
    (a new password is a new credential and starts from zero)."""

    def __init__(self) -> None:
        self._rejected: dict[str, _Rejection] = {}

    def blocked(self, credentials: Credentials) -> bool:
        """True if this exact credential was rejected and must not be sent."""
        record = self._rejected.get(credentials.username.lower())
        return record is not None and record.authorization == credentials.authorization()

    def rejections(self, credentials: Credentials) -> int:
        """How many requests with this exact credential the PBX rejected."""
        record = self._rejected.get(credentials.username.lower())
        if record is None or record.authorization != credentials.authorization():
            return 0
        return record.count

    def reason(self, credentials: Credentials) -> str | None:
        """The PBX's reason for the last rejection of this credential."""
        record = self._rejected.get(credentials.username.lower())
        return record.reason if record and record.count and self.blocked(credentials) else None

    def rejected(self, credentials: Credentials, reason: str) -> None:
        """The PBX answered 401 to this credential."""
        key, auth = credentials.username.lower(), credentials.authorization()
        record = self._rejected.get(key)
        if record is None or record.authorization != auth:
            record = self._rejected[key] = _Rejection(auth, 0, reason)
        record.count += 1
        record.reason = reason

    def accepted(self, credentials: Credentials) -> None:
        """The PBX accepted this credential: forget its rejections."""
        record = self._rejected.get(credentials.username.lower())
        if record is not None and record.authorization == credentials.authorization():
            del self._rejected[credentials.username.lower()]


def _idempotent(request: XsiRequest) -> bool:
    # An event response may be repeated safely: the PBX drops an eventID it has no longer.
    return request.method != "POST" or request.path.endswith("/channel/eventresponse")


class XsiClient:
    """Xsi-Actions and Xsi-Events requests to the hosts ``urls`` of one PBX."""

    def __init__(
        self,
        urls: Sequence[str],
        credentials: Credentials,
        *,
        transport: Transport | None = None,
        settings: TransportSettings | None = None,
        log: PbxLog | None = None,
        guard: CredentialGuard | None = None,
    ) -> None:
        if not urls:
            raise ValueError("an Xsi client needs at least one host URL")
        self.urls = [normalize_url(u) for u in urls]
        self.credentials = credentials
        self.transport: Transport = transport or AiohttpTransport(settings)
        self.log = log or PbxLog("gateway")
        self.guard = guard or CredentialGuard()
        self._owns_transport = transport is None

    async def send(
        self,
        request: XsiRequest,
        *,
        url: str | None = None,
        credentials: Credentials | None = None,
        line: str | None = None,
        call_id: str | None = None,
        timeout: float | None = None,
        quiet: bool = False,
    ) -> HttpResponse:
        """Send ``request`` to ``url`` (default: the first host that connects); a 2xx answer,
        else ``XsiError``. ``quiet``: log only failures (heartbeats and acks)."""
        creds = credentials or self.credentials
        if self.guard.blocked(creds):
            raise XsiCredentialRejectedError(creds.username)
        targets = [normalize_url(url)] if url is not None else self.urls
        last: XsiTransportError | None = None
        for target in targets:
            try:
                return await self._send_to(
                    target, request, creds, line, call_id, timeout, quiet=quiet
                )
            except XsiConnectError as error:
                last = error  # nothing was sent: the next host may answer
        assert last is not None
        raise last

    async def _send_to(
        self,
        url: str,
        request: XsiRequest,
        creds: Credentials,
        line: str | None,
        call_id: str | None,
        timeout: float | None,
        *,
        quiet: bool,
    ) -> HttpResponse:
        what = f"{request.method} {request.path}"
        try:
            response = await self.transport.request(
                url,
                request.method,
                request.path,
                query=request.query,
                body=request.body,
                authorization=creds.authorization(),
                idempotent=_idempotent(request),
                timeout=timeout,
            )
        except XsiTransportError as error:
            self.log.add(Direction.OUT, f"{what} failed on {host_name(url)}", str(error), line=line)
            raise
        if response.status >= 400:
            failure = error_from(response)
            self.log.add(
                Direction.OUT,
                f"{what} → {response.status} ({response.elapsed_ms:.0f} ms) on {host_name(url)}",
                failure.summary,
                line=line,
                call_id=call_id,
            )
            if isinstance(failure, XsiAuthError):
                self.guard.rejected(creds, failure.summary)
            raise failure
        if not quiet:
            self.log.add(
                Direction.OUT,
                f"{what} → {response.status} ({response.elapsed_ms:.0f} ms) on {host_name(url)}",
                line=line,
                call_id=call_id,
            )
        return response

    async def probe(
        self, credentials: Credentials | None = None, *, url: str | None = None
    ) -> Profile:
        """The single-request login attempt: GET the user's profile. Refused locally once the
        credential was rejected ``MAX_ATTEMPTS`` times."""
        creds = credentials or self.credentials
        if self.guard.rejections(creds) >= MAX_ATTEMPTS:
            raise XsiCredentialRejectedError(creds.username)
        request = get_profile(creds.username)
        targets = [normalize_url(url)] if url is not None else self.urls
        last: XsiTransportError | None = None
        for target in targets:
            try:
                response = await self._send_to(
                    target, request, creds, None, None, None, quiet=False
                )
            except XsiConnectError as error:
                last = error
                continue
            self.guard.accepted(creds)
            return parse_profile(response.body)
        assert last is not None
        raise last

    @contextlib.asynccontextmanager
    async def stream(
        self, url: str, request: XsiRequest, *, read_timeout: float | None = None
    ) -> AsyncIterator[HttpStream]:
        """Open the event channel ``request`` on ``url`` with the monitoring credential;
        ``XsiError`` if the PBX refuses it."""
        creds = self.credentials
        if self.guard.blocked(creds):
            raise XsiCredentialRejectedError(creds.username)
        url = normalize_url(url)
        what = f"{request.method} {request.path}"
        try:
            async with self.transport.stream(
                url,
                request.method,
                request.path,
                body=request.body,
                authorization=creds.authorization(),
                read_timeout=read_timeout,
            ) as stream:
                if stream.status >= 400:
                    body = await stream.read()
                    error = error_from(HttpResponse(stream.status, body, {}, 0.0))
                    if isinstance(error, XsiAuthError):
                        self.guard.rejected(creds, error.summary)
                    self.log.add(
                        Direction.OUT,
                        f"{what} → {stream.status} on {host_name(url)}",
                        error.summary,
                    )
                    raise error
                self.log.add(
                    Direction.OUT, f"{what} → {stream.status} on {host_name(url)} (stream)"
                )
                yield stream
        except XsiError:
            raise
        except XsiTransportError as error:
            self.log.add(Direction.OUT, f"{what} on {host_name(url)}: stream broke", str(error))
            raise

    async def aclose(self) -> None:
        """Close the transport if this client created it."""
        if self._owns_transport:
            await self.transport.aclose()


__all__ = ["MAX_ATTEMPTS", "CredentialGuard", "XsiClient", "error_from", "host_name"]
