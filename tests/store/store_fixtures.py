"""Records for the storage tests: a small company on one gateway."""

from __future__ import annotations

from argon2 import PasswordHasher

from cloudcti.store import (
    DialingParametersRecord,
    GatewayRecord,
    JournalRecord,
    LineRecord,
    LocationRecord,
    Transaction,
    UserRecord,
)
from cloudcti.store.passwords import PasswordHashing

# Tests need not pay for real argon2 parameters; one test checks the upgrade to them.
FAST_HASHING = PasswordHashing(PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))

MONITORING_PASSWORD = "Monitor-Passwort-7f3a!"
PROXY_PASSWORD = "Proxy-Kennwort-19c2?"
ANNA_PBX_PASSWORD = "Anna-MyPortal-55e1#"
ANNA_PASSWORD = "anna-login-0b77"

PARAMS = DialingParametersRecord(
    id="dp-1",
    name="Cloud PBX München",
    country_code="49",
    area_code="89",
    base_number="887766",
    advanced={"uri_extension_is_internal": True},
)
GATEWAY = GatewayRecord(
    id="gw-1",
    name="Firma GmbH",
    xsi_urls=("https://xsi1.example.net", "https://xsi2.example.net"),
    dialing_parameters_id="dp-1",
    monitoring_username="cti-monitor@deutschland-lan.de",
    proxy_url="http://proxy.local:3128",
    proxy_username="proxyuser",
)
LOCATION = LocationRecord(
    id="loc-1",
    name="München",
    journal_retention_days=30,
    parameters={"Telephony.VoiceMailNumber": "*86", "Telephony.OverrideVoiceMailNumber": False},
)
ANNA = UserRecord(
    id="u-anna", username="anna", display_name="Anna Schmidt", location_id="loc-1", language="de"
)
BEN = UserRecord(id="u-ben", username="ben", display_name="Ben Meyer", language="en")
LINE_ANNA = LineRecord(
    id="l-anna",
    gateway_id="gw-1",
    pbx_user_id="anna.schmidt@deutschland-lan.de",
    number="+4989887766771",
    extension="771",
    display_name="Anna Schmidt",
    user_id="u-anna",
    parameters={"BSVoiceMailNumber": "*86"},
)
LINE_ANNA_2 = LineRecord(
    id="l-anna-2",
    gateway_id="gw-1",
    pbx_user_id="anna.zwei@deutschland-lan.de",
    number="+4989887766779",
    extension="779",
    display_name="Anna (Empfang)",
    user_id="u-anna",
)


async def seed_company(tx: Transaction) -> None:
    """Dialing parameters, a gateway with both passwords, a location, two users and two
    lines of Anna's, Anna with her own PBX credentials."""
    await tx.dialing_parameters.add(PARAMS)
    await tx.gateways.add(
        GATEWAY, monitoring_password=MONITORING_PASSWORD, proxy_password=PROXY_PASSWORD
    )
    await tx.locations.add(LOCATION)
    await tx.users.add(ANNA, password=ANNA_PASSWORD)
    await tx.users.add(BEN, password="ben-login-11aa")
    await tx.lines.add(LINE_ANNA)
    await tx.lines.add(LINE_ANNA_2)
    await tx.users.set_pbx_credentials(
        "u-anna", "anna.schmidt@deutschland-lan.de", ANNA_PBX_PASSWORD
    )


def journal_record(
    n: int,
    *,
    user_id: str | None = "u-anna",
    line_id: str = "l-anna",
    ended_at: int | None = None,
    status: str = "answered",
) -> JournalRecord:
    """The ``n``-th journal entry of a line (times grow with ``n``)."""
    started = 1_780_000_000_000 + n * 60_000
    return JournalRecord(
        id=f"{line_id}/call{n}/{started}",
        call_id=f"call{n}",
        line_id=line_id,
        user_id=user_id,
        direction="inbound" if n % 2 else "outbound",
        remote_number="+4930224455" if n % 3 else None,
        remote_display="030 224455" if n % 3 else "Unbekannt",
        remote_name="Max Mustermann" if n % 5 == 0 else None,
        status=status,
        device="primary",
        started_at=started,
        answered_at=started + 5_000,
        ended_at=ended_at if ended_at is not None else started + 65_000,
        duration_s=60,
    )
