"""Verbatim Xsi documents from ../shared/xsi/PROTOCOL.md: the spec's samples and real wire
traffic. Abridged spec samples (``…``) are completed with the fields the text names."""

from __future__ import annotations

# --- real wire traffic (PROTOCOL.md §3.2, §3.3: a German XSP, 2022) -----------------------

WIRE_CHANNEL = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<Channel xmlns="http://schema.broadsoft.com/xsi"><channelId>64eddc79-b707-4827-aacd-'
    b"487fb5cb8427</channelId><expires>86400</expires></Channel>"
)

WIRE_SUBSCRIPTION_EVENT = (
    b'<?xml version="1.0" encoding="UTF-8"?><xsi:Event xmlns:xsi="http://schema.broadsoft.com/xsi"'
    b' xmlns:xsi1="http://www.w3.org/2001/XMLSchema-instance" xsi1:type="xsi:SubscriptionEvent">'
    b"<xsi:eventID>957d0482-6cdd-4189-b477-19c6793f113a</xsi:eventID>"
    b"<xsi:sequenceNumber>1</xsi:sequenceNumber><xsi:userId>username@qsc.de</xsi:userId>"
    b"<xsi:externalApplicationId>KIWI-XSIEvents responsetime checker 1.0.3"
    b"</xsi:externalApplicationId>"
    b"<xsi:subscriptionId>98ed3939-c113-419c-8012-092556b85c66</xsi:subscriptionId>"
    b"<xsi:channelId>64eddc79-b707-4827-aacd-487fb5cb8427</xsi:channelId>"
    b'<xsi:eventData xsi1:type="xsi:CallSubscriptionEvent"><xsi:hookStatus>On-Hook'
    b"</xsi:hookStatus></xsi:eventData></xsi:Event>"
)

HEARTBEAT = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<ChannelHeartBeat xmlns="http://schema.broadsoft.com/xsi"/>'
)

DUPLICATE_CHANNEL_SET = b"""<?xml version="1.0" encoding="UTF-8"?>
<xsi:Event xmlns:xsi="http://schema.broadsoft.com/xsi"
  xmlns:xsi1="http://www.w3.org/2001/XMLSchema-instance"
xsi1:type="xsi:ChannelTerminatedEvent">
  <xsi:channelId>a8fdaeff-5810-44b8-aa1e-27193b9d3b92</xsi:channelId>
  <xsi:reason>DuplicateChannelSet</xsi:reason>
</xsi:Event>"""

# --- the spec's envelope (PROTOCOL.md §3.7), around each eventData below ------------------

ENVELOPE_HEAD = b"""<?xml version="1.0" encoding="UTF-8"?>
<xsi:Event xsi1:type="xsi:SubscriptionEvent"
xmlns:xsi1="http://www.w3.org/2001/XMLSchema-instance"
xmlns:xsi="http://schema.broadsoft.com/xsi">
  <xsi:eventID>eaf8103b-1e6f-4f72-b254-8a719ff3ea90</xsi:eventID>
  <xsi:sequenceNumber>6</xsi:sequenceNumber>
  <xsi:userId>adminCTI@broadsoft.com@broadsoft.com</xsi:userId>
  <xsi:externalApplicationId>AppCtlId</xsi:externalApplicationId>
  <xsi:subscriptionId>7f09c36a-3ee1-44f9-93fc-fe54fbf16519</xsi:subscriptionId>
  <xsi:channelId>4989a025-e801-4150-9bc1-8696c2e4d387</xsi:channelId>
  <xsi:targetId>subscriberS3@broadsoft.com</xsi:targetId>
"""
ENVELOPE_TAIL = b"\n</xsi:Event>"


def envelope(event_data: bytes) -> bytes:
    """Wrap an ``eventData`` element in the spec's sample envelope."""
    return ENVELOPE_HEAD + event_data + ENVELOPE_TAIL


REMOTE_PARTY_S1 = b"""<xsi:remoteParty>
        <xsi:name>subscriberS1FirstName subscriberS1LastName</xsi:name>
        <xsi:address>tel:1011</xsi:address>
        <xsi:userId>subscriberS1@broadsoft.com</xsi:userId>
        <xsi:userDN countryCode="1">tel:+15006001011;ext=1011</xsi:userDN>
        <xsi:callType>Group</xsi:callType>
      </xsi:remoteParty>"""

