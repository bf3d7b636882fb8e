"""A store with one gateway, one user and that user's line: the smallest installation the event
pipeline can apply events to."""

from __future__ import annotations

from pathlib import Path

from cloudcti.store import (
    DialingParametersRecord,
    GatewayRecord,
    LineRecord,
    Store,
    UserRecord,
    load_keyring,
)
from tests.store.store_fixtures import FAST_HASHING

GATEWAY = "gw-1"
LINE = "l-alice"
USER = "u-alice"


async def one_line_store(data_dir: Path) -> Store:
    """An open store in ``data_dir`` holding gateway ``GATEWAY`` with Alice's line ``LINE``
    (PBX user ``alice@example.net``) assigned to user ``USER``; the caller closes it."""
    keyring = load_keyring(data_dir, {"CLOUDCTI_SECRET_KEY": "A" * 43})
    store = await Store.open(keyring, data_dir=data_dir, hashing=FAST_HASHING)
    async with store.transaction() as tx:
        await tx.dialing_parameters.add(
            DialingParametersRecord(id="dp-1", name="München", country_code="49", area_code="89")
        )
        await tx.gateways.add(
            GatewayRecord(
                id=GATEWAY,
                name="PBX",
                xsi_urls=("https://xsi.example.net",),
                dialing_parameters_id="dp-1",
                monitoring_username="monitor@example.net",
            ),
            monitoring_password="monitor-password",
        )
        await tx.users.add(UserRecord(USER, "alice", "Alice"), password="alice-login-1")
        await tx.lines.add(
            LineRecord(LINE, GATEWAY, "alice@example.net", "+4989887766771", "Alice", user_id=USER)
        )
    return store
