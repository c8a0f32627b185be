"""Okapi BM25 over sparse matrices, updated one document at a time.

Why not a library: `bm25s` (the well-kept sparse BM25) precomputes every document's score per term,
with idf and the average length baked in, so adding or changing one supply would mean re-indexing
the whole corpus; `rank_bm25` loops over documents in Python. Here the matrix holds raw term
counts; document frequencies and lengths are kept as arrays and idf and the average length are
computed at query time. So an update touches only the changed document, and the scores are
exactly those of a full rebuild (the tests and `bench/matching_engine.py` check it against
brute-force scoring).

Layout: documents are rows. A compacted *base* segment is held in CSC (a term's column lists the
documents containing it, which is all a query needs) and its row structure in CSR (the terms of a
document, needed to retire it); documents added since the last compaction sit in a small *delta*
segment. A changed document is retired (its row masked, its terms' document frequencies
decremented) and appended again. When the delta reaches `delta_rows` rows, base and delta are
merged and retired rows dropped.

Scoring: for each distinct query term, its column's (row, count) pairs get
`idf · tf·(k1+1) / (tf + k1·(1 − b + b·len/avglen))` added, vectorised over the column; the only
Python loop is over the query's terms. idf is Lucene's `ln(1 + (N − df + 0.5)/(df + 0.5))`, always
positive.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Column:
    """The documents (rows) holding one term, and how often each holds it."""

    rows: IntArray
    counts: FloatArray


_EMPTY = Column(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64))


class SparseBag:
    """Rows of term ids with counts (a bag of words per document): a CSC base plus a delta.

    Row numbers are given by the caller, in increasing order; `compact(keep)` renumbers them.
    """

    def __init__(self) -> None:
        self._base_csc: sp.csc_array = sp.csc_array((0, 0), dtype=np.int32)
        self._base_rows = 0
        self._base_csr: sp.csr_array | None = None  # the base's rows, derived when first needed
        # Rows past the base, by row number: (term ids, counts); and their CSC, built on demand.
        self._pending: dict[int, tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]] = {}
        self._delta_csc: sp.csc_array | None = None

    def load(self, rows: int, row_ids: IntArray, term_ids: IntArray, width: int) -> None:
        """Replace everything with `rows` documents given as parallel (row, term) occurrence arrays;
        repeated pairs add up to counts."""
        ones = np.ones(len(row_ids), dtype=np.int32)
        self._set_base(sp.coo_array((ones, (row_ids, term_ids)), shape=(rows, width)).tocsc(), rows)

    def _set_base(self, matrix: sp.csc_array, rows: int) -> None:
        matrix.sum_duplicates()
        self._base_csc = matrix
        self._base_rows = rows
        self._base_csr = None
        self._pending = {}
        self._delta_csc = None

    def append(self, row: int, term_ids: npt.NDArray[np.int32], counts: npt.NDArray[np.int32]) -> None:
        self._pending[row] = (term_ids, counts)
        self._delta_csc = None

    def pending_rows(self) -> int:
        return len(self._pending)

    def _delta(self, width: int) -> sp.csc_array:
        if self._delta_csc is None or self._delta_csc.shape[1] < width:
            height = max(self._pending, default=self._base_rows - 1) - self._base_rows + 1
            if self._pending:
                rows = np.concatenate(
                    [np.full(len(t), r - self._base_rows) for r, (t, _) in self._pending.items()]
                )
                cols = np.concatenate([t for t, _ in self._pending.values()])
                data = np.concatenate([c for _, c in self._pending.values()])
            else:
                rows = cols = data = np.zeros(0, dtype=np.int32)
            self._delta_csc = sp.coo_array((data, (rows, cols)), shape=(height, width)).tocsc()
        return self._delta_csc

    def compact(self, keep: IntArray, width: int) -> None:
        """Merge base and delta, keeping only the rows in `keep` (in that order, renumbered 0..)."""
        merged = sp.vstack([_widened(self._base_csc, width), self._delta(width)], format="csr")
        self._set_base(merged[keep].tocsc(), len(keep))

    def column(self, term: int, width: int) -> Column:
        """Every (row, count) of a term, base and delta together."""
        parts: list[Column] = []
        for matrix, offset in ((self._base_csc, 0), (self._delta(width), self._base_rows)):
            if term >= matrix.shape[1]:
                continue
            start, end = int(matrix.indptr[term]), int(matrix.indptr[term + 1])
            if start < end:
                rows = matrix.indices[start:end].astype(np.int64) + offset
                parts.append(Column(rows, matrix.data[start:end].astype(np.float64)))
        if not parts:
            return _EMPTY
        if len(parts) == 1:
            return parts[0]
        return Column(np.concatenate([p.rows for p in parts]), np.concatenate([p.counts for p in parts]))

    def column_lengths(self) -> IntArray:
        """How many base rows hold each term (document frequencies right after `load`)."""
        return np.diff(self._base_csc.indptr).astype(np.int64)

    def terms_of(self, row: int) -> npt.NDArray[np.int32]:
        """The term ids of one row (to retire it)."""
        if row >= self._base_rows:
            return self._pending.get(row, (np.zeros(0, dtype=np.int32), None))[0]
        if self._base_csr is None:
            self._base_csr = self._base_csc.tocsr()
        start, end = int(self._base_csr.indptr[row]), int(self._base_csr.indptr[row + 1])
        return self._base_csr.indices[start:end]

    def nbytes(self) -> int:
        arrays = [self._base_csc.data, self._base_csc.indices, self._base_csc.indptr]
        if self._base_csr is not None:
            arrays += [self._base_csr.data, self._base_csr.indices, self._base_csr.indptr]
        for terms, counts in self._pending.values():
            arrays += [terms, counts]
        return sum(a.nbytes for a in arrays)


def _widened(matrix: sp.csc_array, width: int) -> sp.csc_array:
    """The same CSC matrix with empty columns added up to `width` (new vocabulary)."""
    extra = width - matrix.shape[1]
    if extra <= 0:
        return matrix
    indptr = np.concatenate([matrix.indptr, np.full(extra, matrix.indptr[-1], dtype=matrix.indptr.dtype)])
    return sp.csc_array((matrix.data, matrix.indices, indptr), shape=(matrix.shape[0], width))


class Vocabulary:
    """Term ↔ id, growing as documents bring new terms."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.terms: list[str] = []

    def __len__(self) -> int:
        return len(self.terms)

    def id_of(self, term: str) -> int:
        found = self.ids.get(term)
        if found is None:
            found = self.ids[term] = len(self.terms)
            self.terms.append(term)
        return found

    def lookup(self, term: str) -> int | None:
        return self.ids.get(term)

    def bag(self, tokens: Iterable[str]) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
        ids = np.fromiter((self.id_of(t) for t in tokens), dtype=np.int32)
        if len(ids) == 0:
            return ids, ids
        unique, counts = np.unique(ids, return_counts=True)
        return unique.astype(np.int32), counts.astype(np.int32)


