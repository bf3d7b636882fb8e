"""parse_event on odd, broken and hostile input: only RemoteProtocolError, never a crash."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cloudcti.xsi import (
    CallReceivedEvent,
    ErrorEvent,
    HookStatusEvent,
    RemoteProtocolError,
    UnknownEvent,
    parse_event,
)
from tests.xsi import xsi_samples as samples

SUBSCRIPTION_SAMPLES = [
    samples.CALL_RECEIVED,
    samples.CALL_HELD,
    samples.CALL_RELEASED,
    samples.CALL_REDIRECTED,
    samples.CALL_SUBSCRIPTION,
    samples.CONFERENCE_STARTED,
    samples.CFA,
    samples.WIRE_SUBSCRIPTION_EVENT,
]
EVENT_ID = "eaf8103b-1e6f-4f72-b254-8a719ff3ea90"


# --- namespaces by URI, never by prefix ---------------------------------------------------


def test_prefixes_swapped_as_in_actions_documents_give_the_same_event() -> None:
    # Actions samples bind xsi to XML Schema instance; events bind it to the Xsi namespace.
    swapped = (
        samples.CALL_RECEIVED.replace(b"xsi1:", b"TMP:")
        .replace(b"xmlns:xsi1=", b"xmlns:TMP=")
        .replace(b"xsi:", b"xsi1:")
        .replace(b"xmlns:xsi=", b"xmlns:xsi1=")
        .replace(b"TMP:", b"xsi:")
        .replace(b"xmlns:TMP=", b"xmlns:xsi=")
    )
    assert b'xsi:type="xsi1:CallReceivedEvent"' in swapped
    assert parse_event(swapped) == parse_event(samples.CALL_RECEIVED)


def test_default_namespace_and_unprefixed_type_values() -> None:
    document = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<Event xmlns="http://schema.broadsoft.com/xsi" '
        b'xmlns:i="http://www.w3.org/2001/XMLSchema-instance" i:type="SubscriptionEvent">'
        b"<eventID>e1</eventID><sequenceNumber>3</sequenceNumber><userId>u</userId>"
        b"<externalApplicationId>a</externalApplicationId><subscriptionId>s</subscriptionId>"
        b"<channelId>c</channelId>"
        b'<eventData i:type="HookStatusEvent"><hookStatus>On-Hook</hookStatus></eventData>'
        b"</Event>"
    )
    event = parse_event(document)
    assert isinstance(event, HookStatusEvent)
    assert event.envelope.sequence_number == 3


def test_a_type_in_a_foreign_namespace_is_rejected() -> None:
    document = samples.HOOK_STATUS.replace(
        b'xmlns:xsi="http://schema.broadsoft.com/xsi"',
        b'xmlns:xsi="http://schema.broadsoft.com/xsi" xmlns:o="urn:other"',
    ).replace(b'xsi1:type="xsi:HookStatusEvent"', b'xsi1:type="o:HookStatusEvent"')
    with pytest.raises(RemoteProtocolError, match="not in the Xsi namespace") as caught:
        parse_event(document)
    assert caught.value.event_id == EVENT_ID


def test_unknown_children_are_ignored() -> None:
    document = samples.CALL_RECEIVED.replace(
        b"<xsi:startTime>",
        b"<xsi:futureField><xsi:deep>1</xsi:deep></xsi:futureField>"
        b'<o:vendor xmlns:o="urn:vendor">x</o:vendor><xsi:startTime>',
    ).replace(b"<xsi:eventID>", b"<xsi:firstNameUnicode>x</xsi:firstNameUnicode><xsi:eventID>")
    assert parse_event(document) == parse_event(samples.CALL_RECEIVED)


def test_an_unknown_event_type_is_kept_with_its_envelope_so_it_can_be_acked() -> None:
    document = samples.HOOK_STATUS.replace(b"xsi:HookStatusEvent", b"xsi:CallTeleportedEvent")
    event = parse_event(document)
    assert isinstance(event, UnknownEvent)
    assert event.type_name == "CallTeleportedEvent"
    assert event.raw == document
    assert event.event_id == EVENT_ID


def test_error_event_on_the_channel() -> None:
    document = (
        b'<?xml version="1.0" encoding="UTF-8"?><xsi:Event xmlns:xsi="http://schema.broadsoft.com/xsi"'
        b' xmlns:xsi1="http://www.w3.org/2001/XMLSchema-instance" xsi1:type="xsi:ErrorEvent">'
        b"<xsi:errorCode>110</xsi:errorCode><xsi:errorMessage>boom</xsi:errorMessage></xsi:Event>"
    )
    assert parse_event(document) == ErrorEvent(error_code=110, error_message="boom")


def test_the_first_of_a_repeated_element_wins() -> None:
    document = samples.CALL_RECEIVED.replace(
        b"<xsi:callId>callhalf-12215:0</xsi:callId>",
        b"<xsi:callId>callhalf-12215:0</xsi:callId><xsi:callId>other</xsi:callId>",
    )
    event = parse_event(document)
    assert isinstance(event, CallReceivedEvent)
    assert event.call.call_id == "callhalf-12215:0"


# --- broken documents: a short reason, and the event id when the envelope was readable ----


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (b"<xsi:callId>callhalf-12215:0</xsi:callId>", b"", "callId"),
        (b"<xsi:state>Alerting</xsi:state>", b"<xsi:state>Ringing</xsi:state>", "state"),
        (
            b"<xsi:startTime>1271273072015</xsi:startTime>",
            b"<xsi:startTime>x</xsi:startTime>",
            "start",
        ),
        (b"<xsi:personality>Terminator</xsi:personality>", b"<xsi:personality/>", "personality"),
    ],
)
def test_a_broken_payload_names_the_field_and_keeps_the_event_id(
    old: bytes, new: bytes, reason: str
) -> None:
    document = samples.CALL_RECEIVED.replace(old, new)
    assert document != samples.CALL_RECEIVED
    with pytest.raises(RemoteProtocolError, match=reason) as caught:
        parse_event(document)
    assert caught.value.event_id == EVENT_ID


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"<xsi:eventID>eaf8103b-1e6f-4f72-b254-8a719ff3ea90</xsi:eventID>", b""),
        (
            b"<xsi:sequenceNumber>6</xsi:sequenceNumber>",
            b"<xsi:sequenceNumber>six</xsi:sequenceNumber>",
        ),
        (b"<xsi:userId>adminCTI@broadsoft.com@broadsoft.com</xsi:userId>", b""),
        (b'xsi1:type="xsi:SubscriptionEvent"', b""),
    ],
)
def test_a_broken_envelope_is_rejected_without_an_event_id(old: bytes, new: bytes) -> None:
    with pytest.raises(RemoteProtocolError) as caught:
        parse_event(samples.CALL_RECEIVED.replace(old, new))
    assert caught.value.event_id is None


@pytest.mark.parametrize(
    "document",
    [
        b"",
        b"   ",
        b"<",
        b"not xml at all",
        b'<?xml version="1.0"?><Unknown xmlns="http://schema.broadsoft.com/xsi"/>',
        b'<?xml version="1.0"?><ChannelHeartBeat/>',  # no namespace: not an Xsi document
        b'<?xml version="1.0"?><Channel xmlns="http://schema.broadsoft.com/xsi"/>',
        samples.CALL_RECEIVED[:-20],
        samples.CALL_RECEIVED + b"<extra/>",
        samples.CALL_RECEIVED.replace(b"UTF-8", b"no-such-encoding"),
        b"\xff\xfe\x00garbage",
    ],
)
def test_malformed_documents_raise_remote_protocol_error(document: bytes) -> None:
    with pytest.raises(RemoteProtocolError):
        parse_event(document)


def test_a_str_is_refused_as_our_own_misuse_but_still_as_a_protocol_error() -> None:
    with pytest.raises(RemoteProtocolError, match="bytes"):
        parse_event(samples.HEARTBEAT.decode())  # type: ignore[arg-type]


# --- attacks ------------------------------------------------------------------------------

XXE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Channel xmlns="http://schema.broadsoft.com/xsi"><channelId>&xxe;</channelId><expires>1</expires></Channel>"""

