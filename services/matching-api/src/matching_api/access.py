"""Who may call what in matching-api.

Role requirements are declared here and put on the routes; which rows a caller reaches (an enterprise
its own demands, a township its unit's, a supplier the supplies it owns) is the services' business.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from daye_kit.auth import Principal, Role, require_roles
from daye_kit.scopes import Dataset

# Demands are posted by enterprises, or by the bureau for an enterprise.
DemandPosterPrincipal = Annotated[Principal, Depends(require_roles(Role.admin, Role.enterprise))]
# The supply catalogue grows through the bureau, a peer service, or a supplier account (a university,
# institute or bank: 院所答题), which owns what it registers and changes only that.
CatalogueWriterPrincipal = Annotated[
    Principal, Depends(require_roles(Role.admin, Role.service, Role.supplier))
]
# The hall of open demands (需求大厅): suppliers, and the bureau's side reading it.
HallReaderPrincipal = Annotated[
    Principal, Depends(require_roles(Role.supplier, Role.admin, Role.auditor, Role.viewer))
]
# A response (揭榜应答) from the hall: a supplier account, with a supply it owns.
ResponderPrincipal = Annotated[Principal, Depends(require_roles(Role.supplier))]
# The review of a new demand before it is public: the bureau.
DemandReviewerPrincipal = Annotated[Principal, Depends(require_roles(Role.admin))]
# Closing expired demands and publishing the statistics: the bureau, or a scheduler's service account.
SchedulerPrincipal = Annotated[Principal, Depends(require_roles(Role.admin, Role.service))]
# Statistics are for the bureau, townships (their own unit) and government systems, not enterprises.
StatsReaderPrincipal = Annotated[
    Principal, Depends(require_roles(Role.admin, Role.township, Role.viewer, Role.service))
]
# Visit campaigns (expert assignment) are organised by the bureau.
BureauPrincipal = Annotated[Principal, Depends(require_roles(Role.admin))]
# The outbox: the bureau sees the backlog and puts a dead delivery back.
OUTBOX_READER = require_roles(Role.admin)
OUTBOX_OPERATOR = require_roles(Role.admin)
# Events from a peer's outbox (indicator-api's closed periods; the handler admits its account only).
EVENT_SENDER = require_roles(Role.service)

# The change feed (/api/v1/events): the bureau, peer services and read-only government systems.
# A viewer already lists every demand, supply and docking (as the bureau does), so the feed shows
# it nothing more: all three datasets, no per-dataset narrowing.
FEED_READER = require_roles(Role.admin, Role.service, Role.viewer)

# Scheduled duties (/api/v1/jobs): the bureau and read-only systems see them; the bureau runs one now.
JOB_READERS = require_roles(Role.admin, Role.viewer)
JOB_RUNNERS = require_roles(Role.admin)


# What API keys limited to datasets may read (`read:<dataset>`): path prefix → dataset; the longest
# prefix decides, and a path not named here is closed to such keys.
DATASETS: dict[str, str] = {
    "/api/v1/demands": Dataset.demands,
    # The engine's proposals pair a demand with supplies: a docking in the making.
    "/api/v1/demands/{demand_id}/recommendations": Dataset.matches,
    "/api/v1/supplies": Dataset.supplies,
    "/api/v1/matches": Dataset.matches,
    "/api/v1/stats": Dataset.stats,
    "/api/v1/hall": Dataset.demands,
}
# Webhooks (/api/v1/webhooks): the bureau, and outside systems' service accounts (each its own).
WEBHOOK_MANAGERS = require_roles(Role.admin, Role.service)
