"""Configuration: dialing parameters, gateways, locations, users, lines, rights, the vault
and installation settings.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_ID = sa.String(length=64)
_NAME = sa.String(length=200)
_NUMBER = sa.String(length=40)


def upgrade() -> None:
    op.create_table(
        "dialing_parameters",
        sa.Column("id", _ID, nullable=False),
        sa.Column("name", _NAME, nullable=False),
        sa.Column("country_code", sa.String(length=4), nullable=False),
        sa.Column("area_code", sa.String(length=8), nullable=False),
        sa.Column("base_number", _NUMBER, nullable=False),
        sa.Column("internal_number_length", sa.Integer(), nullable=False),
        sa.Column("outside_line_prefix", sa.String(length=8), nullable=False),
        sa.Column("dial_format", sa.String(length=16), nullable=False),
        sa.Column("advanced", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dialing_parameters")),
        sa.UniqueConstraint("name", name=op.f("uq_dialing_parameters_name")),
    )
    op.create_table(
        "gateways",
        sa.Column("id", _ID, nullable=False),
        sa.Column("name", _NAME, nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("xsi_urls", sa.JSON(), nullable=False),
        sa.Column("dialing_parameters_id", _ID, nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("monitoring_username", _NAME, nullable=False),
        sa.Column("proxy_url", sa.String(length=500), nullable=True),
        sa.Column("proxy_username", _NAME, nullable=True),
        sa.Column("event_timeout_s", sa.Integer(), nullable=False),
        sa.Column("tls_ca_file", sa.String(length=500), nullable=True),
        sa.Column("portal_url", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["dialing_parameters_id"],
            ["dialing_parameters.id"],
            name=op.f("fk_gateways_dialing_parameters_id_dialing_parameters"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_gateways")),
        sa.UniqueConstraint("name", name=op.f("uq_gateways_name")),
    )
    op.create_index(
        op.f("ix_gateways_dialing_parameters_id"), "gateways", ["dialing_parameters_id"]
    )
    op.create_table(
        "locations",
        sa.Column("id", _ID, nullable=False),
        sa.Column("name", _NAME, nullable=False),
        sa.Column("journal_retention_days", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_locations")),
        sa.UniqueConstraint("name", name=op.f("uq_locations_name")),
    )
    op.create_table(
        "location_parameters",
        sa.Column("location_id", _ID, nullable=False),
        sa.Column("name", _NAME, nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_location_parameters_location_id_locations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("location_id", "name", name=op.f("pk_location_parameters")),
    )
    op.create_table(
        "users",
        sa.Column("id", _ID, nullable=False),
        sa.Column("username", _NAME, nullable=False),
        sa.Column("display_name", _NAME, nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("location_id", _ID, nullable=True),
        sa.Column("mobile_number", _NUMBER, nullable=True),
        sa.Column("pbx_username", _NAME, nullable=True),
        sa.Column("pbx_state", sa.String(length=16), nullable=False),
        sa.Column("pbx_failed_attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["location_id"],
            ["locations.id"],
            name=op.f("fk_users_location_id_locations"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_index(op.f("ix_users_location_id"), "users", ["location_id"])
    op.create_table(
        "lines",
        sa.Column("id", _ID, nullable=False),
        sa.Column("gateway_id", _ID, nullable=False),
        sa.Column("pbx_user_id", _NAME, nullable=False),
        sa.Column("number", _NUMBER, nullable=False),
        sa.Column("extension", _NUMBER, nullable=True),
        sa.Column("display_name", _NAME, nullable=False),
        sa.Column("user_id", _ID, nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["gateway_id"], ["gateways.id"], name=op.f("fk_lines_gateway_id_gateways")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_lines_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lines")),
        sa.UniqueConstraint(
            "gateway_id", "pbx_user_id", name=op.f("uq_lines_gateway_id_pbx_user_id")
        ),
    )
    op.create_index(op.f("ix_lines_user_id"), "lines", ["user_id"])
    op.create_table(
        "line_parameters",
        sa.Column("line_id", _ID, nullable=False),
        sa.Column("name", _NAME, nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["line_id"],
            ["lines.id"],
            name=op.f("fk_line_parameters_line_id_lines"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("line_id", "name", name=op.f("pk_line_parameters")),
    )
    op.create_table(
        "teams",
        sa.Column("id", _ID, nullable=False),
        sa.Column("name", _NAME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
        sa.UniqueConstraint("name", name=op.f("uq_teams_name")),
    )
    op.create_table(
        "team_members",
        sa.Column("team_id", _ID, nullable=False),
        sa.Column("user_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_team_members_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_team_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_team_members")),
    )
    op.create_index(op.f("ix_team_members_user_id"), "team_members", ["user_id"])
    op.create_table(
        "grants",
        sa.Column("viewer_id", _ID, nullable=False),
        sa.Column("subject_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["users.id"],
            name=op.f("fk_grants_subject_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["viewer_id"], ["users.id"], name=op.f("fk_grants_viewer_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("viewer_id", "subject_id", name=op.f("pk_grants")),
    )
    op.create_index(op.f("ix_grants_subject_id"), "grants", ["subject_id"])
    op.create_table(
        "secrets",
        sa.Column("name", _NAME, nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_secrets")),
    )
    op.create_index(op.f("ix_secrets_key_id"), "secrets", ["key_id"])
    op.create_table(
        "installation",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_installation")),
    )


def downgrade() -> None:
    for table in (
        "installation",
        "secrets",
        "grants",
        "team_members",
        "teams",
        "line_parameters",
        "lines",
        "users",
        "location_parameters",
        "locations",
        "gateways",
        "dialing_parameters",
    ):
        op.drop_table(table)
