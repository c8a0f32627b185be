"""Bounded paging for every collection: `{"items": [...], "total": N}`."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query, Request
from pydantic import BaseModel, Field

from daye_kit.errors import InvalidInput
from daye_kit.ids import MAX_ROW_ID

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int = Field(description="符合条件的总条数(不受分页影响)")


class PageParams(BaseModel):
    limit: int
    offset: int


def _page_params(
    request: Request,
    limit: Annotated[int, Query(ge=1, description="每页条数,上限见服务设置 (默认 200)")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ROW_ID, description="跳过的条数")] = 0,
) -> PageParams:
    cap: int = request.app.state.settings.max_page_size
    if limit > cap:
        raise InvalidInput.field("query.limit", "less_than_equal", f"limit may be at most {cap}")
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(_page_params)]
