"""Every table of indicator-api, imported so that the metadata knows them (Alembic, tests)."""

from indicator_api.cultivation import models as cultivation_models
from indicator_api.enterprises import models as enterprise_models
from indicator_api.identity import models as identity_models
from indicator_api.indicators import models as indicator_models
from indicator_api.models import metadata
from indicator_api.periods import models as period_models
from indicator_api.policies import models as policy_models
from indicator_api.prospects import models as prospect_models
from indicator_api.publications import models as publication_models
from indicator_api.regions import models as region_models
from indicator_api.reporting import models as reporting_models
from indicator_api.tech_contracts import models as tech_contract_models

__all__ = [
    "cultivation_models",
    "enterprise_models",
    "identity_models",
    "indicator_models",
    "metadata",
    "period_models",
    "policy_models",
    "prospect_models",
    "publication_models",
    "region_models",
    "reporting_models",
    "tech_contract_models",
]
