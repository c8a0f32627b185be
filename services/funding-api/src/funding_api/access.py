"""Who may do what in funding-api.

The bureau (admin) runs the money; the auditor reads what the bureau reads (the kit admits it to
reads wherever admin is); services read everything; a township reads the awards of enterprises in
its unit, an enterprise only its own. A viewer (another government system) sees programmes and
aggregates (the outstanding total, the reconciliation), never an individual award, payment or
ledger line.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends
from sqlalchemy import ColumnElement, Row
from sqlmodel import col

from daye_kit.auth import Principal, Role, require_roles
from daye_kit.scopes import Dataset
from funding_api.awards.models import Award

# Writes that move money or promise it.
FinancePrincipal = Annotated[Principal, Depends(require_roles(Role.admin))]
# Individual awards, payments and outstanding items: the bureau, services, and townships and
# enterprises scoped to their own (`award_scope`); not viewers.
RecordReaderPrincipal = Annotated[
    Principal, Depends(require_roles(Role.admin, Role.township, Role.enterprise, Role.service))
]
# The ledger line by line: the bureau (and so the auditor) and peer services.
LedgerReaderPrincipal = Annotated[Principal, Depends(require_roles(Role.admin, Role.service))]
# The reconciliation is a set of totals: viewers read it too.
ReconciliationReaderPrincipal = Annotated[
    Principal, Depends(require_roles(Role.admin, Role.viewer, Role.service))
]
# Pushing the outstanding total to indicator-api: the bureau, or a scheduler's service account.
PublisherPrincipal = Annotated[Principal, Depends(require_roles(Role.admin, Role.service))]


def award_scope(principal: Principal) -> list[ColumnElement[bool]]:
    """SQL conditions limiting awards to what the caller may see."""
    if principal.role is Role.township:
        return [col(Award.region_code) == principal.region_code]
    if principal.role is Role.enterprise:
        return [col(Award.credit_code) == principal.credit_code]
    return []


def may_see(principal: Principal, award: Award | Row[Any]) -> bool:
    if principal.role is Role.township:
        return award.region_code == principal.region_code
    if principal.role is Role.enterprise:
        return award.credit_code == principal.credit_code
    return True


# The outbox: the bureau sees the backlog and puts a dead delivery back.
OUTBOX_READER = require_roles(Role.admin)
OUTBOX_OPERATOR = require_roles(Role.admin)
# Events from a peer's outbox (indicator-api's closed periods; the handler admits its account only).
EVENT_SENDER = require_roles(Role.service)
# Scheduled duties (/api/v1/jobs): the bureau and read-only systems see them; the bureau runs one now.
JOB_READERS = require_roles(Role.admin, Role.viewer)
JOB_RUNNERS = require_roles(Role.admin)
# The change feed (/api/v1/events): who reads the whole ledger reads its changes. The feed is not
# scoped by unit or enterprise, so townships and enterprises read their own awards from the lists,
# and viewers, who see no individual award, do not read it.
FEED_READER = require_roles(Role.admin, Role.service)


# What API keys limited to datasets may read (`read:<dataset>`): path prefix → dataset; the longest
# prefix decides, and a path not named here is closed to such keys.
DATASETS: dict[str, str] = {
    "/api/v1/programs": Dataset.programs,
    "/api/v1/awards": Dataset.awards,
    "/api/v1/disbursements": Dataset.disbursements,
    "/api/v1/ledger": Dataset.ledger,
    "/api/v1/reconciliation": Dataset.ledger,
    "/api/v1/outstanding": Dataset.outstanding,
}

# Webhooks (/api/v1/webhooks): the bureau, and outside systems' service accounts (each its own).
WEBHOOK_MANAGERS = require_roles(Role.admin, Role.service)
