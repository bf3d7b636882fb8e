"""Alembic revisions, oldest first: 0001 configuration, 0002 runtime."""
