"""The sparse BM25 gives exactly the brute-force scores, after a full build and after any sequence of
additions, changes and removals (with and without compaction)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from matching_api.engine.bm25 import brute_force_scores
from matching_api.engine.catalog import Catalog, SupplyDoc, _top
from matching_api.enums import SupplyKind

WORDS = [f"w{i}" for i in range(60)]


def _document(rng: random.Random) -> list[str]:
    # Zipf-like: a few frequent terms, many rare ones, documents of varied length.
    return [WORDS[min(int(rng.paretovariate(1.2)) - 1, len(WORDS) - 1)] for _ in range(rng.randint(1, 25))]


def _doc(key: int, tokens: list[str]) -> SupplyDoc:
    return SupplyDoc(key=key, kind=SupplyKind.technology, tokens=tokens, profile=[])


def _assert_same(catalog: Catalog, live: dict[int, list[str]], query: list[str]) -> None:
    keys = sorted(live)
    expected = brute_force_scores([live[k] for k in keys], query)
    scores, _ = catalog.text.scores(query, catalog.rows)
    got = [scores[catalog.row_of[k]] for k in keys]
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-12)
    top_keys, _ = catalog.top_bm25(query, 10)
    order = sorted(
        (k for k, s in zip(keys, expected, strict=True) if s > 0), key=lambda k: (-expected[keys.index(k)], k)
    )
    assert top_keys == order[:10]


@pytest.mark.parametrize("seed", range(5))
def test_full_build_equals_brute_force(seed: int) -> None:
    rng = random.Random(seed)
    live = {key: _document(rng) for key in range(1, 300)}
    catalog = Catalog()
    catalog.load([_doc(k, t) for k, t in live.items()])
    for _ in range(10):
        _assert_same(catalog, live, [*_document(rng)[:6], "never-seen"])


@pytest.mark.parametrize(("seed", "delta_rows"), [(1, 512), (2, 7), (3, 1)])
def test_incremental_updates_equal_a_rebuild(seed: int, delta_rows: int) -> None:
    rng = random.Random(seed)
    live = {key: _document(rng) for key in range(1, 120)}
    catalog = Catalog(delta_rows=delta_rows)
    catalog.load([_doc(k, t) for k, t in live.items()])
    next_key = 1000
    for step in range(200):
        action = rng.random()
        if action < 0.4:
            live[next_key] = _document(rng)
            catalog.upsert(_doc(next_key, live[next_key]))
            next_key += 1
        elif action < 0.8 and live:
            key = rng.choice(sorted(live))
            live[key] = [*_document(rng), "fresh-term"]
            catalog.upsert(_doc(key, live[key]))
        elif live:
            key = rng.choice(sorted(live))
            del live[key]
            catalog.remove(key)
        if step % 20 == 0:
            _assert_same(catalog, live, [*_document(rng)[:5], "fresh-term"])
    _assert_same(catalog, live, ["w0", "w3", "w17", "fresh-term"])
    rebuilt = Catalog()
    rebuilt.load([_doc(k, t) for k, t in sorted(live.items())])
    query = ["w1", "w2", "w9", "fresh-term"]
    assert catalog.top_bm25(query, 20) == rebuilt.top_bm25(query, 20)


def test_ties_go_to_the_lower_key_even_at_the_boundary() -> None:
    scores = np.array([1.0, 2.0, 2.0, 2.0, 0.5])
    keys = np.array([50, 40, 30, 20, 10])
    assert keys[_top(scores, keys, 2)].tolist() == [20, 30]


def test_a_removed_document_no_longer_counts_in_idf() -> None:
    catalog = Catalog()
    catalog.load([_doc(1, ["铸造", "砂型"]), _doc(2, ["铸造"]), _doc(3, ["换热器"])])
    before, _ = catalog.text.scores(["铸造"], catalog.rows)
    catalog.remove(2)
    after, _ = catalog.text.scores(["铸造"], catalog.rows)
    assert after[catalog.row_of[1]] > before[catalog.row_of[1]]  # rarer now, so more telling
    assert catalog.top_bm25(["铸造"], 10)[0] == [1]
