"""Paging for every collection: `{"items": [...], "total": N, "next_cursor": ...}`.

Two ways through a collection:
- offset paging (`limit`, `offset`) in the collection's own order, for screens;
- incremental reads for other systems (`updated_since`, keyset `after`): rows in `(updated_at, key)`
  order, each page continuing from the previous page's `next_cursor`. Rows that arrive or change
  while a consumer pages do not shift what it has still to read, as they would with an offset.
  A row is stamped when its transaction writes it, not when it commits, so a consumer that needs
  every change exactly once follows the change feed (`/api/v1/events`) instead; `updated_since` is
  for a first copy and for catching up, with a margin of a few seconds.

A list endpoint takes `PageDep` and, where its rows carry `updated_at`, `ChangesDep`; its service
filters with `changes.since(query, column)`, counts, then pages with `keyset_page(...)`, and answers
`next_cursor(changes, last_row_position)`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import Select, and_, or_

from daye_kit.errors import InvalidInput
from daye_kit.ids import MAX_ROW_ID

T = TypeVar("T")
# Any query, of one entity or several columns: the helpers give back the query type they were given.
Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])
Key = int | str


class Page(BaseModel, Generic[T]):
    items: list[T] = Field(description="本页条目")
    total: int = Field(description="符合条件的总条数(不受分页影响)")
    next_cursor: str | None = Field(
        default=None,
        description="增量读取(`updated_since` 或 `after`)时:下一页的 `after`,即已读到的位置;"
        "没有新数据时不变。按偏移分页时为空",
    )


class PageParams(BaseModel):
    limit: int
    offset: int


async def _page_params(
    request: Request,
    limit: Annotated[int, Query(ge=1, description="每页条数,上限见服务设置 (默认 200)")] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ROW_ID, description="跳过的条数")] = 0,
) -> PageParams:
    cap: int = request.app.state.settings.max_page_size
    if limit > cap:
        raise InvalidInput.field("query.limit", "less_than_equal", f"limit may be at most {cap}")
    return PageParams(limit=limit, offset=offset)


PageDep = Annotated[PageParams, Depends(_page_params)]


# -- incremental reads --------------------------------------------------------------------------


def encode_position(updated_at: datetime, key: Key) -> str:
    raw = json.dumps([updated_at.isoformat(), key], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_position(cursor: str) -> tuple[datetime, Key]:
    try:
        stamp, key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        when = datetime.fromisoformat(stamp)
        if when.tzinfo is None or not isinstance(key, int | str) or isinstance(key, bool):
            raise ValueError(cursor)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError):
        raise InvalidInput.field("query.after", "cursor", "not a cursor this collection gave") from None
    return when, key


class Changes(BaseModel):
    """What an incremental read asked for; neither given: an ordinary offset-paged read."""

    updated_since: datetime | None = None
    after: str | None = None

    @property
    def active(self) -> bool:
        return self.updated_since is not None or self.after is not None

    def since(self, query: Q, updated: Any) -> Q:
        """The `updated_since` filter: part of what `total` counts."""
        return query if self.updated_since is None else query.where(updated >= self.updated_since)


async def _changes(
    page: PageDep,
    updated_since: Annotated[
        AwareDatetime | None,
        Query(
            description="只读此时刻(含)之后新建或修改的记录,按修改时间升序,带时区",
            examples=["2025-09-30T00:00:00+08:00"],
        ),
    ] = None,
    after: Annotated[
        str | None,
        Query(max_length=200, description="上一页的 `next_cursor`:从该位置之后继续(按修改时间升序)"),
    ] = None,
) -> Changes:
    if (updated_since is not None or after is not None) and page.offset:
        raise InvalidInput.field(
            "query.offset", "exclusive", "offset cannot be combined with updated_since or after"
        )
    if after is not None:
        decode_position(after)
    return Changes(updated_since=updated_since, after=after)


ChangesDep = Annotated[Changes, Depends(_changes)]


def keyset_page(
    query: Q,
    page: PageParams,
    changes: Changes,
    *,
    updated: Any,
    key: Any,
    order: Sequence[Any],
) -> Q:
    """One page of `query`: after `changes.after` in `(updated, key)` order when the read is
    incremental, else `order` with `page.offset`."""
    if not changes.active:
        return query.order_by(*order).limit(page.limit).offset(page.offset)
    if changes.after is not None:
        when, last = decode_position(changes.after)
        # `(updated, key) > (when, last)` with a range on the leading column, which indexes can use.
        query = query.where(and_(updated >= when, or_(updated > when, key > last)))
    return query.order_by(updated, key).limit(page.limit)


def next_cursor(changes: Changes, last: tuple[datetime, Key] | None) -> str | None:
    """The cursor to continue from: the last row's position, or where the consumer already was."""
    if not changes.active:
        return None
    return encode_position(*last) if last is not None else changes.after
