"""Which monitored line a PBX user is, with the ``LineConfig`` its reducer needs; cached,
dropped whenever a gateway or its lines change (``Runtimes.sync``)."""

from __future__ import annotations

from dataclasses import dataclass

from cloudcti.app.dialing import directory_for, to_domain
from cloudcti.domain.forwarding import DEFAULT_VOICEMAIL_NUMBER
from cloudcti.domain.lines import LineConfig
from cloudcti.store import Store, Transaction

__all__ = ["LineBook", "LineInfo"]

_VOICEMAIL_PARAMETER = "BSVoiceMailNumber"


@dataclass(frozen=True, slots=True)
class LineInfo:
    """A monitored line: its id and its reducer's configuration."""

    line_id: str
    config: LineConfig


class LineBook:
    """Maps ``(gateway_id, PBX user id)`` to the line, loading a gateway's lines at once."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._gateways: dict[str, dict[str, LineInfo]] = {}

    def invalidate(self, gateway_id: str) -> None:
        """Forget the gateway's lines; the next lookup reloads them."""
        self._gateways.pop(gateway_id, None)

    async def find(self, tx: Transaction, gateway_id: str, pbx_user_id: str) -> LineInfo | None:
        """The enabled line of the gateway whose PBX user this is (case-insensitive)."""
        lines = self._gateways.get(gateway_id)
        if lines is None:
            lines = await _load(tx, gateway_id)
            self._gateways[gateway_id] = lines
        return lines.get(pbx_user_id.lower())


async def _load(tx: Transaction, gateway_id: str) -> dict[str, LineInfo]:
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
        voicemail = line.parameters.get(_VOICEMAIL_PARAMETER, DEFAULT_VOICEMAIL_NUMBER)
        config = LineConfig(line.id, params, directory, voicemail_number=voicemail)
        found[line.pbx_user_id.lower()] = LineInfo(line.id, config)
    return found
