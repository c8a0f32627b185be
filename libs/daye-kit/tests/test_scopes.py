"""Which calls a caller limited to datasets may make: reads of its datasets, by route template."""

from __future__ import annotations

import pytest

from daye_kit.errors import Forbidden
from daye_kit.scopes import DatasetMap, datasets_of, ensure_scope

MAP = DatasetMap(
    {
        "/api/v1/regions": "regions",
        "/api/v1/regions/{region_code}/candidates": "candidates",
        "/api/v1/awards": "awards",
    }
)


def test_the_longest_prefix_decides_at_segment_boundaries() -> None:
    assert MAP.dataset("/api/v1/regions") == "regions"
    assert MAP.dataset("/api/v1/regions/{region_code}") == "regions"
    assert MAP.dataset("/api/v1/regions/{region_code}/candidates") == "candidates"
    assert MAP.dataset("/api/v1/awards/{award_id}") == "awards"
    assert MAP.dataset("/api/v1/awardsx") is None
    assert MAP.dataset("/api/v1/notifications") is None


def _refusal(scopes: list[str], method: str, path: str) -> Forbidden:
    with pytest.raises(Forbidden) as refused:
        ensure_scope(scopes, method=method, route_path=path, datasets=MAP)
    assert refused.value.code == "scope_missing"
    return refused.value


def test_reads_of_its_datasets_and_nothing_else() -> None:
    scopes = ["read:awards"]
    ensure_scope(scopes, method="GET", route_path="/api/v1/awards/{award_id}", datasets=MAP)
    ensure_scope(scopes, method="HEAD", route_path="/api/v1/awards", datasets=MAP)
    ensure_scope(scopes, method="GET", route_path="/api/v1/events", datasets=MAP)
    ensure_scope(scopes, method="GET", route_path="/api/v1/auth/me", datasets=MAP)
    assert _refusal(scopes, "GET", "/api/v1/regions").errors[0].rule == "read:regions"
    assert _refusal(scopes, "POST", "/api/v1/awards").errors[0].rule == "none"
    assert _refusal(scopes, "GET", "/api/v1/notifications").errors[0].rule == "none"
    assert _refusal(scopes, "GET", "").errors[0].rule == "none"


def test_unknown_datasets_in_a_map_stop_the_start() -> None:
    with pytest.raises(ValueError, match="things"):
        DatasetMap({"/api/v1/things": "things"})
    assert datasets_of(None) is None
    assert datasets_of(["read:awards", "read:ledger"]) == {"awards", "ledger"}
