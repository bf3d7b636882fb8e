"""The channel framer: documents come out whole, in order, however the stream is chunked."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudcti.xsi import EventStream, LocalProtocolError, RemoteProtocolError

DECL = b'<?xml version="1.0" encoding="UTF-8"?>'

# Verbatim from PROTOCOL.md §3.2 / §3.3 (the check_xsi wire capture and the spec samples).
WIRE_CHANNEL = (
    DECL + b'\n<Channel xmlns="http://schema.broadsoft.com/xsi"><channelId>'
    b"64eddc79-b707-4827-aacd-487fb5cb8427</channelId><expires>86400</expires></Channel>"
)
WIRE_EVENT = (
    DECL + b'<xsi:Event xmlns:xsi="http://schema.broadsoft.com/xsi" '
    b'xmlns:xsi1="http://www.w3.org/2001/XMLSchema-instance" xsi1:type="xsi:SubscriptionEvent">'
    b"<xsi:eventID>957d0482-6cdd-4189-b477-19c6793f113a</xsi:eventID>"
    b"<xsi:sequenceNumber>1</xsi:sequenceNumber><xsi:userId>username@qsc.de</xsi:userId>"
    b"<xsi:externalApplicationId>KIWI-XSIEvents responsetime checker 1.0.3"
    b"</xsi:externalApplicationId><xsi:subscriptionId>98ed3939-c113-419c-8012-092556b85c66"
    b"</xsi:subscriptionId><xsi:channelId>64eddc79-b707-4827-aacd-487fb5cb8427</xsi:channelId>"
    b'<xsi:eventData xsi1:type="xsi:CallSubscriptionEvent"><xsi:hookStatus>On-Hook'
    b"</xsi:hookStatus></xsi:eventData></xsi:Event>"
)
HEARTBEAT = DECL + b'\n<ChannelHeartBeat xmlns="http://schema.broadsoft.com/xsi"/>'
TERMINATED = (
    DECL + b'\n<xsi:Event xmlns:xsi="http://schema.broadsoft.com/xsi"\n'
    b'  xmlns:xsi1="http://www.w3.org/2001/XMLSchema-instance"\n'
    b'xsi1:type="xsi:ChannelTerminatedEvent">\n'
    b"  <xsi:channelId>a8fdaeff-5810-44b8-aa1e-27193b9d3b92</xsi:channelId>\n"
    b"  <xsi:reason>DuplicateChannelSet</xsi:reason>\n</xsi:Event>"
)
SAMPLES = [WIRE_CHANNEL, WIRE_EVENT, HEARTBEAT, TERMINATED]


def drain(stream: EventStream) -> list[bytes]:
    return list(stream.documents())


def feed_in_pieces(data: bytes, cuts: list[int]) -> list[bytes]:
    stream = EventStream()
    out: list[bytes] = []
    start = 0
    for cut in [*sorted(cuts), len(data)]:
        stream.feed(data[start:cut])
        out.extend(stream.documents())
        start = cut
    return out


def test_wire_capture_in_one_chunk_gives_both_documents() -> None:
    stream = EventStream()
    stream.feed(WIRE_CHANNEL + WIRE_EVENT)
    assert drain(stream) == [WIRE_CHANNEL, WIRE_EVENT]
    assert stream.next_document() is None


def test_last_document_is_handed_out_without_waiting_for_the_next() -> None:
    for sample in SAMPLES:
        stream = EventStream()
        stream.feed(sample)
        assert stream.next_document() == sample
        assert stream.next_document() is None


def test_document_is_held_until_its_root_is_closed() -> None:
    stream = EventStream()
    stream.feed(WIRE_EVENT[:-1])
    assert stream.next_document() is None
    stream.feed(WIRE_EVENT[-1:])
    assert stream.next_document() == WIRE_EVENT


def test_one_byte_at_a_time() -> None:
    data = b"".join(SAMPLES) * 3
    stream = EventStream()
    out: list[bytes] = []
    for i in range(len(data)):
        stream.feed(data[i : i + 1])
        out.extend(stream.documents())
    assert out == SAMPLES * 3


def test_declaration_split_across_chunks() -> None:
    for cut in range(1, len(DECL)):
        data = HEARTBEAT + WIRE_CHANNEL
        split = len(HEARTBEAT) + cut
        assert feed_in_pieces(data, [split]) == [HEARTBEAT, WIRE_CHANNEL]


def test_whitespace_around_documents_is_dropped() -> None:
    stream = EventStream()
    stream.feed(b"\r\n  \t" + HEARTBEAT + b"\n\n" + WIRE_CHANNEL + b"\r\n")
    stream.feed(b"   ")
    assert drain(stream) == [HEARTBEAT, WIRE_CHANNEL]


def test_empty_feed_is_harmless() -> None:
    stream = EventStream()
    stream.feed(b"")
    assert stream.next_document() is None


@pytest.mark.parametrize("garbage", [b"HTTP/1.1 200 OK", b"b5\r\n", b"<Channel/>", b"\x00"])
def test_garbage_before_the_first_declaration_is_an_error(garbage: bytes) -> None:
    stream = EventStream()
    stream.feed(b"  " + garbage + HEARTBEAT)
    with pytest.raises(RemoteProtocolError, match="stray bytes"):
        stream.next_document()


def test_documents_before_garbage_are_delivered_then_the_error_sticks() -> None:
    stream = EventStream()
    stream.feed(HEARTBEAT + b"junk" + WIRE_CHANNEL)
    docs = stream.documents()
    assert next(docs) == HEARTBEAT
    with pytest.raises(RemoteProtocolError):
        next(docs)
    with pytest.raises(RemoteProtocolError):
        stream.feed(HEARTBEAT)
    with pytest.raises(RemoteProtocolError):
        stream.next_document()


def test_a_prefix_of_the_declaration_waits_for_more() -> None:
    stream = EventStream()
    stream.feed(b"\n<?x")
    assert stream.next_document() is None
    stream.feed(HEARTBEAT[3:])
    assert stream.next_document() == HEARTBEAT


def test_truncated_document_ends_at_the_next_declaration() -> None:
    truncated = WIRE_EVENT[:200]
    stream = EventStream()
    stream.feed(truncated + HEARTBEAT)
    assert drain(stream) == [truncated, HEARTBEAT]


def test_end_tag_match_is_exact_and_allows_whitespace() -> None:
    doc = (
        DECL + b'<x:Event xmlns:x="urn:a" a=\'/>\' b=">"><x:EventData>1</x:EventData>'
        b"<x:Eventual/></x:Event \n>"
    )
    assert feed_in_pieces(doc + HEARTBEAT, []) == [doc, HEARTBEAT]
    assert feed_in_pieces(doc + HEARTBEAT, list(range(1, len(doc)))) == [doc, HEARTBEAT]


def test_self_closing_root_with_attributes() -> None:
    doc = DECL + b'<ChannelHeartBeat xmlns="http://schema.broadsoft.com/xsi" a="x>y" />'
    assert feed_in_pieces(doc, list(range(1, len(doc)))) == [doc]


def test_comment_in_the_prolog_is_skipped() -> None:
    doc = DECL + b"<!-- hello --><Channel><channelId>c</channelId></Channel>"
    assert feed_in_pieces(doc + HEARTBEAT, []) == [doc, HEARTBEAT]


def test_document_without_a_root_ends_at_the_next_declaration() -> None:
    broken = DECL + b"< what"
    assert feed_in_pieces(broken + HEARTBEAT, []) == [broken, HEARTBEAT]


def test_oversized_document_is_an_error_before_the_buffer_grows_past_the_cap() -> None:
    cap = 1000
    stream = EventStream(max_document_bytes=cap)
    doc = DECL + b"<Channel>" + b"x" * 5000 + b"</Channel>"

    def feed_until_error() -> int:
        for i in range(len(doc)):
            stream.feed(doc[i : i + 1])
            try:
                stream.next_document()
            except RemoteProtocolError as exc:
                raise RemoteProtocolError(f"after {i + 1} bytes: {exc}") from exc
        return len(doc)

    with pytest.raises(RemoteProtocolError, match="cap") as info:
        feed_until_error()
    fed = int(str(info.value).split()[1])
    assert fed <= cap + 1


def test_oversized_complete_document_in_one_chunk_is_an_error() -> None:
    stream = EventStream(max_document_bytes=100)
    stream.feed(DECL + b"<Channel>" + b"x" * 200 + b"</Channel>")
    with pytest.raises(RemoteProtocolError, match="cap"):
        stream.next_document()


def test_document_exactly_at_the_cap_is_accepted() -> None:
    stream = EventStream(max_document_bytes=len(WIRE_EVENT))
    stream.feed(WIRE_EVENT)
    assert stream.next_document() == WIRE_EVENT


def test_cap_must_be_usable() -> None:
    with pytest.raises(LocalProtocolError):
        EventStream(max_document_bytes=3)


def test_feeding_one_byte_at_a_time_is_linear() -> None:
    # 800 KB fed byte by byte: rescanning from the start on every feed takes tens of seconds.
    doc = DECL + b"<xsi:Event>" + b"<xsi:a>x</xsi:a>" * 50_000 + b"</xsi:Event>"
    stream = EventStream()
    started = time.perf_counter()
    for i in range(len(doc)):
        stream.feed(doc[i : i + 1])
    elapsed = time.perf_counter() - started
    assert stream.next_document() == doc
    assert elapsed < 6


# --- properties -------------------------------------------------------------------------

_names = st.sampled_from([b"Channel", b"ChannelHeartBeat", b"xsi:Event", b"xsi1:Event", b"E"])
_text = st.binary(max_size=40).map(
    lambda b: b.replace(b"<", b"").replace(b"&", b"").replace(b">", b"")
)


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    name = draw(_names)
    newline = draw(st.sampled_from([b"", b"\n"]))
    if draw(st.booleans()):
        return DECL + newline + b"<" + name + b' xmlns="http://schema.broadsoft.com/xsi"/>'
    body = b"".join(b"<child>" + t + b"</child>" for t in draw(st.lists(_text, max_size=5)))
    return DECL + newline + b"<" + name + b' a="1">' + body + b"</" + name + b">"


@given(
    docs=st.lists(st.one_of(documents(), st.sampled_from(SAMPLES)), min_size=1, max_size=6),
    cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=20),
    gaps=st.sampled_from([b"", b"\n", b"\r\n  "]),
)
def test_any_rechunking_gives_the_same_documents(
    docs: list[bytes], cuts: list[int], gaps: bytes
) -> None:
    data = gaps.join(docs)
    assert feed_in_pieces(data, [c % (len(data) + 1) for c in cuts]) == docs


@given(docs=st.lists(st.sampled_from(SAMPLES), min_size=1, max_size=4))
def test_one_byte_feeding_matches_whole_feeding(docs: list[bytes]) -> None:
    data = b"".join(docs)
    assert feed_in_pieces(data, list(range(1, len(data)))) == docs


@settings(max_examples=300)
@given(data=st.binary(max_size=400), cuts=st.lists(st.integers(0, 400), max_size=8))
def test_random_bytes_give_documents_or_remote_protocol_error(data: bytes, cuts: list[int]) -> None:
    stream = EventStream(max_document_bytes=200)
    start = 0
    try:
        for cut in [*sorted(c % (len(data) + 1) for c in cuts), len(data)]:
            stream.feed(data[start:cut])
            for doc in stream.documents():
                assert doc.startswith(b"<?xml")
                assert len(doc) <= 200
            start = cut
    except RemoteProtocolError:
        pass


@given(prefix=st.binary(max_size=60), docs=st.lists(st.sampled_from(SAMPLES), max_size=3))
def test_random_prefix_then_documents(prefix: bytes, docs: list[bytes]) -> None:
    stream = EventStream()
    stream.feed(prefix + b"".join(docs))
    try:
        out = drain(stream)
    except RemoteProtocolError:
        return
    # Accepted: then everything after any whitespace-only prefix came out as documents.
    assert all(d.startswith(b"<?xml") for d in out)
    if not prefix.strip(b" \t\r\n"):
        assert out == docs
