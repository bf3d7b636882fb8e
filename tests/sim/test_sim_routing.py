"""Incoming-call routing by the callee's services and feature codes (PROTOCOL.md §5, §6)."""

from __future__ import annotations

from lxml import etree

from tests.sim.sim_helpers import ALICE, BOB, Pbx
from tests.sim.test_sim_flows import summary, take, watch
from tests.sim.xsi_client import XSI, Doc, text

OUTSIDE = "+4930123456"
MOBILE = "+4915112345678"


def redirect_reason(doc: Doc) -> str | None:
    call = etree.fromstring(doc.raw).find(f"{{{XSI}}}eventData/{{{XSI}}}calls/{{{XSI}}}call")
    return text(call, "redirect/reason")


def endpoint_type(doc: Doc) -> str | None:
    assert doc.call is not None
    endpoint = doc.call.element.find(f"{{{XSI}}}endpoint")
    assert endpoint is not None
    value = endpoint.get("{http://www.w3.org/2001/XMLSchema-instance}type") or ""
    return value.split(":")[-1]


async def put_service(pbx: Pbx, name: str, inner: str) -> None:
    body = f'<{name} xmlns="{XSI}">{inner}</{name}>'
    response = await pbx.xsi(ALICE).actions("PUT", f"/services/{name}", content=body)
    assert response.status_code == 200, response.text


async def test_cfa_redirects_unconditional_and_caller_sees_forwarded(pbx: Pbx) -> None:
    await put_service(
        pbx,
        "CallForwardingAlways",
        "<active>true</active><forwardToPhoneNumber>7771</forwardToPhoneNumber>",
    )
    client, channel = await watch(pbx, ALICE, BOB)
    await pbx.call(OUTSIDE, ALICE)
    docs = await take(client, channel, 4)
    assert summary(docs, ALICE) == [
        ("CallReceivedEvent", "Alerting"),
        ("CallRedirectedEvent", None),
        ("CallReleasedEvent", "Released"),
    ]
    assert redirect_reason(docs[1]) == "unconditional"
    assert summary(docs, BOB) == [("CallReceivedEvent", "Alerting")]
    received = docs[3]
    assert received.call is not None
    assert text(received.call.element, "redirections/redirection/reason") == "unconditional"


async def test_internal_caller_sees_call_forwarded_to_voicemail(pbx: Pbx) -> None:
    await put_service(
        pbx, "VoiceMessaging", "<alwaysRedirectToVoiceMail>true</alwaysRedirectToVoiceMail>"
    )
    client, channel = await watch(pbx, ALICE, BOB)
    await pbx.call(BOB, ALICE)
    docs = await take(client, channel, 7)
    assert summary(docs, BOB) == [
        ("HookStatusEvent", "Off-Hook"),
        ("CallOriginatedEvent", "Alerting"),
        ("CallForwardedEvent", "Alerting"),
        ("CallAnsweredEvent", "Active"),
    ]
    redirected = next(d for d in docs if d.event_type == "CallRedirectedEvent")
    assert redirect_reason(redirected) == "voicemail"
    forwarded = next(d for d in docs if d.event_type == "CallForwardedEvent")
    assert forwarded.call is not None
    assert text(forwarded.call.element, "redirections/redirection/reason") == "voicemail"


async def test_dnd_gives_busy_without_voicemail_and_voicemail_with_it(pbx: Pbx) -> None:
    await put_service(pbx, "DoNotDisturb", "<active>true</active>")
    await put_service(pbx, "VoiceMessaging", "<active>false</active>")
    client, channel = await watch(pbx, ALICE)
    await pbx.call(OUTSIDE, ALICE)
    docs = await take(client, channel, 2)
    assert summary(docs, ALICE) == [
        ("CallReceivedEvent", "Alerting"),
        ("CallReleasedEvent", "Released"),
    ]
    assert docs[1].call is not None
    assert text(docs[1].call.element, "releaseCause/internalReleaseCause") == "Busy"
    await put_service(pbx, "VoiceMessaging", "<active>true</active>")
    await pbx.call(OUTSIDE, ALICE)
    docs = await take(client, channel, 3)
    assert redirect_reason(docs[1]) == "do-not-disturb"


async def test_remote_office_rings_only_the_remote_number(pbx: Pbx) -> None:
    await pbx.patch(f"/users/{ALICE}", {"remote_office": "+4930999"})
    client, channel = await watch(pbx, ALICE)
    call_id = await pbx.call(OUTSIDE, ALICE)
    (received,) = await take(client, channel, 1)
    assert endpoint_type(received) == "RemoteOfficeEndpoint"
    assert (await pbx.post(f"/calls/{call_id}/answer", {"at": "primary"})).status_code == 409
    assert (await pbx.post(f"/calls/{call_id}/answer", {"at": "remote_office"})).status_code == 200
    (answered,) = await take(client, channel, 1)
    assert answered.event_type == "CallAnsweredEvent"
    assert endpoint_type(answered) == "RemoteOfficeEndpoint"


