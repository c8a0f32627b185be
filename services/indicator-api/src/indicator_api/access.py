"""Who may call what in indicator-api, as role requirements routes declare.

Which rows a caller reaches (a township its own unit, an enterprise itself) is decided in the
services; here only the role. `AdminPrincipal` (the bureau alone) comes from the kit.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from daye_kit.auth import Principal, Role, ensure_second_factor, require_roles
from daye_kit.scopes import Dataset

_SECURITY_ADMIN = require_roles(Role.security_admin)


async def _account_admin(
    request: Request, principal: Annotated[Principal, Depends(_SECURITY_ADMIN)]
) -> Principal:
    """The security administrator, with a second factor where the deployment requires one."""
    return ensure_second_factor(principal, request.app.state.settings)


# Accounts (三员分立): the security administrator alone creates, changes, disables and resets them.
AccountAdminPrincipal = Annotated[Principal, Depends(_account_admin)]
# One's own password and second factor: every person's account (not a peer service's).
AccountHolderPrincipal = Annotated[
    Principal,
    Depends(
        require_roles(
            Role.admin,
            Role.township,
            Role.enterprise,
            Role.viewer,
            Role.auditor,
            Role.security_admin,
        )
    ),
]
# People manage their own API keys; a service's token, exchanged for its key, would otherwise turn
# one leaked token into a lasting credential, so the bureau issues the services' keys.
KeyHolderPrincipal = Annotated[
    Principal, Depends(require_roles(Role.admin, Role.township, Role.enterprise, Role.viewer))
]
# Indicator values: the bureau, townships (their own unit) and peer services.
ValueWriterPrincipal = Annotated[Principal, Depends(require_roles(Role.admin, Role.township, Role.service))]
# Technology contracts: the bureau or a platform service (matching-api's dockings).
ContractReporterPrincipal = Annotated[Principal, Depends(require_roles(Role.admin, Role.service))]
# Contract by contract: the bureau, government systems and the services.
ContractReaderPrincipal = Annotated[Principal, Depends(require_roles(Role.admin, Role.viewer, Role.service))]
# The registry: the bureau and townships register and edit; an enterprise edits itself.
RegistrarPrincipal = Annotated[Principal, Depends(require_roles(Role.admin, Role.township))]
RegistryEditorPrincipal = Annotated[
    Principal, Depends(require_roles(Role.admin, Role.township, Role.enterprise))
]
# An enterprise's declared figures: the bureau, its township, itself; the auditor reads them too.
FiguresReaderPrincipal = Annotated[
    Principal, Depends(require_roles(Role.admin, Role.township, Role.enterprise, Role.auditor))
]
# Prospects and coaching visits of a unit: the bureau, the auditor and the township itself; the
# bureau and the township record visits.
ProspectReaderPrincipal = Annotated[
    Principal, Depends(require_roles(Role.admin, Role.township, Role.auditor))
]
VisitWriterPrincipal = Annotated[Principal, Depends(require_roles(Role.admin, Role.township))]
# Cultivation candidates are submitted by the bureau or a township (for its own unit).
CandidateWriterPrincipal = Annotated[Principal, Depends(require_roles(Role.admin, Role.township))]
# Every unit's candidates at once: the bureau, read-only systems and services (a township reads its own
# unit's list).
CandidateReaderPrincipal = Annotated[Principal, Depends(require_roles(Role.admin, Role.viewer, Role.service))]
# The change feed: the bureau, read-only government systems and peer services. A viewer reads every
# dataset, as this service's reads already show it every enterprise, candidate, figure and contract.
FEED_READER = require_roles(Role.admin, Role.viewer, Role.service)
# The townships' ranking: everyone but enterprises.
RankingReaderPrincipal = Annotated[
    Principal, Depends(require_roles(Role.admin, Role.township, Role.viewer, Role.service))
]
# The quarterly report is the bureau's: admins, viewers and services.
BureauReaderPrincipal = Annotated[Principal, Depends(require_roles(Role.admin, Role.viewer, Role.service))]
# The outbox: the bureau sees the backlog and puts a dead delivery back.
OUTBOX_READER = require_roles(Role.admin)
OUTBOX_OPERATOR = require_roles(Role.admin)
# Events from the outbox of a peer service (matching-api's dockings).
EVENT_SENDER = require_roles(Role.service)

# Closing and reopening periods (关账): the bureau alone.
PeriodManagerPrincipal = Annotated[Principal, Depends(require_roles(Role.admin))]

# Scheduled duties (/api/v1/jobs): the bureau and read-only systems see them; the bureau runs one now.
JOB_READERS = require_roles(Role.admin, Role.viewer)
JOB_RUNNERS = require_roles(Role.admin)


# What API keys limited to datasets may read (`read:<dataset>`): path prefix → dataset; the longest
# prefix decides, and a path not named here is closed to such keys.
DATASETS: dict[str, str] = {
    "/api/v1/enterprises": Dataset.enterprises,
    "/api/v1/candidates": Dataset.candidates,
    "/api/v1/regions/{region_code}/candidates": Dataset.candidates,
    "/api/v1/regions/{region_code}/prospects": Dataset.candidates,
    "/api/v1/regions/{region_code}/coaching-visits": Dataset.candidates,
    "/api/v1/regions/{region_code}/funnel": Dataset.candidates,
    "/api/v1/cultivation": Dataset.candidates,
    "/api/v1/exports/cultivation-progress.xlsx": Dataset.candidates,
    "/api/v1/exports/regions/{region_code}/candidates.xlsx": Dataset.candidates,
    "/api/v1/indicators": Dataset.indicators,
    "/api/v1/dashboard": Dataset.indicators,
    "/api/v1/reports": Dataset.indicators,
    "/api/v1/exports/dashboard.xlsx": Dataset.indicators,
    "/api/v1/exports/indicator-values.xlsx": Dataset.indicators,
    "/api/v1/tech-contracts": Dataset.tech_contracts,
    "/api/v1/regions": Dataset.regions,
    "/api/v1/platform": Dataset.regions,
}
# Webhooks (/api/v1/webhooks): the bureau, and outside systems' service accounts (each its own).
WEBHOOK_MANAGERS = require_roles(Role.admin, Role.service)
# Reporting obligations, completeness, overdue reports and submissions under review: the bureau's side
# and the townships (each its own unit); the bureau alone sets obligations and reviews.
ReportingReaderPrincipal = Annotated[
    Principal, Depends(require_roles(Role.admin, Role.township, Role.viewer, Role.service))
]

# Policies (政策找企业): an enterprise reads its own, its township and the bureau (and so the
# auditor) theirs; townships and the bureau record outreach; coverage is an aggregate like the ranking.
PolicyReaderPrincipal = Annotated[
    Principal, Depends(require_roles(Role.admin, Role.township, Role.enterprise))
]
OutreachWriterPrincipal = Annotated[Principal, Depends(require_roles(Role.admin, Role.township))]
CoverageReaderPrincipal = Annotated[
    Principal, Depends(require_roles(Role.admin, Role.township, Role.viewer, Role.service))
]
