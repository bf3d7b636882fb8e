"""The PBX connection runtime: I/O around the sans-IO Xsi core (``cloudcti.xsi``).

``XsiClient`` sends typed Xsi requests over an HTTP transport (aiohttp, chosen by the measured
cost per ack), ``EventChannelSet`` runs one channel set with ``ChannelMachine``,
``GatewayRuntime`` keeps one gateway connected and reports its state, ``test_connection``
checks a configuration step by step, and ``PbxLog`` records what happened, secrets redacted.
"""

from cloudcti.pbx.channels import (
    ChannelSetStats,
    Delivery,
    EventChannelSet,
    OnDelivery,
    SubscriptionSpec,
)
from cloudcti.pbx.client import MAX_ATTEMPTS, CredentialGuard, XsiClient
from cloudcti.pbx.errors import (
    XsiAuthError,
    XsiConnectError,
    XsiConnectionLostError,
    XsiCredentialRejectedError,
    XsiDnsError,
    XsiError,
    XsiProxyAuthError,
    XsiProxyError,
    XsiTimeoutError,
    XsiTlsError,
    XsiTransportError,
)
from cloudcti.pbx.gateway import (
    LINE_PACKAGES,
    GatewayConfig,
    GatewayRuntime,
    GatewayState,
    Identity,
)
from cloudcti.pbx.log import Direction, LogEntry, PbxLog
from cloudcti.pbx.transport import (
    AiohttpTransport,
    BasicCredentials,
    Credentials,
    ProxyConfig,
    Transport,
    TransportSettings,
)

__all__ = [
    "LINE_PACKAGES",
    "MAX_ATTEMPTS",
    "AiohttpTransport",
    "BasicCredentials",
    "ChannelSetStats",
    "CredentialGuard",
    "Credentials",
    "Delivery",
    "Direction",
    "EventChannelSet",
    "GatewayConfig",
    "GatewayRuntime",
    "GatewayState",
    "Identity",
    "LogEntry",
    "OnDelivery",
    "PbxLog",
    "ProxyConfig",
    "SubscriptionSpec",
    "Transport",
    "TransportSettings",
    "XsiAuthError",
    "XsiClient",
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
