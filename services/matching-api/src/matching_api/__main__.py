"""`python -m matching_api` serves on MATCHING_HOST:MATCHING_PORT;
`python -m matching_api migrate` upgrades the schema and exits."""

from daye_kit.serve import serve
from matching_api.config import Settings
from matching_api.main import MIGRATIONS, create_app

if __name__ == "__main__":
    serve(Settings, create_app, migrations=MIGRATIONS)