async def test_simultaneous_ring_first_answer_wins_follow_me(pbx: Pbx) -> None:
    await pbx.patch(f"/users/{ALICE}", {"parallel_ring": [MOBILE]})
    client, channel = await watch(pbx, ALICE)
    call_id = await pbx.call(OUTSIDE, ALICE)
    assert (await pbx.post(f"/calls/{call_id}/answer", {"at": "parallel"})).status_code == 200
    docs = await take(client, channel, 3)
    assert [d.event_type for d in docs] == [
        "CallReceivedEvent",
        "CallRedirectedEvent",
        "CallReleasedEvent",
    ]
    assert redirect_reason(docs[1]) == "follow-me"
    (call,) = (await pbx.state())["calls"]
    assert call["parties"][1]["device"] == "parallel"


async def test_mobile_answer_has_a_mobility_endpoint(pbx: Pbx) -> None:
    await pbx.patch(f"/users/{ALICE}", {"mobile": MOBILE})
    client, channel = await watch(pbx, ALICE)
    call_id = await pbx.call(OUTSIDE, ALICE)
    assert (await pbx.post(f"/calls/{call_id}/answer", {"at": "mobile"})).status_code == 200
    docs = await take(client, channel, 2)
    assert summary(docs, ALICE) == [
        ("CallReceivedEvent", "Alerting"),
        ("CallAnsweredEvent", "Active"),
    ]
    assert endpoint_type(docs[1]) == "BroadWorksMobilityEndpoint"


async def test_cfb_when_busy_and_cfna_after_no_answer(pbx: Pbx) -> None:
    await pbx.config(no_answer_s=0.3)
    await put_service(
        pbx,
        "CallForwardingBusy",
        "<active>true</active><forwardToPhoneNumber>+4940111</forwardToPhoneNumber>",
    )
    await put_service(
        pbx,
        "CallForwardingNoAnswer",
        "<active>true</active><forwardToPhoneNumber>+4940222</forwardToPhoneNumber>",
    )
    client, channel = await watch(pbx, ALICE)
    await pbx.call(OUTSIDE, ALICE)
    docs = await take(client, channel, 3)
    assert redirect_reason(docs[1]) == "no-answer"
    first = await pbx.call(OUTSIDE, ALICE)
    await take(client, channel, 1)
    assert (await pbx.post(f"/calls/{first}/answer", {})).status_code == 200
    await take(client, channel, 2)
    await pbx.call("+4930777", ALICE)
    docs = await take(client, channel, 3)
    assert redirect_reason(docs[1]) == "user-busy"


async def test_feature_codes_switch_services_with_fac_call_events(pbx: Pbx) -> None:
    client, channel = await watch(pbx, ALICE)
    assert (
        await client.subscribe(f"/user/{ALICE}", "cti", event="Call Forwarding Always")
    ).status_code == 200
    await client.ack(await channel.next())
    response = await pbx.post(
        f"/users/{ALICE}/dial", {"digits": f"*72{MOBILE}", "device": "primary"}
    )
    assert response.status_code == 201
    docs = await take(client, channel, 5)
    assert [d.event_type for d in docs] == [
        "HookStatusEvent",
        "CallOriginatedEvent",
        "CallForwardingAlwaysEvent",
        "CallReleasedEvent",
        "HookStatusEvent",
    ]
    assert docs[1].call is not None
    assert docs[1].call.remote_address == f"tel:*72{MOBILE}"
    assert docs[1].call.call_type == "Unknown"
    alice = pbx.xsi(ALICE)
    cfa = etree.fromstring((await alice.actions("GET", "/services/CallForwardingAlways")).content)
    assert (text(cfa, "active"), text(cfa, "forwardToPhoneNumber")) == ("true", MOBILE)
    for digits, service, field, value in (
        ("*73", "CallForwardingAlways", "active", "false"),
        ("*78", "DoNotDisturb", "active", "true"),
        ("*79", "DoNotDisturb", "active", "false"),
        ("*21", "VoiceMessaging", "alwaysRedirectToVoiceMail", "true"),
        ("#21", "VoiceMessaging", "alwaysRedirectToVoiceMail", "false"),
    ):
        assert (await pbx.post(f"/users/{ALICE}/dial", {"digits": digits})).status_code == 201
        read = etree.fromstring((await alice.actions("GET", f"/services/{service}")).content)
        assert text(read, field) == value, digits
    assert (await pbx.post(f"/users/{ALICE}/dial", {"digits": "*72"})).status_code == 422


async def test_star86_calls_the_voicemail_which_answers(pbx: Pbx) -> None:
    client, channel = await watch(pbx, ALICE)
    assert (await pbx.post(f"/users/{ALICE}/dial", {"digits": "*86"})).status_code == 201
    docs = await take(client, channel, 3)
    assert summary(docs, ALICE) == [
        ("HookStatusEvent", "Off-Hook"),
        ("CallOriginatedEvent", "Alerting"),
        ("CallAnsweredEvent", "Active"),
    ]
    assert docs[1].call is not None
    assert docs[1].call.remote_address == "tel:*86"
