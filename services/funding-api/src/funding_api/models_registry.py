"""Every table of funding-api, imported so that the metadata knows them (Alembic, tests)."""

from funding_api.awards.models import Award
from funding_api.disbursements.models import Disbursement
from funding_api.ledger.models import LedgerEntry, LedgerPosting
from funding_api.models import metadata
from funding_api.programs.models import Program, ProgramRule

__all__ = [
    "Award",
    "Disbursement",
    "LedgerEntry",
    "LedgerPosting",
    "Program",
    "ProgramRule",
    "metadata",
]
