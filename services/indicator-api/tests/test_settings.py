"""A production start without indicator-api's own secret refuses to run and says why. What every
service's settings share is tested once, in libs/daye-kit/tests/test_settings.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from indicator_api.config import Settings

PG_URL = "postgresql+asyncpg://daye@db.internal/indicator"


def test_production_refuses_to_start_without_a_signing_key() -> None:
    with pytest.raises(ValidationError, match="signing key"):
        Settings(environment="production", database_url=PG_URL, signing_key_file=Path("/nonexistent/key.pem"))


def test_the_process_exits_with_the_reason(tmp_path: Path) -> None:
    env = {**os.environ, "INDICATOR_ENVIRONMENT": "production", "INDICATOR_DEMO": "true"}
    result = subprocess.run(
        [sys.executable, "-m", "indicator_api"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "refusing to start in production" in result.stderr
    assert "demo mode" in result.stderr
