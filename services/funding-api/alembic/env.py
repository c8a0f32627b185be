from daye_kit.migrations import run_migrations
from funding_api import models_registry
from funding_api.config import Settings

run_migrations(models_registry.metadata, lambda: Settings().database_url)
