from daye_kit.migrations import run_migrations
from matching_api import models_registry
from matching_api.config import Settings

run_migrations(models_registry.metadata, lambda: Settings().database_url)
