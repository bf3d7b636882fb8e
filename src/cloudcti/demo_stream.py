"""A stand-in for ``cloudcti demo`` until the server exists: decode a recorded channel."""

from __future__ import annotations

from collections.abc import Callable

from cloudcti.xsi import EventStream, RemoteProtocolError, parse_event

_RECORDED_CHANNEL = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<Channel xmlns="http://schema.broadsoft.com/xsi"><channelId>64eddc79-b707-4827-aacd-'
    b"487fb5cb8427</channelId><expires>86400</expires></Channel>"
    b'<?xml version="1.0" encoding="UTF-8"?><xsi:Event xmlns:xsi="http://schema.broadsoft.com/xsi"'
    b' xmlns:xsi1="http://www.w3.org/2001/XMLSchema-instance" xsi1:type="xsi:SubscriptionEvent">'
    b"<xsi:eventID>957d0482-6cdd-4189-b477-19c6793f113a</xsi:eventID>"
    b"<xsi:sequenceNumber>1</xsi:sequenceNumber><xsi:userId>username@qsc.de</xsi:userId>"
    b"<xsi:externalApplicationId>KIWI</xsi:externalApplicationId>"
    b"<xsi:subscriptionId>98ed3939-c113-419c-8012-092556b85c66</xsi:subscriptionId>"
    b"<xsi:channelId>64eddc79-b707-4827-aacd-487fb5cb8427</xsi:channelId>"
    b'<xsi:eventData xsi1:type="xsi:CallSubscriptionEvent"><xsi:hookStatus>On-Hook'
    b"</xsi:hookStatus></xsi:eventData></xsi:Event>"
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<ChannelHeartBeat xmlns="http://schema.broadsoft.com/xsi"/>'
)


def run_protocol_demo(echo: Callable[[str], object]) -> None:
    """Feed a recorded channel through the framer in small chunks and print each event."""
    stream = EventStream()
    for start in range(0, len(_RECORDED_CHANNEL), 37):
        stream.feed(_RECORDED_CHANNEL[start : start + 37])
        for document in stream.documents():
            try:
                echo(f"  {parse_event(document)!r}")
            except RemoteProtocolError as exc:
                echo(f"  rejected: {exc}")
