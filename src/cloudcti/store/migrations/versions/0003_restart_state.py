"""State a restart must not lose: carried call histories (call pull, relocate) and the
voice portal number learnt per gateway.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_ID = sa.String(length=64)


def upgrade() -> None:
    op.create_table(
        "carried_calls",
        sa.Column("line_id", _ID, nullable=False),
        sa.Column("call_id", sa.String(length=200), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("line_id", "call_id", name=op.f("pk_carried_calls")),
    )
    op.create_index(op.f("ix_carried_calls_updated_at"), "carried_calls", ["updated_at"])
    op.create_table(
        "voice_portals",
        sa.Column("gateway_id", _ID, nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["gateway_id"],
            ["gateways.id"],
            name=op.f("fk_voice_portals_gateway_id_gateways"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("gateway_id", name=op.f("pk_voice_portals")),
    )


def downgrade() -> None:
    op.drop_table("voice_portals")
    op.drop_index(op.f("ix_carried_calls_updated_at"), table_name="carried_calls")
    op.drop_table("carried_calls")
