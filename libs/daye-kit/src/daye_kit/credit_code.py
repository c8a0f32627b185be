"""统一社会信用代码 (GB 32100-2015): 18 characters, the last a check character.

A national standard every service checks where an enterprise is named (shared/reference/
credit-code.md). `problems()` says which part of a code is wrong, so the error a caller sees names
the position and the rule; `CreditCode` is the validated field type for request schemas.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}


def check_character(first17: str) -> str:
    total = sum(_VALUE[ch] * weight for ch, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def problems(code: str) -> list[str]:
    """Empty when the code is valid; otherwise one sentence per thing wrong with it."""
    if len(code) != 18:
        return [f"must be 18 characters, got {len(code)}"]
    bad = [f"position {i + 1} '{ch}'" for i, ch in enumerate(code) if ch not in _VALUE]
    if bad:
        return [f"{', '.join(bad)} not in the alphabet 0-9 A-Y without I, O, S, V, Z"]
    if not code[2:8].isdigit():
        return [f"positions 3-8 '{code[2:8]}' must be a six-digit administrative division code"]
    expected = check_character(code[:17])
    if code[17] != expected:
        return [f"check character (position 18) is '{code[17]}', expected '{expected}'"]
    return []


def is_valid(code: str) -> bool:
    return not problems(code)


def complete(first17: str) -> str:
    """The full code for 17 characters: used to make demo enterprises' codes."""
    return first17 + check_character(first17)


def _valid(value: str) -> str:
    found = problems(value)
    if found:
        raise PydanticCustomError(
            "credit_code", "invalid unified social credit code: {detail}", {"detail": found[0]}
        )
    return value


CreditCode = Annotated[
    str,
    Field(description="统一社会信用代码 (GB 32100, 18 位)", examples=["91420281MA0000001H"]),
    AfterValidator(_valid),
]
