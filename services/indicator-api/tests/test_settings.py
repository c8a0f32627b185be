"""A production start with a development default refuses to run and says why."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from indicator_api.config import Settings

PG_URL = "postgresql+asyncpg://daye@db.internal/indicator"


def _pem() -> str:
    return (
        Ed25519PrivateKey.generate()
        .private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        .decode()
    )


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"demo": True, "database_url": PG_URL, "signing_key": "PEM"}, "demo mode"),
        ({"database_url": "", "signing_key": "PEM"}, "DATABASE_URL"),
        ({"database_url": PG_URL, "signing_key_file": Path("/nonexistent/key.pem")}, "signing key"),
    ],
    ids=["demo", "sqlite", "no-signing-key"],
)
def test_production_refuses_development_defaults(overrides: dict[str, object], complaint: str) -> None:
    values = {k: (_pem() if v == "PEM" else v) for k, v in overrides.items()}
    with pytest.raises(ValidationError, match=complaint):
        Settings(environment="production", **values)


def test_production_with_real_secrets_starts() -> None:
    settings = Settings(environment="production", database_url=PG_URL, signing_key=_pem())
    assert settings.environment == "production"


def test_development_defaults_to_sqlite_under_var() -> None:
    assert Settings(database_url="").database_url == "sqlite+aiosqlite:///var/indicator.db"


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
