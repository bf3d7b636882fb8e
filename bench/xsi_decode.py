"""Decode throughput of ``parse_event`` against bare ``lxml.etree.fromstring``.

Run: ``make bench`` (or ``.venv/bin/python bench/xsi_decode.py [--rounds N]``).
Prints events/s for both over the same realistic mix, and their ratio. Target (issue 2):
``parse_event`` at >= 33 % of bare lxml, i.e. at most 3x the cost of parsing alone.
Figures are medians of several rounds of CPU time, the two measured alternately, so a busy
machine moves the ratio less than the absolute rates.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from lxml import etree

from cloudcti.xsi import parse_event

_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><xsi:Event xmlns:xsi="http://schema.broadsoft.com/xsi"'
    ' xmlns:xsi1="http://www.w3.org/2001/XMLSchema-instance" xsi1:type="xsi:SubscriptionEvent">'
    "<xsi:eventID>{eid}</xsi:eventID><xsi:sequenceNumber>{seq}</xsi:sequenceNumber>"
    "<xsi:userId>cti-monitor@deutschland-lan.de</xsi:userId>"
    "<xsi:externalApplicationId>cloudcti-7f3a</xsi:externalApplicationId>"
    "<xsi:subscriptionId>98ed3939-c113-419c-8012-092556b85c66</xsi:subscriptionId>"
    "<xsi:channelId>64eddc79-b707-4827-aacd-487fb5cb8427</xsi:channelId>"
    "<xsi:targetId>anna.schmidt@deutschland-lan.de</xsi:targetId>"
)
_TAIL = "</xsi:Event>"

_REMOTE = (
    "<xsi:remoteParty><xsi:name>Max Mustermann</xsi:name><xsi:address>tel:+4930224455</xsi:address>"
    "<xsi:callType>Network</xsi:callType></xsi:remoteParty>"
)
_ENDPOINT = (
    '<xsi:endpoint xsi1:type="xsi:AccessEndpoint"><xsi:addressOfRecord>'
    "4989887766771@deutschland-lan.de</xsi:addressOfRecord></xsi:endpoint>"
)


_REMOTE_RELEASE = "remoteRelease"
_SNAPSHOT_STATES = ("Active", "Held", "Alerting")


def _call(state: str, call_id: str, extra: str = "") -> str:
    return (
        f"<xsi:call><xsi:callId>{call_id}</xsi:callId><xsi:extTrackingId>4711:1</xsi:extTrackingId>"
        f"<xsi:personality>Terminator</xsi:personality><xsi:state>{state}</xsi:state>"
        f"{_REMOTE}{_ENDPOINT}<xsi:appearance>1</xsi:appearance>{extra}"
        "<xsi:startTime>1764079387015</xsi:startTime></xsi:call>"
    )


def _event(seq: int, event_type: str, body: str) -> bytes:
    head = _HEAD.format(eid=f"eaf8103b-1e6f-4f72-b254-8a719ff3{seq:04d}", seq=seq)
    data = f'<xsi:eventData xsi1:type="xsi:{event_type}">{body}</xsi:eventData>'
    return (head + data + _TAIL).encode()


def realistic_mix() -> list[bytes]:
    """One incoming call's life, a snapshot with three calls, a CFA change and a heartbeat."""
    return [
        _event(1, "CallReceivedEvent", _call("Alerting", "callhalf-1:0", "<xsi:allowAnswer/>")),
        _event(2, "CallAnsweredEvent", _call("Active", "callhalf-1:0")),
        _event(3, "CallHeldEvent", _call("Held", "callhalf-1:0", "<xsi:allowRetrieve/>")),
        _event(4, "CallRetrievedEvent", _call("Active", "callhalf-1:0")),
        _event(
            5,
            "CallReleasedEvent",
            _call(
                "Released",
                "callhalf-1:0",
                f"<xsi:releasingParty>{_REMOTE_RELEASE}</xsi:releasingParty>",
            ),
        ),
        _event(
            6,
            "CallSubscriptionEvent",
            "<xsi:calls>"
            + "".join(_call(s, f"callhalf-9:{i}") for i, s in enumerate(_SNAPSHOT_STATES))
            + "</xsi:calls><xsi:hookStatus>Off-Hook</xsi:hookStatus>",
        ),
        _event(
            7,
            "CallForwardingAlwaysEvent",
            "<xsi:info><xsi:active>true</xsi:active><xsi:forwardToPhoneNumber>tel:+491701234567"
            "</xsi:forwardToPhoneNumber><xsi:ringSplash>false</xsi:ringSplash></xsi:info>",
        ),
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<ChannelHeartBeat xmlns="http://schema.broadsoft.com/xsi"/>',
    ]


def _rate(func: Callable[[bytes], object], docs: list[bytes], repeat: int) -> float:
    # CPU time of this process, not wall time: the other core's load moves it less.
    start = time.process_time()
    for _ in range(repeat):
        for doc in docs:
            func(doc)
    return repeat * len(docs) / (time.process_time() - start)


def main() -> None:
    """Measure and print both rates and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    docs = realistic_mix()
    bare = etree.XMLParser(resolve_entities=False, no_network=True)
    _rate(parse_event, docs, 200)  # warm up

    lxml_rates, ours, ratios = [], [], []
    for _ in range(args.rounds):
        lxml_rate = _rate(lambda d: etree.fromstring(d, bare), docs, args.repeat)
        our_rate = _rate(parse_event, docs, args.repeat)
        lxml_rates.append(lxml_rate)
        ours.append(our_rate)
        ratios.append(our_rate / lxml_rate)

    print(f"documents in the mix: {len(docs)}, rounds: {args.rounds} x {args.repeat}")
    print(f"lxml.etree.fromstring: {statistics.median(lxml_rates):10,.0f} documents/s (median)")
    print(f"parse_event:           {statistics.median(ours):10,.0f} events/s    (median)")
    print(
        f"ratio parse_event / lxml: {statistics.median(ratios):.0%} "
        f"(min {min(ratios):.0%}, max {max(ratios):.0%}; target >= 33%)"
    )


if __name__ == "__main__":
    main()
