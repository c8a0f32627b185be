"""Money, exact everywhere: yuan as decimal strings with two places in JSON, NUMERIC(18, 2) in
PostgreSQL, integer fen in SQLite (whose NUMERIC would store a float), `Decimal` in Python."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError
from sqlalchemy import BigInteger, Dialect, Numeric
from sqlalchemy.types import TypeDecorator, TypeEngine

FEN = Decimal("0.01")
MAX_YUAN = Decimal("9999999999999999.99")


# Plain decimal notation only: what a person writes on a form and a ledger prints. `Decimal()` alone
# would also take "1e3", "NaN", "Infinity", " 1000", "+1000" and "1_000", each of which a client
# might mean differently (or a bug produced), so they are refused, not guessed at.
_PLAIN_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def to_yuan(value: Any) -> Decimal:
    """Decimal strings in plain notation (`"1000.00"`, `"1000"`, `"0.5"`) become exact yuan. JSON
    numbers are refused, integers too: a JSON number is a binary float to most clients, so an amount
    that arrives as one may already have lost its fen. Code inside a service passes `Decimal`."""
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, str):
        if _PLAIN_DECIMAL.fullmatch(value) is None:
            raise PydanticCustomError(
                "money_parsing",
                'amounts are plain decimal strings such as "1234.50" (no exponent, sign "+", spaces, '
                "underscores, NaN or Infinity): {value!r}",
                {"value": value[:40]},
            )
        amount = Decimal(value)
    else:
        raise PydanticCustomError(
            "money_type", 'amounts are decimal strings such as "1234.50", not JSON numbers'
        )
    if not amount.is_finite():
        raise PydanticCustomError("money_parsing", "amounts must be finite")
    if abs(amount) > MAX_YUAN:
        raise PydanticCustomError("money_range", "amount is out of range")
    if amount != amount.quantize(FEN):
        raise PydanticCustomError("money_places", "amounts have at most two decimal places (fen)")
    return amount.quantize(FEN)


def format_yuan(amount: Decimal) -> str:
    return f"{amount.quantize(FEN):f}"


_MONEY_SCHEMA = {
    "type": "string",
    "pattern": r"^-?\d+(\.\d{1,2})?$",
    "examples": ["55068000.00"],
}

Yuan = Annotated[
    Decimal,
    BeforeValidator(to_yuan),
    PlainSerializer(format_yuan, return_type=str, when_used="json"),
    WithJsonSchema(_MONEY_SCHEMA),
]
"""Any amount of yuan (may be negative, e.g. a reversal)."""

PositiveYuan = Annotated[Yuan, Field(gt=0)]
NonNegativeYuan = Annotated[Yuan, Field(ge=0)]


class ExactDecimal(TypeDecorator[Decimal]):
    """A decimal column with a fixed number of places: NUMERIC(precision, places) where the database
    has exact decimals, a scaled integer in SQLite. SUM() over it stays exact on both and comes back
    as Decimal."""

    impl = Numeric(24, 4)
    cache_ok = True

    def __init__(self, places: int = 4, precision: int = 24) -> None:
        super().__init__()
        self.places = places
        self.precision = precision
        self.quantum = Decimal(1).scaleb(-places)
        self.scale = 10**places

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.places, asdecimal=True))

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        amount = Decimal(value).quantize(self.quantum)
        return int(amount * self.scale) if dialect.name == "sqlite" else amount

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        amount = Decimal(int(value)) / self.scale if dialect.name == "sqlite" else Decimal(value)
        return amount.quantize(self.quantum)


class Money(ExactDecimal):
    """A yuan column: NUMERIC(18, 2), integer fen in SQLite."""

    cache_ok = True

    def __init__(self) -> None:
        super().__init__(places=2, precision=18)
