"""`python -m indicator_api` serves on INDICATOR_HOST:INDICATOR_PORT;
`python -m indicator_api migrate` upgrades the schema and exits."""

from daye_kit.serve import serve
from indicator_api.config import Settings
from indicator_api.main import MIGRATIONS, create_app

if __name__ == "__main__":
    serve(Settings, create_app, migrations=MIGRATIONS)
