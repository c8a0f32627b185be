"""Money stays exact: in JSON, in validation, and through SUM() on both databases."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import BaseModel, ValidationError
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select

from daye_kit.db import create_engine
from daye_kit.money import Money, PositiveYuan, Yuan


class Payment(BaseModel):
    amount: PositiveYuan
    delta: Yuan = Decimal("0")


def test_amounts_round_trip_as_two_place_strings() -> None:
    payment = Payment.model_validate({"amount": "55068000", "delta": "-3"})
    assert payment.amount == Decimal("55068000.00")
    assert payment.model_dump(mode="json") == {"amount": "55068000.00", "delta": "-3.00"}
    assert Payment.model_validate_json('{"amount": "0.10"}').amount == Decimal("0.10")


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        (0.1, "money_type"),
        (1000, "money_type"),
        (True, "money_type"),
        ("1e3", "money_parsing"),
        ("1E3", "money_parsing"),
        ("Infinity", "money_parsing"),
        (" 1000", "money_parsing"),
        ("1000 ", "money_parsing"),
        ("+1000", "money_parsing"),
        ("1_000", "money_parsing"),
        (".5", "money_parsing"),
        ("1000.", "money_parsing"),
        ("١٠٠٠", "money_parsing"),  # Arabic-Indic digits, which Decimal() would take
        ("1.005", "money_places"),
        ("abc", "money_parsing"),
        ("NaN", "money_parsing"),
        ("0", "greater_than"),
        ("-1.00", "greater_than"),
        ("10000000000000000.00", "money_range"),
    ],
)
def test_bad_amounts_name_their_rule(value: object, rule: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Payment.model_validate({"amount": value})
    assert raised.value.errors()[0]["type"] == rule


@pytest.mark.parametrize("value", ["1000.00", "1000", "0.5", "-0.01"])
def test_plain_decimals_are_accepted(value: str) -> None:
    assert Payment.model_validate({"amount": "1", "delta": value}).delta == Decimal(value)


def test_the_schema_says_string() -> None:
    schema = Payment.model_json_schema()
    assert schema["properties"]["amount"]["type"] == "string"


async def test_sums_are_exact_on_both_backends(empty_database: str, tmp_path: Path) -> None:
    table = Table("payments", MetaData(), Column("id", Integer, primary_key=True), Column("amount", Money()))
    engine = create_engine(empty_database)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(table.metadata.create_all)
            # 0.1 yuan ten thousand times: a float sum would drift.
            await conn.execute(insert(table), [{"amount": Decimal("0.10")} for _ in range(10_000)])
            await conn.execute(
                insert(table), [{"amount": Decimal("55068000.00")}, {"amount": Decimal("-0.01")}]
            )
            total = (await conn.execute(select(func.sum(table.c.amount)))).scalar_one()
            smallest = (
                await conn.execute(select(table.c.amount).order_by(table.c.amount).limit(1))
            ).scalar_one()
    finally:
        await engine.dispose()
    assert total == Decimal("55069000.00") - Decimal("0.01")
    assert isinstance(total, Decimal)
    assert smallest == Decimal("-0.01")
