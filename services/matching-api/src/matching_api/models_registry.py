"""Every table of matching-api, imported so that the metadata knows them (Alembic, tests)."""

from matching_api.demands.models import Demand, DemandTerm
from matching_api.matches.models import Match, MatchEvent
from matching_api.models import metadata
from matching_api.supplies.models import IndexVersion, Supply

__all__ = ["Demand", "DemandTerm", "IndexVersion", "Match", "MatchEvent", "Supply", "metadata"]
