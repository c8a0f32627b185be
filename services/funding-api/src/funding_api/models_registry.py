"""Every table of funding-api, imported so that the metadata knows them (Alembic, tests)."""

from funding_api.models import metadata

__all__ = ["metadata"]
