"""The engine's in-memory catalogue of supplies: one row per supply version, with its BM25 text,
its profile terms (fields and industries) and the numbers the constraints read, all as arrays so a
recommendation is computed for every supply at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from matching_api.engine.bm25 import Bm25, BoolArray, FloatArray, IntArray, SparseBag, Vocabulary, distinct
from matching_api.engine.semantic import EXPANSION_WEIGHT, Bridge, everyday, expansion_terms
from matching_api.enums import Financing, Qualification, SupplyKind

KIND_CODES = {kind: i for i, kind in enumerate(SupplyKind)}
FINANCING_CODES = {None: 0, Financing.loan.value: 1, Financing.equity.value: 2}
QUALIFICATION_BITS = {q.value: 1 << i for i, q in enumerate(Qualification)}
NO_AMOUNT = -1


def fen(amount: Decimal | None) -> int:
    """Exact integer fen for the constraint arrays (no float ever holds an amount)."""
    return NO_AMOUNT if amount is None else int(amount * 100)


def region_number(code: str) -> int:
    """A region code as nine digits: 42 → 420000000, 420281 → 420281000, 420281101 stays."""
    digits = "".join(ch for ch in code if ch.isdigit())[:9]
    return int(digits.ljust(9, "0")) if digits else 0


def qualification_mask(kinds: Sequence[str]) -> int:
    mask = 0
    for kind in kinds:
        mask |= QUALIFICATION_BITS.get(kind, 0)
    return mask


@dataclass(frozen=True)
class SupplyDoc:
    """What the engine keeps of one supply."""

    key: int
    kind: SupplyKind
    tokens: Sequence[str]
    profile: Sequence[str]
    region_code: str = ""
    capacity: int | None = None
    price: Decimal | None = None
    min_amount: Decimal | None = None
    max_amount: Decimal | None = None
    financing: str | None = None
    qualification_rule: Sequence[str] = ()


@dataclass(frozen=True)
class Query:
    """A demand as the engine sees it. `context` are the terms of the enterprise's industry label:
    they score and weigh industry fit like any term but are no evidence that a supply is relevant.
    `bridges` are the semantic layer's concepts for the demand's plain words."""

    tokens: Sequence[str]
    kinds: Sequence[SupplyKind]
    context: Sequence[str] = ()
    bridges: Sequence[Bridge] = ()
    region_code: str = ""
    budget: Decimal | None = None
    amount_sought: Decimal | None = None
    financing: str | None = None
    qualifications: Sequence[str] = ()


@dataclass(frozen=True)
class Weights:
    text: float = 0.40
    fit: float = 0.20
    amount: float = 0.10
    qualification: float = 0.10
    region: float = 0.10
    capacity: float = 0.10

    def as_dict(self) -> dict[str, float]:
        return {
            "text": self.text,
            "fit": self.fit,
            "amount": self.amount,
            "qualification": self.qualification,
            "region": self.region,
            "capacity": self.capacity,
        }


FACTORS = ("text", "semantic", "fit", "amount", "qualification", "region", "capacity")
# A supply is relevant when the demand's own words (not its industry label) or the concepts bridged
# from them give it at least this much BM25: the soft factors only reorder relevant supplies. A
# single distinctive shared term scores well above it; it keeps out a match on nothing but an
# ubiquitous word.
RELEVANCE_FLOOR = 0.5


@dataclass
class Ranked:
    """The top supplies for a query, with every factor's value for each."""

    keys: list[int]
    scores: list[float]
    factors: dict[str, list[float]]
    bm25: list[float]
    matched_terms: list[list[str]]
    matched_profile: list[list[str]]
    region_levels: list[int]
    bridged: list[set[str]] = field(default_factory=list)
    excluded: dict[str, int] = field(default_factory=dict)
    candidates: int = 0


# Per-row numbers, all int64 (amounts in fen); the value a row has when unset.
_ATTRIBUTES: dict[str, int] = {
    "kind": -1,
    "region": 0,
    "capacity": NO_AMOUNT,
    "price": NO_AMOUNT,
    "min_amount": NO_AMOUNT,
    "max_amount": NO_AMOUNT,
    "financing": 0,
    "qualification_rule": 0,
}

# Region closeness, from the same township down to elsewhere.
REGION_FIT = (1.0, 0.9, 0.75, 0.6, 0.4)
REGION_LABELS = ("同一镇(街道、园区)", "同在本县市", "同在本地级市", "同在本省", "省外")