CALL_RECEIVED = envelope(
    b"""<xsi:eventData xsi1:type="xsi:CallReceivedEvent">
    <xsi:call>
      <xsi:callId>callhalf-12215:0</xsi:callId>
      <xsi:extTrackingId>108:1</xsi:extTrackingId>
      <xsi:personality>Terminator</xsi:personality>
      <xsi:state>Alerting</xsi:state>
      """
    + REMOTE_PARTY_S1
    + b"""
      <xsi:startTime>1271273072015</xsi:startTime>
    </xsi:call>
  </xsi:eventData>"""
)

CALL_HELD = envelope(
    b"""<xsi:eventData xsi1:type="xsi:CallHeldEvent">
    <xsi:call>
      <xsi:callId>callhalf-11283:0</xsi:callId> <xsi:extTrackingId>18:1</xsi:extTrackingId>
      <xsi:personality>Terminator</xsi:personality> <xsi:state>Held</xsi:state>
      """
    + REMOTE_PARTY_S1
    + b"""
      <xsi:endpoint xsi1:type="xsi:AccessEndpoint"><xsi:addressOfRecord>5006001011@broadsoft.com</xsi:addressOfRecord></xsi:endpoint>
      <xsi:appearance>1</xsi:appearance>
      <xsi:allowRetrieve />
      <xsi:startTime>1271265744119</xsi:startTime>
      <xsi:answerTime>1271265745924</xsi:answerTime>
      <xsi:heldTime>1271265909363</xsi:heldTime>
    </xsi:call>
  </xsi:eventData>"""
)

CALL_RELEASING = envelope(
    b"""<xsi:eventData xsi1:type="xsi:CallReleasingEvent">
    <xsi:call>
      <xsi:callId>callhalf-14969:0</xsi:callId> <xsi:extTrackingId>447:1</xsi:extTrackingId>
      <xsi:personality>Originator</xsi:personality> <xsi:state>Active</xsi:state>
      <xsi:releaseCause>
        <xsi:internalReleaseCause>User Not Found</xsi:internalReleaseCause>
        <xsi:cdrTerminationCause>111</xsi:cdrTerminationCause>
      </xsi:releaseCause>
      <xsi:remoteParty><xsi:address>tel:10</xsi:address><xsi:callType>Network</xsi:callType></xsi:remoteParty>
      <xsi:startTime>1271267126217</xsi:startTime>
    </xsi:call>
  </xsi:eventData>"""
)

CALL_RELEASED = envelope(
    b"""<xsi:eventData xsi1:type="xsi:CallReleasedEvent">
    <xsi:call>
      <xsi:callId>callhalf-11403:0</xsi:callId> <xsi:extTrackingId>26:1</xsi:extTrackingId>
      <xsi:personality>Originator</xsi:personality> <xsi:state>Released</xsi:state>
      <xsi:releasingParty>remoteRelease</xsi:releasingParty>
      """
    + REMOTE_PARTY_S1
    + b"""
      <xsi:endpoint xsi1:type="xsi:AccessEndpoint"><xsi:addressOfRecord>5006001012@broadsoft.com</xsi:addressOfRecord></xsi:endpoint>
      <xsi:startTime>1271267126217</xsi:startTime>
      <xsi:answerTime>1271267126953</xsi:answerTime>
      <xsi:releaseTime>1271269018907</xsi:releaseTime>
    </xsi:call>
  </xsi:eventData>"""
)

CALL_REDIRECTED = envelope(
    b"""<xsi:eventData xsi1:type="xsi:CallRedirectedEvent">
    <xsi:calls>
      <xsi:call>
        <xsi:callId>callhalf-63883:0</xsi:callId> <xsi:extTrackingId>536:1</xsi:extTrackingId>
        <xsi:personality>Terminator</xsi:personality> <xsi:state>Held</xsi:state>
        <xsi:remoteParty><xsi:name>S2</xsi:name><xsi:address>tel:1012</xsi:address><xsi:callType>Group</xsi:callType></xsi:remoteParty>
        <xsi:redirect><xsi:address>tel:1013</xsi:address><xsi:reason>transfer</xsi:reason><xsi:redirectTime>1271798576165</xsi:redirectTime></xsi:redirect>
        <xsi:allowRetrieve /> <xsi:startTime>1271798100000</xsi:startTime> <xsi:answerTime>1271798101000</xsi:answerTime> <xsi:heldTime>1271798113802</xsi:heldTime>
      </xsi:call>
      <xsi:call>
        <xsi:callId>callhalf-63883:1</xsi:callId> <xsi:extTrackingId>536:1</xsi:extTrackingId>
        <xsi:personality>Terminator</xsi:personality> <xsi:state>Detached</xsi:state>
        <xsi:remoteParty><xsi:name>S3</xsi:name><xsi:address>tel:1013</xsi:address><xsi:callType>Group</xsi:callType></xsi:remoteParty>
        <xsi:redirect><xsi:address>tel:1012</xsi:address><xsi:reason>transfer</xsi:reason><xsi:redirectTime>1271798576165</xsi:redirectTime></xsi:redirect>
        <xsi:startTime>1271798200000</xsi:startTime> <xsi:detachedTime>1271798576166</xsi:detachedTime>
      </xsi:call>
    </xsi:calls>
  </xsi:eventData>"""
)

