"""Every table of matching-api, imported so that the metadata knows them (Alembic, tests)."""

from matching_api.models import metadata

__all__ = ["metadata"]
