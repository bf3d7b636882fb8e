"""Runtime: API tokens, idempotency keys, processed Xsi event ids, the journal and the
WebSocket frame log.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_ID = sa.String(length=64)
_NAME = sa.String(length=200)


def upgrade() -> None:
    op.create_table(
        "api_tokens",
        sa.Column("id", _ID, nullable=False),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.Column("expires_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_expires_at"), "api_tokens", ["expires_at"])
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"])
    op.create_table(
        "idempotency_keys",
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("key", _NAME, nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_idempotency_keys_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "key", name=op.f("pk_idempotency_keys")),
    )
    op.create_index(op.f("ix_idempotency_keys_created_at"), "idempotency_keys", ["created_at"])
    op.create_table(
        "processed_xsi_events",
        sa.Column("gateway_id", _ID, nullable=False),
        sa.Column("event_id", _NAME, nullable=False),
        sa.Column("seen_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("gateway_id", "event_id", name=op.f("pk_processed_xsi_events")),
    )
    op.create_index(
        op.f("ix_processed_xsi_events_gateway_id_seen_at"),
        "processed_xsi_events",
        ["gateway_id", "seen_at"],
    )
    op.create_table(
        "journal_entries",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("id", _NAME, nullable=False),
        sa.Column("call_id", _NAME, nullable=False),
        sa.Column("line_id", _ID, nullable=False),
        sa.Column("user_id", _ID, nullable=True),
        sa.Column("direction", sa.String(length=16), nullable=False),
        sa.Column("remote_number", sa.String(length=40), nullable=True),
        sa.Column("remote_display", _NAME, nullable=False),
        sa.Column("remote_name", _NAME, nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("device", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.BigInteger(), nullable=False),
        sa.Column("answered_at", sa.BigInteger(), nullable=True),
        sa.Column("ended_at", sa.BigInteger(), nullable=False),
        sa.Column("duration_s", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_journal_entries")),
        sa.UniqueConstraint("id", name=op.f("uq_journal_entries_id")),
    )
    op.create_index(op.f("ix_journal_entries_ended_at"), "journal_entries", ["ended_at"])
    op.create_index(op.f("ix_journal_entries_line_id_seq"), "journal_entries", ["line_id", "seq"])
    op.create_index(op.f("ix_journal_entries_user_id_seq"), "journal_entries", ["user_id", "seq"])
    op.create_table(
        "ws_frames",
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "seq", name=op.f("pk_ws_frames")),
    )


def downgrade() -> None:
    for table in (
        "ws_frames",
        "journal_entries",
        "processed_xsi_events",
        "idempotency_keys",
        "api_tokens",
    ):
        op.drop_table(table)
