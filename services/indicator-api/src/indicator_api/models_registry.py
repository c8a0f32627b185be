"""Every table of indicator-api, imported so that the metadata knows them (Alembic, tests)."""

from indicator_api.identity import models as identity_models
from indicator_api.models import metadata

__all__ = ["identity_models", "metadata"]
