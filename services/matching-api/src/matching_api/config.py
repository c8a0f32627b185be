"""matching-api settings, from `MATCHING_*` environment variables."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from daye_kit.settings import DEV_SERVICE_API_KEYS, PeerServiceSettings


class Settings(PeerServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MATCHING_", extra="ignore")
    service_name: ClassVar[str] = "matching"

    port: int = 8002
    service_api_key: str = DEV_SERVICE_API_KEYS["matching-api"]

    # The engine's soft factors: each factor is a number in [0, 1]; a recommendation's score is their
    # weighted mean. `MATCHING_WEIGHT_TEXT=0.6` etc. A weight of 0 switches a factor off.
    weight_text: float = Field(default=0.40, ge=0, le=10, description="BM25 text relevance")
    weight_fit: float = Field(default=0.20, ge=0, le=10, description="industry and field fit")
    weight_amount: float = Field(default=0.10, ge=0, le=10, description="price or amount within budget")
    weight_qualification: float = Field(
        default=0.10, ge=0, le=10, description="product aimed at the enterprise's qualifications"
    )
    weight_region: float = Field(default=0.10, ge=0, le=10, description="closeness of the supplier")
    weight_capacity: float = Field(default=0.10, ge=0, le=10, description="expert's free capacity")
    bm25_k1: float = Field(default=1.5, gt=0, le=5)
    bm25_b: float = Field(default=0.75, ge=0, le=1)
    max_recommendations: int = Field(default=50, ge=1, le=500)
    # Recommendations computed when a demand is posted, announced to both sides.
    notify_top: int = Field(default=3, ge=0, le=20)
    # Supplies changed since the last sync are appended to a small delta segment; past this many rows
    # it is merged into the main sparse matrix.
    index_delta_rows: int = Field(default=512, ge=1)
    match_rate_target: float = Field(default=0.80, gt=0, le=1, description="黄石 target: 需求对接率 ≥ 80%")
    # The bureau reviews each new demand before it is public (in the hall, recommended to suppliers,
    # open to dockings): `MATCHING_REQUIRE_DEMAND_REVIEW=true`. Off, a demand is public when posted.
    require_demand_review: bool = Field(default=False, description="需求发布前须经科技局审核")