def distinct(tokens: Iterable[str]) -> list[str]:
    """The query's distinct terms, in order of first appearance (the order scores are summed in)."""
    return list(dict.fromkeys(tokens))


class Bm25:
    """BM25 statistics and scoring over a `SparseBag` whose rows a `RowTable` keeps."""

    def __init__(self, *, k1: float = 1.5, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self.vocab = Vocabulary()
        self.bag = SparseBag()
        self._df = np.zeros(0, dtype=np.int64)
        self._lengths = np.zeros(0, dtype=np.float64)
        self._documents = 0
        self._total_length = 0.0
        self._norm: FloatArray | None = None

    # -- statistics -----------------------------------------------------------------------------

    @property
    def documents(self) -> int:
        return self._documents

    def _grow_df(self) -> None:
        if len(self._df) < len(self.vocab):
            grown = np.zeros(max(len(self.vocab), 2 * len(self._df), 64), dtype=np.int64)
            grown[: len(self._df)] = self._df
            self._df = grown

    def _grow_lengths(self, rows: int) -> None:
        if len(self._lengths) < rows:
            grown = np.zeros(max(rows, 2 * len(self._lengths), 64), dtype=np.float64)
            grown[: len(self._lengths)] = self._lengths
            self._lengths = grown

    def load(self, documents: Sequence[Sequence[str]]) -> None:
        """Index `documents` as rows 0..n-1 from scratch."""
        self.vocab = Vocabulary()
        counts = np.fromiter((len(d) for d in documents), dtype=np.int64, count=len(documents))
        term_ids = np.fromiter(
            (self.vocab.id_of(t) for d in documents for t in d), dtype=np.int64, count=int(counts.sum())
        )
        row_ids = np.repeat(np.arange(len(documents), dtype=np.int64), counts)
        width = len(self.vocab)
        self.bag.load(len(documents), row_ids, term_ids, width)
        # Document frequency: distinct (row, term) pairs per term, from the CSC column lengths.
        self._df = np.zeros(max(width, 64), dtype=np.int64)
        self._df[:width] = self.bag.column_lengths()
        self._lengths = counts.astype(np.float64)
        self._documents = len(documents)
        self._total_length = float(counts.sum())
        self._norm = None

    def add(self, row: int, tokens: Sequence[str]) -> None:
        """Append a document as `row` (the next row number)."""
        terms, counts = self.vocab.bag(tokens)
        self._grow_df()
        self._grow_lengths(row + 1)
        self._df[terms] += 1
        self._lengths[row] = float(len(tokens))
        self._documents += 1
        self._total_length += float(len(tokens))
        self.bag.append(row, terms, counts)
        self._norm = None

    def retire(self, row: int) -> None:
        """Take a document out of the statistics; its row stays in the matrix until compaction."""
        self._df[self.bag.terms_of(row)] -= 1
        self._documents -= 1
        self._total_length -= float(self._lengths[row])
        self._lengths[row] = 0.0
        self._norm = None

    def compact(self, keep: IntArray) -> None:
        self.bag.compact(keep, len(self.vocab))
        self._lengths = self._lengths[keep].copy()
        self._norm = None

    # -- scoring --------------------------------------------------------------------------------

    def idf(self, term: int) -> float:
        df = float(self._df[term])
        return math.log(1.0 + (self._documents - df + 0.5) / (df + 0.5))

    def _length_norm(self, rows: int) -> FloatArray:
        if self._norm is None or len(self._norm) < rows:
            average = self._total_length / self._documents if self._documents else 1.0
            lengths = self._lengths[:rows]
            self._norm = self.k1 * (1.0 - self.b + self.b * lengths / (average or 1.0))
        return self._norm

    def scores(self, query: Sequence[str], rows: int) -> tuple[FloatArray, list[int]]:
        """BM25 of every row for the query's distinct terms, and the ids of the terms the index knows.
        Retired rows get scores too: the caller masks them."""
        scores = np.zeros(rows, dtype=np.float64)
        known: list[int] = []
        if not self._documents:
            return scores, known
        norm = self._length_norm(rows)
        width = len(self.vocab)
        for term in distinct(query):
            term_id = self.vocab.lookup(term)
            if term_id is None or self._df[term_id] == 0:
                continue
            known.append(term_id)
            column = self.bag.column(term_id, width)
            tf = column.counts
            scores[column.rows] += self.idf(term_id) * (tf * (self.k1 + 1.0)) / (tf + norm[column.rows])
        return scores, known

    def matched_terms(self, row: int, term_ids: Sequence[int]) -> list[str]:
        """Which of the query's terms a document holds (for the explanation of one result)."""
        present = set(self.bag.terms_of(row).tolist())
        return [self.vocab.terms[t] for t in term_ids if t in present]

    def nbytes(self) -> int:
        return self.bag.nbytes() + self._df.nbytes + self._lengths.nbytes


def brute_force_scores(
    documents: Sequence[Sequence[str]], query: Sequence[str], *, k1: float = 1.5, b: float = 0.75
) -> list[float]:
    """The same BM25, one document at a time in plain Python: the reference the tests and the
    benchmark compare the sparse scores with."""
    n = len(documents)
    average = sum(len(d) for d in documents) / n if n else 1.0
    df: dict[str, int] = {}
    for document in documents:
        for term in set(document):
            df[term] = df.get(term, 0) + 1
    terms = [t for t in distinct(query) if df.get(t)]
    scores = []
    for document in documents:
        counts: dict[str, int] = {}
        for token in document:
            counts[token] = counts.get(token, 0) + 1
        norm = k1 * (1.0 - b + b * len(document) / average)
        score = 0.0
        for term in terms:
            tf = float(counts.get(term, 0))
            if tf:
                idf = math.log(1.0 + (n - df[term] + 0.5) / (df[term] + 0.5))
                score += idf * (tf * (k1 + 1.0)) / (tf + norm)
        scores.append(score)
    return scores
