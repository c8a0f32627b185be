"""The row ids requests name, bounded to what an id column holds.

Ids are `INTEGER` columns (32 bits on PostgreSQL, 64 on SQLite). An id past that range can name no
row, and the drivers refuse to even send it (`OverflowError`, asyncpg's `DataError`), which would
be a 500; bounded here, it is a 422 that names the field.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

MAX_ROW_ID = 2**31 - 1

RowId = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]
"""A row's id in a path, a query or a body: `Annotated[RowId, Path(description=…)]` adds the rest."""