XXE_NETWORK = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<ChannelHeartBeat xmlns="http://schema.broadsoft.com/xsi"/>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Channel xmlns="http://schema.broadsoft.com/xsi"><channelId>&lol9;</channelId><expires>1</expires></Channel>"""

QUADRATIC_BLOWUP = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "'
    + b"A" * 50_000
    + b'">]><Channel xmlns="http://schema.broadsoft.com/xsi"><channelId>'
    + b"&a;" * 1000
    + b"</channelId><expires>1</expires></Channel>"
)


@pytest.mark.parametrize(
    "document",
    [XXE, XXE_NETWORK, BILLION_LAUGHS, QUADRATIC_BLOWUP],
    ids=["xxe-file", "xxe-network", "billion-laughs", "quadratic-blowup"],
)
def test_documents_with_a_dtd_are_rejected(document: bytes) -> None:
    # libxml2 itself refuses the amplifying ones before our DTD check sees the document.
    with pytest.raises(RemoteProtocolError, match=r"document type|amplification"):
        parse_event(document)


def test_a_dtd_hidden_in_utf16_is_rejected_too() -> None:
    document = BILLION_LAUGHS.replace(
        b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="UTF-16"?>'
    )
    encoded = document.decode().encode("utf-16")
    assert b"<!DOCTYPE" not in encoded
    with pytest.raises(RemoteProtocolError, match=r"document type|amplification"):
        parse_event(encoded)
    harmless_dtd = XXE.replace(b"<!DOCTYPE foo", b"<!DOCTYPE Channel").replace(b"&xxe;", b"c1")
    utf16 = harmless_dtd.replace(b'encoding="UTF-8"', b'encoding="UTF-16"').decode()
    with pytest.raises(RemoteProtocolError, match="document type"):
        parse_event(utf16.encode("utf-16"))


def test_an_undeclared_entity_is_malformed() -> None:
    with pytest.raises(RemoteProtocolError, match="malformed"):
        parse_event(samples.HEARTBEAT.replace(b"/>", b">&undeclared;</ChannelHeartBeat>"))


def test_the_size_cap_is_enforced_and_configurable() -> None:
    padding = b"<xsi:pad>" + b"x" * 2_000_000 + b"</xsi:pad>"
    big = samples.CALL_RECEIVED.replace(b"<xsi:startTime>", padding + b"<xsi:startTime>")
    with pytest.raises(RemoteProtocolError, match="cap"):
        parse_event(big)
    with pytest.raises(RemoteProtocolError, match="cap"):
        parse_event(samples.CALL_RECEIVED, max_bytes=100)
    assert isinstance(parse_event(big, max_bytes=4_000_000), CallReceivedEvent)


# --- properties ---------------------------------------------------------------------------


def _assert_only_protocol_errors(document: bytes) -> None:
    try:
        parse_event(document)
    except RemoteProtocolError as exc:
        reason = str(exc)
    else:
        return
    assert reason, "a RemoteProtocolError must say why"


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(
    sample=st.sampled_from(SUBSCRIPTION_SAMPLES),
    cut=st.integers(min_value=0, max_value=5000),
)
def test_truncated_documents_raise_only_remote_protocol_error(sample: bytes, cut: int) -> None:
    _assert_only_protocol_errors(sample[: cut % (len(sample) + 1)])


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(
    sample=st.sampled_from(SUBSCRIPTION_SAMPLES),
    edits=st.lists(
        st.tuples(st.integers(min_value=0, max_value=5000), st.binary(min_size=0, max_size=4)),
        min_size=1,
        max_size=6,
    ),
)
def test_mutated_documents_raise_only_remote_protocol_error(
    sample: bytes, edits: list[tuple[int, bytes]]
) -> None:
    document = bytearray(sample)
    for position, replacement in edits:
        at = position % (len(document) + 1)
        document[at : at + len(replacement)] = replacement
    _assert_only_protocol_errors(bytes(document))


TEXT_SLOTS = [
    b"callhalf-12215:0",
    b"108:1",
    b"Terminator",
    b"Alerting",
    b"1271273072015",
    b"tel:1011",
]


@settings(max_examples=300)
@given(
    slot=st.sampled_from(TEXT_SLOTS),
    text=st.text(
        alphabet=st.characters(codec="utf-8", exclude_characters="<&"),
        max_size=20,
    ),
)
def test_any_text_in_any_field_raises_only_remote_protocol_error(slot: bytes, text: str) -> None:
    _assert_only_protocol_errors(samples.CALL_RECEIVED.replace(slot, text.encode()))


@settings(max_examples=300)
@given(st.binary(max_size=300))
def test_random_bytes_raise_only_remote_protocol_error(data: bytes) -> None:
    _assert_only_protocol_errors(data)
