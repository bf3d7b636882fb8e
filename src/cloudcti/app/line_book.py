"""Which monitored line a PBX user is, with the ``LineConfig`` its reducer needs; cached,
dropped whenever a gateway or its lines change (``Runtimes.sync``). The gateway's voice
portal number, once learnt, is stored and read back with the gateway's lines, so it is
known again right after a restart."""

from __future__ import annotations

from dataclasses import dataclass

from cloudcti.app.dialing import directory_for, to_domain
from cloudcti.domain.forwarding import voicemail_number
from cloudcti.domain.lines import LineConfig
from cloudcti.store import Store, Transaction

__all__ = ["LineBook", "LineInfo"]


@dataclass(frozen=True, slots=True)
class LineInfo:
    """A monitored line: its id, its reducer's configuration and the user it is assigned to
    (as of the book's last load; reassigning a line invalidates the gateway's book)."""

    line_id: str
    config: LineConfig
    user_id: str | None = None


class LineBook:
    """Maps ``(gateway_id, PBX user id)`` to the line, loading a gateway's lines at once.

    Everything is reloaded after this process committed a change to lines or users
    (``Store.lines_version``), so a line reassigned to another user is seen at once."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._gateways: dict[str, dict[str, LineInfo]] = {}
        self._voice_portals: dict[str, str] = {}
        self._version = store.lines_version

    async def learn_voice_portal(self, gateway_id: str, number: str) -> None:
        """The gateway's PBX redirects to voicemail at ``number`` (E.164): stored (in a
        transaction of its own, only when new or changed) and every line's
        ``LineConfig.voice_portal`` from now on. Raises what made storing it fail."""
        if self._voice_portals.get(gateway_id) == number:
            return
        async with self._store.transaction() as tx:
            if await tx.voice_portals.get(gateway_id) != number:
                await tx.voice_portals.set(gateway_id, number)
        self._voice_portals[gateway_id] = number
        self.invalidate(gateway_id)

    def invalidate(self, gateway_id: str) -> None:
        """Forget the gateway's lines; the next lookup reloads them."""
        self._gateways.pop(gateway_id, None)

    async def find(self, tx: Transaction, gateway_id: str, pbx_user_id: str) -> LineInfo | None:
        """The enabled line of the gateway whose PBX user this is (case-insensitive)."""
        if self._version != self._store.lines_version:
            self._version = self._store.lines_version
            self._gateways.clear()
        lines = self._gateways.get(gateway_id)
        if lines is None:
            portal = self._voice_portals.get(gateway_id)
            if portal is None:
                portal = await tx.voice_portals.get(gateway_id)
                if portal is not None:
                    self._voice_portals[gateway_id] = portal
            lines = await _load(tx, gateway_id, portal)
            self._gateways[gateway_id] = lines
        return lines.get(pbx_user_id.lower())


async def _load(tx: Transaction, gateway_id: str, voice_portal: str | None) -> dict[str, LineInfo]:
    gateway = await tx.gateways.get(gateway_id)
    if gateway is None:
        return {}
    params_record = await tx.dialing_parameters.get(gateway.dialing_parameters_id)
    if params_record is None:
        return {}
    params = to_domain(params_record)
    directory = await directory_for(tx, gateway.dialing_parameters_id)
    found: dict[str, LineInfo] = {}
    for line in await tx.lines.all(gateway_id=gateway_id):
        if line.disabled:
            continue
        location: dict[str, str | bool] = {}
        user = await tx.users.get(line.user_id) if line.user_id else None
        if user is not None and user.location_id is not None:
            record = await tx.locations.get(user.location_id)
            location = dict(record.parameters) if record is not None else {}
        voicemail = voicemail_number(line.parameters, location)
        config = LineConfig(
            line.id, params, directory, voicemail_number=voicemail, voice_portal=voice_portal
        )
        found[line.pbx_user_id.lower()] = LineInfo(line.id, config, line.user_id)
    return found