CALL_SUBSCRIPTION = envelope(
    b"""<xsi:eventData xsi1:type="xsi:CallSubscriptionEvent">
    <xsi:calls>
      <xsi:call>
        <xsi:callId>callhalf-2427:0</xsi:callId> <xsi:extTrackingId>4:1</xsi:extTrackingId>
        <xsi:personality>Terminator</xsi:personality> <xsi:state>Active</xsi:state>
        <xsi:remoteParty><xsi:name>john3 south</xsi:name><xsi:address>tel:603</xsi:address>
          <xsi:userId>south03@mtlasdev87.net</xsi:userId>
          <xsi:userDN countryCode="1">tel:+15146987603;ext=603</xsi:userDN><xsi:callType>Group</xsi:callType></xsi:remoteParty>
        <xsi:endpoint xsi1:type="xsi:AccessEndpoint"><xsi:addressOfRecord>5146987602@mtlasdev87.net</xsi:addressOfRecord></xsi:endpoint>
        <xsi:appearance>1</xsi:appearance>
        <xsi:startTime>1292254494886</xsi:startTime> <xsi:answerTime>1292254496345</xsi:answerTime>
      </xsi:call>
    </xsi:calls>
    <xsi:hookStatus>Off-Hook</xsi:hookStatus>
  </xsi:eventData>"""
)

HOOK_STATUS = envelope(
    b'<xsi:eventData xsi1:type="xsi:HookStatusEvent"><xsi:hookStatus>Off-Hook</xsi:hookStatus>'
    b"</xsi:eventData>"
)

CONFERENCE_STARTED = envelope(
    b"""<xsi:eventData xsi1:type="xsi:ConferenceStartedEvent">
    <xsi:conference>
      <xsi:state>Active</xsi:state>
      <xsi:endpoint xsi1:type="xsi:AccessEndpoint"><xsi:addressOfRecord>5006001011@broadsoft.com</xsi:addressOfRecord></xsi:endpoint>
      <xsi:appearance>2</xsi:appearance>
      <xsi:conferenceParticipantList>
        <xsi:conferenceParticipant><xsi:callId>callhalf-24131:0</xsi:callId></xsi:conferenceParticipant>
        <xsi:conferenceParticipant><xsi:callId>callhalf-24131:1</xsi:callId></xsi:conferenceParticipant>
      </xsi:conferenceParticipantList>
    </xsi:conference>
  </xsi:eventData>"""
)

CONFERENCE_RELEASED = envelope(
    b'<xsi:eventData xsi1:type="xsi:ConferenceReleasedEvent"><xsi:conference>'
    b"<xsi:state>Released</xsi:state></xsi:conference></xsi:eventData>"
)

SUBSCRIPTION_TERMINATED = envelope(b'<xsi:eventData xsi1:type="xsi:SubscriptionTerminatedEvent" />')

CFA = envelope(
    b"""<xsi:eventData xsi1:type="xsi:CallForwardingAlwaysEvent">
    <xsi:info>
      <xsi:active>true</xsi:active>
      <xsi:forwardToPhoneNumber>tel:1020</xsi:forwardToPhoneNumber>
      <xsi:ringSplash>true</xsi:ringSplash>
    </xsi:info>
  </xsi:eventData>"""
)

DND = envelope(
    b"""<xsi:eventData xsi1:type="xsi:DoNotDisturbEvent">
    <xsi:info>
      <xsi:active>true</xsi:active>
      <xsi:ringSplash>true</xsi:ringSplash>
    </xsi:info>
  </xsi:eventData>"""
)

CFB = envelope(
    b'<xsi:eventData xsi1:type="xsi:CallForwardingBusyEvent"><xsi:info>'
    b"<xsi:active>false</xsi:active></xsi:info></xsi:eventData>"
)