class Catalog:
    """Supplies as rows. `upsert` and `remove` cost O(one supply); `rank` scores all rows at once."""

    def __init__(self, *, k1: float = 1.5, b: float = 0.75, delta_rows: int = 512) -> None:
        self.text = Bm25(k1=k1, b=b)
        self.profile_vocab = Vocabulary()
        self.profile = SparseBag()
        self.delta_rows = delta_rows
        self.keys = np.zeros(0, dtype=np.int64)
        self.alive: BoolArray = np.zeros(0, dtype=np.bool_)
        self.rows = 0
        self.row_of: dict[int, int] = {}
        self.columns: dict[str, IntArray] = {
            name: np.full(0, fill, dtype=np.int64) for name, fill in _ATTRIBUTES.items()
        }

    def __len__(self) -> int:
        return len(self.row_of)

    # -- maintenance ----------------------------------------------------------------------------

    def _grow(self, rows: int) -> None:
        if len(self.keys) >= rows:
            return
        size = max(rows, 2 * len(self.keys), 64)

        def grown(array: IntArray, fill: int) -> IntArray:
            bigger = np.full(size, fill, dtype=np.int64)
            bigger[: len(array)] = array
            return bigger

        self.keys = grown(self.keys, -1)
        alive = np.zeros(size, dtype=np.bool_)
        alive[: len(self.alive)] = self.alive
        self.alive = alive
        for name, fill in _ATTRIBUTES.items():
            self.columns[name] = grown(self.columns[name], fill)

    def _set_attributes(self, row: int, doc: SupplyDoc) -> None:
        values = {
            "kind": KIND_CODES[doc.kind],
            "region": region_number(doc.region_code),
            "capacity": NO_AMOUNT if doc.capacity is None else doc.capacity,
            "price": fen(doc.price),
            "min_amount": fen(doc.min_amount),
            "max_amount": fen(doc.max_amount),
            "financing": FINANCING_CODES.get(doc.financing, 0),
            "qualification_rule": qualification_mask(doc.qualification_rule),
        }
        for name, value in values.items():
            self.columns[name][row] = value

    def load(self, docs: Sequence[SupplyDoc]) -> None:
        """Everything from scratch: one sparse build for all supplies."""
        self.keys = np.zeros(0, dtype=np.int64)
        self.alive = np.zeros(0, dtype=np.bool_)
        self.columns = {name: np.full(0, fill, dtype=np.int64) for name, fill in _ATTRIBUTES.items()}
        self._grow(len(docs))
        self.text.load([d.tokens for d in docs])
        self.profile_vocab = Vocabulary()
        lengths = np.fromiter((len(d.profile) for d in docs), dtype=np.int64, count=len(docs))
        profile_ids = np.fromiter(
            (self.profile_vocab.id_of(t) for d in docs for t in d.profile),
            dtype=np.int64,
            count=int(lengths.sum()),
        )
        self.profile.load(
            len(docs),
            np.repeat(np.arange(len(docs), dtype=np.int64), lengths),
            profile_ids,
            len(self.profile_vocab),
        )
        self.row_of = {}
        for row, doc in enumerate(docs):
            self.keys[row] = doc.key
            self.alive[row] = True
            self.row_of[doc.key] = row
            self._set_attributes(row, doc)
        self.rows = len(docs)

    def upsert(self, doc: SupplyDoc) -> None:
        """A new or changed supply: the old row is retired, the new one appended."""
        self.remove(doc.key)
        row = self.rows
        self._grow(row + 1)
        self.text.add(row, doc.tokens)
        terms, counts = self.profile_vocab.bag(distinct(doc.profile))
        self.profile.append(row, terms, counts)
        self.keys[row] = doc.key
        self.alive[row] = True
        self._set_attributes(row, doc)
        self.row_of[doc.key] = row
        self.rows += 1
        if self.text.bag.pending_rows() >= self.delta_rows:
            self.compact()

    def remove(self, key: int) -> None:
        row = self.row_of.pop(key, None)
        if row is None:
            return
        self.text.retire(row)
        self.alive[row] = False

    def compact(self) -> None:
        """Merge the delta into the base and drop retired rows."""
        keep = np.flatnonzero(self.alive[: self.rows]).astype(np.int64)
        self.text.compact(keep)
        self.profile.compact(keep, len(self.profile_vocab))
        self.keys = self.keys[keep].copy()
        self.alive = np.ones(len(keep), dtype=np.bool_)
        for name in _ATTRIBUTES:
            self.columns[name] = self.columns[name][keep].copy()
        self.rows = len(keep)
        self.row_of = {int(key): row for row, key in enumerate(self.keys.tolist())}

    def nbytes(self) -> int:
        arrays = [self.keys, self.alive, *self.columns.values()]
        return self.text.nbytes() + self.profile.nbytes() + sum(a.nbytes for a in arrays)

    # -- ranking --------------------------------------------------------------------------------

    def _profile_overlap(self, query_tokens: Sequence[str]) -> tuple[FloatArray, list[int]]:
        overlap = np.zeros(self.rows, dtype=np.float64)
        known: list[int] = []
        width = len(self.profile_vocab)
        for term in distinct(query_tokens):
            term_id = self.profile_vocab.lookup(term)
            if term_id is None:
                continue
            column = self.profile.column(term_id, width)
            if len(column.rows):
                known.append(term_id)
                overlap[column.rows] += 1.0
        return overlap, known

    def _region_levels(self, region_code: str) -> IntArray:
        """0 same township … 4 elsewhere, per row."""
        supply = self.columns["region"][: self.rows].astype(np.int64)
        demand = region_number(region_code)
        levels = np.full(self.rows, 4, dtype=np.int64)
        for level, divisor in ((3, 10_000_000), (2, 100_000), (1, 1_000)):
            levels[(supply // divisor) == (demand // divisor)] = level
        same_township = (supply == demand) & (supply % 1_000 != 0)
        levels[same_township] = 0
        levels[supply == 0] = 4
        return levels

    def rank(
        self,
        query: Query,
        *,
        weights: Weights,
        limit: int,
        load: Mapping[int, int] | None = None,
        exclude: Sequence[int] = (),
        allowed: Sequence[int] | None = None,
        ignore_capacity: bool = False,
    ) -> Ranked:
        """The best `limit` supplies for a query. Hard constraints (kind, a finance product's amount
        range, financing mode and qualification rule, an expert at capacity) exclude; the soft
        factors, each in [0, 1], are averaged with `weights`. Ties go to the lower supply id."""
        n = self.rows
        cols = {name: array[:n] for name, array in self.columns.items()}
        bm25, text_terms = self.text.scores(query.tokens, n)
        overlap, profile_terms = self._profile_overlap(query.tokens)
        own = set(query.tokens)
        # Terms the demand has only through its industry label: their share of BM25 is no evidence.
        content = _content_terms(query)
        context_only = [t for t in distinct(query.context) if t in own and t not in content]
        context_score = self.text.scores(context_only, n)[0] if context_only else np.zeros(n)
        # Everyday words (车间, 工人 …) weigh like a bridged concept and are no evidence either.
        common = [t for t in distinct(query.tokens) if t in everyday() and t not in context_only]
        common_score = self.text.scores(common, n)[0] if common else np.zeros(n)
        own_relevance = bm25 - (1.0 - EXPANSION_WEIGHT) * common_score
        expansion = [t for t in expansion_terms(query.bridges) if t not in own]
        semantic, semantic_terms = self.text.scores(expansion, n) if expansion else (np.zeros(n), [])
        semantic *= EXPANSION_WEIGHT
        if expansion:
            overlap_semantic, _ = self._profile_overlap(expansion)
            overlap = overlap + EXPANSION_WEIGHT * overlap_semantic

        mask = self.alive[:n].copy()
        kinds = np.isin(cols["kind"], [KIND_CODES[k] for k in query.kinds])
        mask &= kinds
        if allowed is not None:
            mask &= np.isin(self.keys[:n], np.asarray(list(allowed), dtype=np.int64))
        if exclude:
            mask &= ~np.isin(self.keys[:n], np.asarray(list(exclude), dtype=np.int64))
        relevant = (bm25 - context_score - common_score + semantic) >= RELEVANCE_FLOOR
        excluded: dict[str, int] = {"no_relevance": int(np.count_nonzero(mask & ~relevant))}
        mask &= relevant

        finance = cols["kind"] == KIND_CODES[SupplyKind.finance_product]
        if query.amount_sought is not None:
            sought = fen(query.amount_sought)
            low, high = cols["min_amount"], cols["max_amount"]
            outside = finance & (
                ((low != NO_AMOUNT) & (sought < low)) | ((high != NO_AMOUNT) & (sought > high))
            )
            excluded["amount_out_of_range"] = int(np.count_nonzero(mask & outside))
            mask &= ~outside
        wanted = FINANCING_CODES.get(query.financing, 0)
        if wanted:
            other_mode = finance & (cols["financing"] != 0) & (cols["financing"] != wanted)
            excluded["financing_mode"] = int(np.count_nonzero(mask & other_mode))
            mask &= ~other_mode
        held = qualification_mask(query.qualifications)
        rule = cols["qualification_rule"].astype(np.int64)
        unqualified = (rule != 0) & ((rule & held) == 0)
        excluded["qualification_rule"] = int(np.count_nonzero(mask & unqualified))
        mask &= ~unqualified

        capacity = cols["capacity"].astype(np.float64)
        busy = np.zeros(n, dtype=np.float64)
        for key, active in (load or {}).items():
            row = self.row_of.get(key)
            if row is not None:
                busy[row] = float(active)
        limited = cols["capacity"] != NO_AMOUNT
        if not ignore_capacity:
            full = limited & (busy >= capacity)
            excluded["at_capacity"] = int(np.count_nonzero(mask & full))
            mask &= ~full

        candidates = np.flatnonzero(mask)
        if len(candidates) == 0:
            return Ranked([], [], {f: [] for f in FACTORS}, [], [], [], [], [], excluded, 0)

        # Relevance is the demand's own BM25 plus the bridged concepts' (weighted below it); text and
        # semantic are each's share of the best candidate's relevance and share the text weight.
        combined = own_relevance[candidates] + semantic[candidates]
        best = float(combined.max())
        text = own_relevance[candidates] / best if best > 0 else np.zeros(len(candidates))
        semantic_share = semantic[candidates] / best if best > 0 else np.zeros(len(candidates))
        fit = np.minimum(1.0, overlap[candidates] / 2.0)

        price = cols["price"][candidates]
        amount = np.full(len(candidates), 0.5)
        if query.budget is not None and query.budget > 0:
            budget = float(fen(query.budget))
            priced = price != NO_AMOUNT
            over = np.maximum(0.0, 1.0 - (price.astype(np.float64) - budget) / budget)
            amount = np.where(priced, np.where(price <= fen(query.budget), 1.0, over), 0.5)
        amount = np.where(finance[candidates], 1.0, amount)

        qualification = np.where(rule[candidates] != 0, 1.0, 0.5)
        levels = self._region_levels(query.region_code)[candidates]
        region = np.asarray(REGION_FIT, dtype=np.float64)[levels]
        cap = capacity[candidates]
        free = np.where(
            cap > 0, np.clip((cap - busy[candidates]) / np.where(cap > 0, cap, 1.0), 0.0, 1.0), 0.0
        )
        capacity_fit = np.where(limited[candidates], free, 1.0)

        factors = {
            "text": text,
            "semantic": semantic_share,
            "fit": fit,
            "amount": amount,
            "qualification": qualification,
            "region": region,
            "capacity": capacity_fit,
        }
        weight = weights.as_dict()
        total_weight = sum(weight.values()) or 1.0
        weight["semantic"] = weight["text"]
        score = sum((weight[name] * values for name, values in factors.items()), np.zeros(len(candidates)))
        score = score / total_weight

        keys = self.keys[candidates]
        top = _top(score, keys, limit)
        chosen = candidates[top]
        return Ranked(
            keys=[int(k) for k in keys[top]],
            scores=[float(s) for s in score[top]],
            factors={name: [float(v) for v in values[top]] for name, values in factors.items()},
            bm25=[float(v) for v in bm25[chosen]],
            matched_terms=[self.text.matched_terms(int(row), text_terms) for row in chosen],
            matched_profile=[self._profile_terms_of(int(row), profile_terms) for row in chosen],
            region_levels=[int(v) for v in levels[top]],
            bridged=[set(self.text.matched_terms(int(row), semantic_terms)) for row in chosen],
            excluded=excluded,
            candidates=len(candidates),
        )

    def _profile_terms_of(self, row: int, term_ids: Sequence[int]) -> list[str]:
        present = set(self.profile.terms_of(row).tolist())
        return [self.profile_vocab.terms[t] for t in term_ids if t in present]

    def top_bm25(self, tokens: Sequence[str], limit: int) -> tuple[list[int], list[float]]:
        """The `limit` best supplies by BM25 alone (the benchmark's query)."""
        scores, _ = self.text.scores(tokens, self.rows)
        live = np.flatnonzero(self.alive[: self.rows] & (scores > 0))
        top = _top(scores[live], self.keys[live], limit)
        return [int(k) for k in self.keys[live][top]], [float(s) for s in scores[live][top]]


def _top(scores: FloatArray, keys: IntArray, limit: int) -> IntArray:
    """Positions of the `limit` highest scores, ties broken by the lower key: a partial sort of
    everything at or above the limit-th score, so a tie at the boundary is resolved exactly."""
    if len(scores) > limit:
        threshold = np.partition(scores, len(scores) - limit)[len(scores) - limit]
        near = np.flatnonzero(scores >= threshold)
    else:
        near = np.arange(len(scores))
    order = np.lexsort((keys[near], -scores[near]))
    return near[order[:limit]].astype(np.int64)


def _content_terms(query: Query) -> set[str]:
    """The demand's own terms: all but those that only its industry label brings (the label's terms
    come last in `tokens`, as the demand is segmented with the label at its end)."""
    tokens = list(query.tokens)
    context = list(query.context)
    if context and tokens[-len(context) :] == context:
        return set(tokens[: -len(context)])
    return set(tokens) - set(context)
