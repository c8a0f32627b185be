"""Consumer keys limited to datasets: the datasets, their scopes and where each service serves them.

An API key may carry scopes (`read:enterprises`, `read:awards` …). A caller holding scopes (the key,
or a token drawn with it) may only read: GET or HEAD operations whose dataset is in its scopes, its own
identity (`/api/v1/auth/me`) and the change feed, which shows it only the events of its datasets.
Anything else is 403 `scope_missing`. A caller without scopes is not limited here. Each service
declares which of its paths serve which dataset once (`ServiceSpec.datasets`, from its `access.py`);
a path it does not name is closed to scoped callers.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from daye_kit.errors import FieldError, Forbidden

SCOPED_METHODS = frozenset({"GET", "HEAD"})
# Open to every scoped caller: who it is, and the feed (which filters its events by the scopes).
OPEN_TO_SCOPED = frozenset({"/api/v1/auth/me", "/api/v1/events"})


class Dataset(StrEnum):
    """What a consumer key may be allowed to read; the change feed's event types name them too."""

    # indicator-api
    enterprises = "enterprises"  # enterprises and their qualifications
    candidates = "candidates"  # township cultivation candidates
    indicators = "indicators"  # indicators, values, targets, progress, dashboard, reports
    tech_contracts = "tech_contracts"
    regions = "regions"
    # matching-api
    demands = "demands"
    supplies = "supplies"
    matches = "matches"
    stats = "stats"
    # funding-api
    programs = "programs"
    awards = "awards"
    disbursements = "disbursements"
    ledger = "ledger"
    outstanding = "outstanding"


class Scope(StrEnum):
    """`read:<dataset>`: the reads of one dataset."""

    read_enterprises = "read:enterprises"
    read_candidates = "read:candidates"
    read_indicators = "read:indicators"
    read_tech_contracts = "read:tech_contracts"
    read_regions = "read:regions"
    read_demands = "read:demands"
    read_supplies = "read:supplies"
    read_matches = "read:matches"
    read_stats = "read:stats"
    read_programs = "read:programs"
    read_awards = "read:awards"
    read_disbursements = "read:disbursements"
    read_ledger = "read:ledger"
    read_outstanding = "read:outstanding"


def scope_of(dataset: str) -> str:
    return f"read:{dataset}"


def datasets_of(scopes: list[str] | None) -> frozenset[str] | None:
    """The datasets a caller may read; None when it is not limited."""
    if scopes is None:
        return None
    return frozenset(scope.removeprefix("read:") for scope in scopes if scope.startswith("read:"))


class DatasetMap:
    """A service's paths → datasets. A path prefix covers the paths under it (`/api/v1/awards` covers
    `/api/v1/awards/{award_id}`); the longest prefix decides. Looked up by route template, once each."""

    def __init__(self, prefixes: Mapping[str, str]) -> None:
        unknown = sorted(set(prefixes.values()) - set(Dataset))
        if unknown:
            raise ValueError(f"unknown datasets {unknown}; add them to daye_kit.scopes.Dataset")
        self._prefixes = sorted(prefixes.items(), key=lambda item: len(item[0]), reverse=True)
        self._resolved: dict[str, str | None] = {}

    def dataset(self, route_path: str) -> str | None:
        if route_path not in self._resolved:
            self._resolved[route_path] = next(
                (
                    dataset
                    for prefix, dataset in self._prefixes
                    if route_path == prefix or route_path.startswith(prefix.rstrip("/") + "/")
                ),
                None,
            )
        return self._resolved[route_path]


def ensure_scope(scopes: list[str], *, method: str, route_path: str, datasets: DatasetMap) -> None:
    """403 `scope_missing` unless a caller limited to `scopes` may make this call."""
    if method in SCOPED_METHODS and route_path in OPEN_TO_SCOPED:
        return
    dataset = datasets.dataset(route_path)
    if dataset is None:
        raise _missing("this operation is not open to keys limited to datasets", None)
    if method not in SCOPED_METHODS:
        raise _missing(f"a key limited to datasets only reads; {method} is not a read", None)
    if scope_of(dataset) not in scopes:
        raise _missing(f"this key may not read {dataset}: it needs scope {scope_of(dataset)}", dataset)


def _missing(detail: str, dataset: str | None) -> Forbidden:
    needed = scope_of(dataset) if dataset else "none"
    return Forbidden(
        detail,
        code="scope_missing",
        errors=[FieldError(field="scope", rule=needed, message=detail)],
    )
