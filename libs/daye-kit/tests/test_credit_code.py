"""GB 32100 check characters: the published examples, and properties over generated codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from daye_kit.credit_code import ALPHABET, check_character, complete, is_valid, problems

bodies = st.text(alphabet=ALPHABET, min_size=17, max_size=17).filter(lambda s: s[2:8].isdigit())


@pytest.mark.parametrize("code", ["914403001922038216", "91110000802100433B"])
def test_published_codes_pass(code: str) -> None:
    assert problems(code) == []


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("91440300192203821", "must be 18 characters, got 17"),
        ("9144030019220382166", "must be 18 characters, got 19"),
        ("91440300I92203821O", "position 9 'I', position 18 'O' not in the alphabet"),
        ("9144o3001922038216", "position 5 'o'"),
        ("91ABCDEF1922038216", "positions 3-8 'ABCDEF' must be a six-digit administrative division code"),
        ("914403001922038217", "check character (position 18) is '7', expected '6'"),
    ],
)
def test_each_fault_is_named(code: str, says: str) -> None:
    assert says in problems(code)[0]


@given(bodies)
def test_a_completed_code_is_valid(body: str) -> None:
    assert is_valid(complete(body))


@given(bodies, st.integers(min_value=0, max_value=17), st.sampled_from(ALPHABET))
def test_any_single_substitution_is_caught(body: str, position: int, replacement: str) -> None:
    code = complete(body)
    corrupted = code[:position] + replacement + code[position + 1 :]
    # Weights are powers of 3 mod 31, all non-zero, and 31 is prime: changing one character
    # always changes the weighted sum mod 31, so the check fails (positions 3-8 may fail first).
    assert is_valid(corrupted) == (corrupted == code)


@given(bodies, st.integers(min_value=0, max_value=16))
def test_adjacent_transpositions_are_caught(body: str, position: int) -> None:
    code = complete(body)
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    assert is_valid(swapped) == (swapped == code)


def test_check_character_of_a_known_body() -> None:
    assert check_character("91110000802100433") == "B"
