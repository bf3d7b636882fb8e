"""The schema: one SQLAlchemy Core table per stored thing (ISSUE 7).

Times are epoch milliseconds (``BigInteger``). Numbers are E.164 strings. Secrets never
appear here in clear: they live encrypted in ``secrets`` (see ``vault``), named
``gateway/<id>/monitoring``, ``gateway/<id>/proxy`` and ``user/<id>/pbx``.
Alembic migrations in ``migrations/versions`` must produce exactly this schema (tested).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

__all__ = ["metadata"]

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

_ID = 64  # opaque ids (uuid4 hex today)
_NAME = 200
_NUMBER = 40  # E.164 or an extension

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
_SEQ = BigInteger().with_variant(Integer(), "sqlite")

dialing_parameters = Table(
    "dialing_parameters",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("name", String(_NAME), nullable=False, unique=True),
    Column("country_code", String(4), nullable=False),
    Column("area_code", String(8), nullable=False),
    Column("base_number", String(_NUMBER), nullable=False),
    Column("internal_number_length", Integer, nullable=False),
    Column("outside_line_prefix", String(8), nullable=False),
    Column("dial_format", String(16), nullable=False),
    Column("advanced", JSON, nullable=False),
)

gateways = Table(
    "gateways",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("name", String(_NAME), nullable=False, unique=True),
    Column("type", String(64), nullable=False),
    Column("xsi_urls", JSON, nullable=False),
    Column(
        "dialing_parameters_id",
        String(_ID),
        ForeignKey("dialing_parameters.id"),
        nullable=False,
        index=True,
    ),
    Column("disabled", Boolean, nullable=False),
    Column("monitoring_username", String(_NAME), nullable=False),
    Column("proxy_url", String(500)),
    Column("proxy_username", String(_NAME)),
    Column("event_timeout_s", Integer, nullable=False),
    Column("tls_ca_file", String(500)),
    Column("portal_url", String(500)),
)

locations = Table(
    "locations",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("name", String(_NAME), nullable=False, unique=True),
    Column("journal_retention_days", Integer, nullable=False),
)

location_parameters = Table(
    "location_parameters",
    metadata,
    Column(
        "location_id",
        String(_ID),
        ForeignKey("locations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("name", String(_NAME), primary_key=True),
    Column("value", JSON, nullable=False),  # a string or a boolean
)

users = Table(
    "users",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("username", String(_NAME), nullable=False, unique=True),
    Column("display_name", String(_NAME), nullable=False),
    Column("password_hash", String(200), nullable=False),  # argon2id, PHC string
    Column("role", String(16), nullable=False),
    Column("language", String(8), nullable=False),
    Column(
        "location_id",
        String(_ID),
        ForeignKey("locations.id", ondelete="SET NULL"),
        index=True,
    ),
    Column("mobile_number", String(_NUMBER)),
    Column("pbx_username", String(_NAME)),
    Column("pbx_state", String(16), nullable=False),
    Column("pbx_failed_attempts", Integer, nullable=False),
)

lines = Table(
    "lines",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("gateway_id", String(_ID), ForeignKey("gateways.id"), nullable=False),
    Column("pbx_user_id", String(_NAME), nullable=False),
    Column("number", String(_NUMBER), nullable=False),
    Column("extension", String(_NUMBER)),
    Column("display_name", String(_NAME), nullable=False),
    Column("user_id", String(_ID), ForeignKey("users.id", ondelete="SET NULL"), index=True),
    Column("disabled", Boolean, nullable=False),
    UniqueConstraint("gateway_id", "pbx_user_id"),
)

line_parameters = Table(
    "line_parameters",
    metadata,
    Column(
        "line_id",
        String(_ID),
        ForeignKey("lines.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("name", String(_NAME), primary_key=True),
    Column("value", Text, nullable=False),
)

teams = Table(
    "teams",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("name", String(_NAME), nullable=False, unique=True),
)

team_members = Table(
    "team_members",
    metadata,
    Column("team_id", String(_ID), ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "user_id",
        String(_ID),
        ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)

# viewer may see subject's forwarding target (CONTRACT.md §2.1 Presence)
grants = Table(
    "grants",
    metadata,
    Column("viewer_id", String(_ID), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "subject_id",
        String(_ID),
        ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)

secrets = Table(
    "secrets",
    metadata,
    Column("name", String(_NAME), primary_key=True),  # bound to the ciphertext as AAD
    Column("key_id", String(16), nullable=False, index=True),
    Column("sealed", LargeBinary, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

# Installation-wide settings: channel_set_id, application_id, everyone_sees_targets, …
installation = Table(
    "installation",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

# --- revision 0002: what the running server writes ---------------------------------------

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(_ID), primary_key=True),
    Column("user_id", String(_ID), ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256 hex
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False, index=True),
    Index(None, "user_id"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("user_id", String(_ID), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(_NAME), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("response", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False, index=True),
)

processed_xsi_events = Table(
    "processed_xsi_events",
    metadata,
    Column("gateway_id", String(_ID), primary_key=True),
    Column("event_id", String(_NAME), primary_key=True),
    Column("seen_at", BigInteger, nullable=False),
    Index(None, "gateway_id", "seen_at"),
)

journal_entries = Table(
    "journal_entries",
    metadata,
    Column("seq", _SEQ, primary_key=True, autoincrement=True),  # insertion order
    Column("id", String(_NAME), nullable=False, unique=True),
    Column("call_id", String(_NAME), nullable=False),
    Column("line_id", String(_ID), nullable=False),
    Column("user_id", String(_ID)),  # the line's user when the call ended
    Column("direction", String(16), nullable=False),
    Column("remote_number", String(_NUMBER)),
    Column("remote_display", String(_NAME), nullable=False),
    Column("remote_name", String(_NAME)),
    Column("status", String(32), nullable=False),
    Column("device", String(32), nullable=False),
    Column("started_at", BigInteger, nullable=False),
    Column("answered_at", BigInteger),
    Column("ended_at", BigInteger, nullable=False, index=True),
    Column("duration_s", Integer, nullable=False),
    # "a user's / a line's newest N": walk these indexes backwards from the end
    Index(None, "user_id", "seq"),
    Index(None, "line_id", "seq"),
)

ws_frames = Table(
    "ws_frames",
    metadata,
    Column("user_id", String(_ID), primary_key=True),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("type", String(64), nullable=False),
    Column("data", Text, nullable=False),  # the frame's JSON, as sent
    Column("at", BigInteger, nullable=False),
)

# --- revision 0003: state a restart must not lose ----------------------------------------

# The conversation a live call leg carries on from earlier legs (call pull, relocate), as
# the domain's JSON data; deleted when the conversation is journalled or the leg is gone.
carried_calls = Table(
    "carried_calls",
    metadata,
    Column("line_id", String(_ID), primary_key=True),
    Column("call_id", String(_NAME), primary_key=True),
    Column("history", JSON, nullable=False),
    Column("updated_at", BigInteger, nullable=False, index=True),
)

# The number a gateway's PBX redirects calls to voicemail at, learnt from its events.
voice_portals = Table(
    "voice_portals",
    metadata,
    Column(
        "gateway_id",
        String(_ID),
        ForeignKey("gateways.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("number", String(_NUMBER), nullable=False),
)
