"""The JSON shapes of CONTRACT.md §2.1 ``Call`` and ``JournalEntry``, shared by the REST
routes and the WebSocket frames so both always say the same."""

from __future__ import annotations

from typing import Any

from cloudcti.app.clock import iso
from cloudcti.domain.calls import Call, Remote
from cloudcti.domain.journal import JournalEntry
from cloudcti.store import JournalRecord

__all__ = ["call_json", "journal_json", "journal_record"]


def _iso(ms: int | None) -> str | None:
    return None if ms is None else iso(ms)


def _remote(remote: Remote) -> dict[str, Any]:
    return {"number": remote.number, "display": remote.display, "name": remote.name}


def call_json(call: Call) -> dict[str, Any]:
    """A call as CONTRACT.md §2.1 ``Call`` (times ISO-8601 with ``Z``)."""
    return {
        "id": call.id,
        "line_id": call.line_id,
        "direction": call.direction.value,
        "state": call.state.value,
        "remote": _remote(call.remote),
        "device": call.device.value,
        "voicemail": call.voicemail,
        "remote_held": call.remote_held,
        "consult_of": call.consult_of,
        "conference_id": call.conference_id,
        "created_at": iso(call.created_at),
        "answered_at": _iso(call.answered_at),
        "ended_at": _iso(call.ended_at),
        "features": [f.value for f in call.features],
    }


def journal_record(entry: JournalEntry, user_id: str | None) -> JournalRecord:
    """The stored form of a journal entry, owned by the line's user at the time."""
    return JournalRecord(
        id=entry.id,
        call_id=entry.call_id,
        line_id=entry.line_id,
        user_id=user_id,
        direction=entry.direction.value,
        remote_number=entry.remote.number,
        remote_display=entry.remote.display,
        remote_name=entry.remote.name,
        status=entry.status.value,
        device=entry.device.value,
        started_at=entry.started_at,
        answered_at=entry.answered_at,
        ended_at=entry.ended_at,
        duration_s=entry.duration_s,
    )


def journal_json(record: JournalRecord) -> dict[str, Any]:
    """A stored journal entry as CONTRACT.md §2.1 ``JournalEntry``."""
    return {
        "id": record.id,
        "call_id": record.call_id,
        "line_id": record.line_id,
        "direction": record.direction,
        "remote": {
            "number": record.remote_number,
            "display": record.remote_display,
            "name": record.remote_name,
        },
        "status": record.status,
        "device": record.device,
        "started_at": iso(record.started_at),
        "answered_at": _iso(record.answered_at),
        "ended_at": iso(record.ended_at),
        "duration_s": record.duration_s,
    }
