"""Errors of the PBX connection: every HTTP-client exception becomes one of these.

``transport.py`` maps aiohttp's exceptions here at one place; nothing above ``cloudcti.pbx``
sees an aiohttp type.

XsiTransportError                anything that went wrong talking to an Xsi host
├── XsiConnectError              no connection to the host
│   ├── XsiDnsError              the host name does not resolve
│   ├── XsiTlsError              TLS failed (certificate problems are named in the message)
│   └── XsiProxyError            the proxy could not be reached or refused to forward
│       └── XsiProxyAuthError    the proxy answered 407: proxy credentials missing or wrong
├── XsiTimeoutError                   no answer in time
├── XsiConnectionLostError            the connection broke during a request or a stream
├── XsiCredentialRejectedError        not sent: this credential was rejected before (never hammered)
└── XsiError                     the PBX answered with an error status (``ErrorInfo`` surfaced)
    └── XsiAuthError             401: the PBX rejected the credential (or the account is locked)
"""

from __future__ import annotations


class XsiTransportError(Exception):
    """Base of every error of :mod:`cloudcti.pbx`; ``str(err)`` is a sentence for people."""


class XsiConnectError(XsiTransportError):
    """No connection could be made to the host."""


class XsiDnsError(XsiConnectError):
    """The host name does not resolve."""


class XsiTlsError(XsiConnectError):
    """The TLS handshake failed; the message names a certificate problem when there is one."""


class XsiProxyError(XsiConnectError):
    """The HTTP(S) proxy could not be reached or refused to forward the request."""


class XsiProxyAuthError(XsiProxyError):
    """The proxy answered 407 Proxy Authentication Required."""


class XsiTimeoutError(XsiTransportError):
    """The host did not answer in time."""


class XsiConnectionLostError(XsiTransportError):
    """The connection broke (reset, closed) while a request or a stream was in progress."""


class XsiCredentialRejectedError(XsiTransportError):
    """The request was not sent: the PBX rejected this credential before."""

    def __init__(self, username: str) -> None:
        super().__init__(f"not sent: the PBX rejected the password of {username} before")
        self.username = username


class XsiError(XsiTransportError):
    """The PBX answered ``status``; ``summary`` and ``error_code`` come from its ErrorInfo."""

    def __init__(self, status: int, summary: str, error_code: int | None = None) -> None:
        code = f", error {error_code}" if error_code is not None else ""
        super().__init__(f"HTTP {status}: {summary}{code}" if summary else f"HTTP {status}")
        self.status = status
        self.summary = summary
        self.error_code = error_code


class XsiAuthError(XsiError):
    """401: the PBX rejected the user name or password (``summary`` says why, e.g. locked)."""


__all__ = [
    "XsiAuthError",
    "XsiConnectError",
    "XsiConnectionLostError",
    "XsiCredentialRejectedError",
    "XsiDnsError",
    "XsiError",
    "XsiProxyAuthError",
    "XsiProxyError",
    "XsiTimeoutError",
    "XsiTlsError",
    "XsiTransportError",
]
