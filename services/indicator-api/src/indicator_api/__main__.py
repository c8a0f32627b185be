"""`python -m indicator_api`: serve on INDICATOR_HOST:INDICATOR_PORT."""

from daye_kit.serve import serve
from indicator_api.config import Settings
from indicator_api.main import create_app

if __name__ == "__main__":
    serve(Settings, create_app)
