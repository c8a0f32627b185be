"""`python -m funding_api`: serve on FUNDING_HOST:FUNDING_PORT."""

from daye_kit.serve import serve
from funding_api.config import Settings
from funding_api.main import create_app

if __name__ == "__main__":
    serve(Settings, create_app)
