"""`python -m funding_api` serves on FUNDING_HOST:FUNDING_PORT;
`python -m funding_api migrate` upgrades the schema and exits."""

from daye_kit.serve import serve
from funding_api.config import Settings
from funding_api.main import MIGRATIONS, create_app

if __name__ == "__main__":
    serve(Settings, create_app, migrations=MIGRATIONS)
