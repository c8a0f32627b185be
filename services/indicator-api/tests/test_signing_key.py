"""The signing key: made once, shared by replicas that start together, never made in production."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from indicator_api.config import Settings
from indicator_api.identity.keys import load_signing_key


def test_replicas_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    settings = Settings(signing_key_file=tmp_path / "keys" / "signing.pem")
    with ThreadPoolExecutor(max_workers=8) as pool:
        kids = set(pool.map(lambda _: load_signing_key(settings).kid, range(16)))
    assert len(kids) == 1
    assert (tmp_path / "keys" / "signing.pem").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in (tmp_path / "keys").iterdir()] == ["signing.pem"]
    assert load_signing_key(settings).kid in kids


def test_production_never_generates_a_key(tmp_path: Path) -> None:
    settings = Settings(signing_key_file=tmp_path / "signing.pem")
    settings.environment = "production"
    with pytest.raises(RuntimeError, match="does not exist"):
        load_signing_key(settings)
