"""What the repositories say differently on each engine, in one place.

The repositories write one SQL for both engines (``?`` and ``:name`` placeholders, quoted
``"user"``, ``RETURNING``, ``ON CONFLICT``); the few pieces that cannot be the same text
(the search index, an index hint, case-blind ``LIKE``, reading JSON) come from here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from replydesk.domain.text import search_words

_WORD = re.compile(r"[^\W_]+")
LONGEST_WORD = 100  # characters: longer is no word anyone searches for
MOST_TEXT = 200_000  # characters of distinct words (PostgreSQL holds 1 MB per entry)


@dataclass(frozen=True)
class Dialect:
    name: str
    # "+r.col": SQLite's hint to filter while walking another index; PostgreSQL plans alone
    hint: str
    like: str  # case-blind LIKE (SQLite's LIKE is, for ASCII; PostgreSQL has ILIKE)
    # "the review ids matching :q" (q from ``search``), for a search matching few
    fts_ids: str
    # "review r matches :q", for a search matching many (checked row by row in list order)
    fts_broad: str
    # "r.id is one of :ids" (``id_list`` makes the parameter)
    id_in: str
    # "reviews r", read from :ids first, for a list of few ids ("" when the planner knows
    # to): SQLite would walk a label's whole index in list order, looking for matches that
    # may not be there (100 ms at a million), rather than read a few ids and sort them
    ids_first: str
    # the values of a JSON object kept as text: a FROM item whose rows have ``value``
    json_values: str
    # "a list as one parameter": ``= ANY(?)`` and ``unnest(?::text[], …)`` (PostgreSQL);
    # SQLite takes a list as one ``?`` per value instead
    arrays: bool
    # NULL sorts before every value on SQLite; PostgreSQL is told so (a review without a
    # date, a promise without a due date, are listed where SQLite lists them)
    nulls_first: str
    nulls_last: str

    def id_list(self, ids: list[int]) -> object:
        """``ids`` as the one parameter ``id_in`` takes: an array, or JSON for SQLite."""
        return ids if self.arrays else json.dumps(ids)

    def order(self, sql: str) -> str:
        """``sql`` with ``{nulls_first}``/``{nulls_last}`` spelled for this engine."""
        return sql.replace("{nulls_first}", self.nulls_first).replace(
            "{nulls_last}", self.nulls_last
        )

    def search(self, text: str) -> str:
        """A user's words as this engine's search query: every word must appear, each as
        the start of a word ("" when there are no words)."""
        if self.name == "sqlite":
            return " ".join(f'"{w}"*' for w in search_words(text))
        words = [w for word in search_words(text) for w in _WORD.findall(word)]
        return " & ".join(f"'{w}':*" for w in words)

    def search_text(self, folded: str) -> str:
        """What the search index is given for a review's folded text. PostgreSQL is given
        each word once (its index takes them as they stand): none longer than it can
        index, and no more than a search index entry holds, whatever a hostile review
        is made of."""
        if self.name == "sqlite":
            return folded
        words = dict.fromkeys(w for w in _WORD.findall(folded) if len(w) <= LONGEST_WORD)
        text = " ".join(words)
        if len(text) > MOST_TEXT:
            text = text[:MOST_TEXT].rsplit(" ", 1)[0]
        return text


SQLITE = Dialect(
    name="sqlite",
    hint="+",
    like="LIKE",
    fts_ids="SELECT rowid FROM reviews_fts WHERE reviews_fts MATCH :q",
    fts_broad="+r.id IN (SELECT rowid FROM reviews_fts WHERE reviews_fts MATCH :q)",
    id_in="r.id IN (SELECT value FROM json_each(:ids))",
    ids_first="json_each(:ids) ids CROSS JOIN reviews r ON r.id = ids.value",
    json_values="json_each(CASE WHEN json_valid({col}) THEN {col} ELSE '{{}}' END)",
    arrays=False,
    nulls_first="",
    nulls_last="",
)

POSTGRESQL = Dialect(
    name="postgresql",
    hint="",
    like="ILIKE",
    fts_ids="SELECT rowid FROM reviews_fts WHERE words @@ to_tsquery('simple', :q)",
    fts_broad="EXISTS (SELECT 1 FROM reviews_fts f WHERE f.rowid = r.id "
    "AND f.words @@ to_tsquery('simple', :q))",
    id_in="r.id = ANY(:ids)",
    ids_first="",
    json_values="json_each_text(CASE WHEN {col} ~ '^\\s*\\{{' THEN {col}::json "
    "ELSE '{{}}'::json END)",
    arrays=True,
    nulls_first=" NULLS FIRST",
    nulls_last=" NULLS LAST",
)
