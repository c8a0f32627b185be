"""`python -m matching_api`: serve on MATCHING_HOST:MATCHING_PORT."""

from daye_kit.serve import serve
from matching_api.config import Settings
from matching_api.main import create_app

if __name__ == "__main__":
    serve(Settings, create_app)
