"""Alembic migrations of the store, shipped with the package so an installed cloudcti migrates."""
