"""The ledger's search box (台账检索): case numbers by prefix, words by Chinese character pairs.

A clerk types a case number (whole or its beginning), a superior channel's ticket number, or a
few words of what the petition says (反映内容, 问题发生地点, 被反映对象, 诉求). Numbers are found
through the unique indexes of ``number`` and ``source_ticket_number`` (an index range, never a
``LIKE '%…%'`` scan). Words are found through a full-text index of its own (not Wagtail's search
backend, whose tokenizers read a run of Chinese characters as one word): the texts are cut into
overlapping character pairs (二元分词: 排放异味 → 排放 放异 异味, and the run's last character),
so any word of two characters or more is a phrase of pairs, and one character is a prefix.

- SQLite: an FTS5 table ``petitions_case_search`` (rowid = case id);
- PostgreSQL: a table ``petitions_case_search`` (case id, ``tsvector``) with a GIN index. The
  vector and the query are written as literals, so PostgreSQL's parser never re-cuts the pairs.
  Beside them the case's host department, with a GIN index over (department, words) through
  ``btree_gin`` (migration 0030): a department's handler looks up their department's matches
  alone. The department is copied from the case when a row is written, and a trigger on the
  case keeps it in step when the case's department changes, however it is changed.

The index is kept by the application, not by database triggers (the pairs are cut in Python):
``index_cases`` is called on every save of a case (``cases.signals``) and must be called with
the cases a batch path inserts in bulk (which sends no signal);
``manage.py reindex_cases`` rebuilds it all. Separate from the bigrams of duplicate detection.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.db.models.signals import post_save
from django.dispatch import receiver

from petitions.cases.models import Case

TABLE = "petitions_case_search"
#: The fields whose text is searched by words.
TEXT_FIELDS = ("description", "place", "reported_party", "demands")
#: PostgreSQL keeps positions up to this value; later words share it.
_MAX_POSITION = 16383
_BATCH = 2000
#: More matches than this, and the ledger reads its own order rather than the matches (SQLite).
_MANY = 5000
# Runs of ASCII letters and digits (one token each) and runs of other word characters (Chinese:
# cut into pairs). Punctuation and spaces separate runs.
_RUNS = re.compile(r"[0-9a-z]+|[^\W0-9a-z_]+")


def _normal(text: str) -> str:
    # NFKC: full-width letters and digits (ＡＢ１２) are the ASCII ones.
    return unicodedata.normalize("NFKC", text).lower()


def _pairs(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)] + [run[-1]]


def tokens(text: str) -> list[str]:
    """The tokens a text is indexed under, in order."""
    found: list[str] = []
    for run in _RUNS.findall(_normal(text)):
        found.extend([run] if run.isascii() else _pairs(run))
    return found


def query_phrases(query: str) -> list[tuple[list[str], bool]]:
    """Each word of the query as a phrase of tokens, and whether its last token is a prefix.

    A word's last run is not closed by the query's end: a Chinese run there gives its pairs only
    (the text may go on after it), a single character or an ASCII run is a prefix.
    """
    phrases = []
    for word in _normal(query).split():
        runs = _RUNS.findall(word)
        if not runs:
            continue
        phrase: list[str] = []
        for run in runs[:-1]:
            phrase.extend([run] if run.isascii() else _pairs(run))
        last = runs[-1]
        if last.isascii() or len(last) == 1:
            phrase.append(last)
            phrases.append((phrase, True))
        else:
            phrase.extend(_pairs(last)[:-1])
            phrases.append((phrase, False))
    return phrases


def _fts5_query(phrases: list[tuple[list[str], bool]]) -> str:
    # Tokens hold no quote (only letters and digits); each phrase is quoted, AND between them.
    return " AND ".join(
        '"' + " ".join(phrase) + '"' + (" *" if prefix else "") for phrase, prefix in phrases
    )


def _lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def _tsquery(phrases: list[tuple[list[str], bool]]) -> str:
    parts = []
    for phrase, prefix in phrases:
        lexemes = [_lexeme(t) for t in phrase]
        if prefix:
            lexemes[-1] += ":*"
        parts.append("(" + " <-> ".join(lexemes) + ")")
    return " & ".join(parts)


def _tsvector(found: list[str]) -> str:
    return " ".join(f"{_lexeme(t)}:{min(i + 1, _MAX_POSITION)}" for i, t in enumerate(found))


def document_tokens(values: Iterable[str | None]) -> list[str]:
    found: list[str] = []
    for value in values:
        if value:
            found.extend(tokens(value))
    return found


# --- keeping the index ----------------------------------------------------------------------


def index_cases(cases: Iterable[Case]) -> None:
    """Index (or index again) these cases' texts: one statement a batch.

    The batch filing path calls this with the cases it created in bulk; a case saved one by one
    is indexed by the save signal.
    """
    rows = [
        (case.pk, document_tokens(getattr(case, name) for name in TEXT_FIELDS))
        for case in cases
        if case.pk is not None
    ]
    write_rows(rows)


@receiver(post_save, sender=Case, dispatch_uid="petitions.cases.search.index_saved_case")
def index_saved_case(sender, instance: Case, update_fields=None, raw=False, **kwargs) -> None:
    # A step that saves only other fields (state, due dates) leaves the texts as they were.
    if raw or (update_fields is not None and not set(update_fields) & set(TEXT_FIELDS)):
        return
    index_cases([instance])


def reindex(case_ids: Iterable[int]) -> None:
    """Index again the cases with these ids, read from the database."""
    ids = list(case_ids)
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        rows = Case.objects.filter(pk__in=chunk).values_list("pk", *TEXT_FIELDS)
        with transaction.atomic():
            write_rows([(row[0], document_tokens(row[1:])) for row in rows])


def reindex_all() -> int:
    """Rebuild the whole index (after a restore, or when first installed); returns the count."""
    count = 0
    last = 0
    while True:
        rows = list(
            Case.objects.filter(pk__gt=last).order_by("pk").values_list("pk", *TEXT_FIELDS)[:_BATCH]
        )
        if not rows:
            return count
        # One transaction a batch: in autocommit each row would be a commit of its own (and, in
        # FTS5, a segment of its own to merge): 100 cases a second instead of thousands.
        with transaction.atomic():
            write_rows([(row[0], document_tokens(row[1:])) for row in rows])
        count += len(rows)
        last = rows[-1][0]


def index_is_empty() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {TABLE} LIMIT 1")  # noqa: S608 (a constant)
        return cursor.fetchone() is None


def write_rows(rows: list[tuple[int, list[str]]]) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql":
        # The case's department beside its words (a handler's search, migration 0030): read
        # from the case's row, and kept in step afterwards by a trigger on the case.
        sql = (
            f"INSERT INTO {TABLE} (case_id, department_id, document) "  # noqa: S608
            f"SELECT id, host_department_id, %s::tsvector FROM {Case._meta.db_table} "
            "WHERE id = %s ON CONFLICT (case_id) DO UPDATE "
            "SET document = EXCLUDED.document, department_id = EXCLUDED.department_id"
        )
        params = [(_tsvector(found), pk) for pk, found in rows]
    else:
        # FTS5 replaces the row of the same rowid.
        sql = f"INSERT OR REPLACE INTO {TABLE} (rowid, body) VALUES (%s, %s)"  # noqa: S608
        params = [(pk, " ".join(found)) for pk, found in rows]
    with connection.cursor() as cursor:
        if len(params) == 1:
            cursor.execute(sql, params[0])  # a filing's one row: no batch to set up
        else:
            cursor.executemany(sql, params)


# --- searching ------------------------------------------------------------------------------


def _fts5_count(expression: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {TABLE} WHERE {TABLE} MATCH %s LIMIT %s)",  # noqa: S608
            [expression, _MANY + 1],
        )
        return cursor.fetchone()[0]


def _prefix_sql(column: str, value: str) -> tuple[str, list[str]]:
    if connection.vendor == "postgresql":
        # Served by the varchar_pattern_ops index Django makes beside a unique or indexed column.
        escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"{column} LIKE %s", [escaped + "%"]
    # An index range: SQLite's LIKE ignores case and so cannot use the index.
    return f"{column} >= %s AND {column} < %s", [value, value + "\U0010ffff"]


def _any_row(parts: list[str], params: list[str]) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts) + " LIMIT 1", params)
        return cursor.fetchone() is not None


def search_q(query: str, departments: list[int] | None = None) -> Q:
    """The cases a clerk's search finds: by number or ticket number prefix, or by words.

    ``departments``: the user sees only the cases these departments host (``access``); on
    PostgreSQL the words are then looked up in these departments' part of the index alone.
    """
    text = _normal(query).strip()
    raw = unicodedata.normalize("NFKC", query).strip()
    parts: list[str] = []
    params: list[str] = []
    case_table = Case._meta.db_table
    if raw and not any(c.isspace() for c in raw):
        for value in dict.fromkeys([raw, raw.upper()]):
            for column in ("number", "source_ticket_number"):
                where, where_params = _prefix_sql(column, value)
                parts.append(f"SELECT id FROM {case_table} WHERE {where}")  # noqa: S608
                params.extend(where_params)
    phrases = query_phrases(text)
    if phrases:
        if connection.vendor == "postgresql":
            if parts and not _any_row(parts, params):
                # Words, not a number: the words' index alone, so that PostgreSQL estimates the
                # matches from its statistics (of a UNION it guesses 200) and, for a common
                # word, reads the ledger's order and stops at the page's end instead of
                # fetching and sorting every match.
                parts, params = [], []
            where = "document @@ %s::tsquery"
            if departments:
                # A handler's common word: the index's (department, words) entries give their
                # department's matches (15,000 of 125,000 for 异味), instead of every match
                # joined with the department's cases to count them (0.4 s). bigint, as the
                # column: btree_gin compares no other type. An OR, not IN: GIN takes no array.
                where = (
                    "("
                    + " OR ".join(["department_id = %s::bigint"] * len(departments))
                    + ") AND "
                    + where
                )
                params.extend(str(pk) for pk in departments)
            parts.append(f"SELECT case_id FROM {TABLE} WHERE {where}")  # noqa: S608
            params.append(_tsquery(phrases))
        else:
            parts.append(f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s")  # noqa: S608
            params.append(_fts5_query(phrases))
    if not parts:
        return Q(pk__in=[])
    if connection.vendor == "sqlite" and phrases and _fts5_count(params[-1]) > _MANY:
        # A common word: SQLite's planner, knowing nothing of the match's size, would fetch
        # every match and sort them; "+id" makes it read the ledger's order instead and stop
        # at the page's end.
        sql = f'(+"{case_table}"."id") IN ({" UNION ALL ".join(parts)})'
        return Q(RawSQL(sql, params, output_field=BooleanField()))  # noqa: S611
    # Table and column names are constants of this module; every value is a parameter.
    return Q(pk__in=RawSQL(" UNION ALL ".join(parts), params))  # noqa: S611
