"""The front end's typed clients are generated from saved copies of the services' OpenAPI documents;
a copy that no longer matches its service fails here, before a screen calls a changed operation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from daye_dev.openapi_specs import current_specs

SAVED = Path(__file__).resolve().parents[1] / "frontend" / "openapi"


@pytest.mark.parametrize(("name", "spec"), sorted(current_specs().items()))
def test_the_saved_contract_is_the_services_current_one(name: str, spec: dict[str, object]) -> None:
    saved = json.loads((SAVED / f"{name}.json").read_text(encoding="utf-8"))
    assert saved == spec, f"frontend/openapi/{name}.json is stale: run `make openapi`"
