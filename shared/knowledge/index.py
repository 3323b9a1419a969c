"""The search engine: SQLite FTS5 (the standard library's sqlite3), one team's index as a
base segment and a delta segment, each a SQLite file of the same schema.

    fts          FTS5 table (title, content, tags), porter stemming over unicode61 (case
                 and diacritics folded); ranked by bm25 with the title weighted 10, tags 5
    entries      one row per entry (rowid = the fts row): id, category, tags, source, times
    entry_tags   (tag, entry_id): the exact-tag filter
    changed      the delta only: ids it overrides in the base (upserted or deleted)

A search runs on both: the base's matches minus the ids the delta changed, the delta's
matches, merged by score. Scores are bm25's (negated: higher is better) under each
segment's own statistics; the delta is small, so its scores are close to what one index
would give. Highlights are FTS5's snippets, HTML-escaped with only `<mark>` added, so a
client may render them as HTML.

Everything here works on local files; shared.knowledge.segments moves them to and from S3.
Statements interpolate only a segment's schema name (`main` or `d`, never input) and fixed
clauses; every value is a bound parameter (hence the S608 waivers).
"""

from __future__ import annotations

import html
import json
import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from shared.knowledge.domain import Entry, KnowledgeHit

# bm25 weights per column (title, content, tags).
RANK = "bm25(10.0, 1.0, 5.0)"
TOKENIZER = "porter unicode61 remove_diacritics 2"
# Private-use characters around matches in snippets, turned into <mark> after escaping.
_OPEN, _CLOSE = "\ue000", "\ue001"
ELLIPSIS = "…"
SNIPPET_TOKENS = 24
# At most this many terms of a query are searched for (a prompt given as a query).
MAX_TERMS = 32
_TERM = re.compile(r"\w+", re.UNICODE)

SCHEMA = f"""
CREATE VIRTUAL TABLE fts USING fts5(title, content, tags, tokenize='{TOKENIZER}');
INSERT INTO fts(fts, rank) VALUES ('rank', '{RANK}');
CREATE TABLE entries (
    rowid INTEGER PRIMARY KEY,
    entry_id TEXT NOT NULL UNIQUE,
    category TEXT NOT NULL,
    tags TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX entries_by_category ON entries (category, entry_id);
CREATE TABLE entry_tags (tag TEXT NOT NULL, entry_id TEXT NOT NULL,
    PRIMARY KEY (tag, entry_id)) WITHOUT ROWID;
CREATE TABLE changed (entry_id TEXT PRIMARY KEY) WITHOUT ROWID;
"""  # noqa: S608

_HIT_COLUMNS = "e.entry_id, e.category, e.tags, e.source, e.created_at, e.updated_at, {fts}.title"


@dataclass(frozen=True, slots=True)
class Query:
    """What a search asks: an FTS5 match expression built from the user's words (never
    their syntax), filters, and how deep the merged ranking must go."""

    match: str
    category: str | None = None
    tag: str | None = None
    depth: int = 10


def terms(text: str) -> list[str]:
    """The words of `text` (letters and digits, case folded), first occurrences, capped."""
    found = dict.fromkeys(word.casefold() for word in _TERM.findall(text))
    return list(found)[:MAX_TERMS]


def match_expression(text: str, *, any_term: bool = False) -> str | None:
    """An FTS5 query matching every word of `text` (or any, ranked by how many and how
    rare), each as a quoted string so nothing the user types is FTS5 syntax; None when
    `text` has no word."""
    words = terms(text)
    if not words:
        return None
    quoted = [f'"{word}"' for word in words]
    return (" OR " if any_term else " ").join(quoted)


def create(path: Path) -> sqlite3.Connection:
    """A new, empty segment at `path` (replaced if there is one), open for writing."""
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.executescript(SCHEMA)
    return connection


def open_writable(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None, check_same_thread=False)


def open_readonly(base: Path, delta: Path | None) -> sqlite3.Connection:
    """The base read-only with the delta attached as `d` (files never change once
    published: immutable, so SQLite takes no locks)."""
    connection = sqlite3.connect(
        f"file:{base}?mode=ro&immutable=1", uri=True, check_same_thread=False
    )
    if delta is not None:
        connection.execute("ATTACH DATABASE ? AS d", (f"file:{delta}?mode=ro&immutable=1",))
    return connection


def _insert(connection: sqlite3.Connection, entries: Iterable[Entry]) -> int:
    count = 0
    for entry in entries:
        cursor = connection.execute(
            "INSERT INTO entries (entry_id, category, tags, source, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                entry.id,
                entry.category,
                json.dumps(list(entry.tags)),
                entry.source,
                entry.created_at.isoformat(),
                entry.updated_at.isoformat(),
            ),
        )
        connection.execute(
            "INSERT INTO fts (rowid, title, content, tags) VALUES (?, ?, ?, ?)",
            (cursor.lastrowid, entry.title, entry.content, " ".join(entry.tags)),
        )
        connection.executemany(
            "INSERT OR IGNORE INTO entry_tags (tag, entry_id) VALUES (?, ?)",
            [(tag, entry.id) for tag in entry.tags],
        )
        count += 1
    return count


def _remove(connection: sqlite3.Connection, ids: Iterable[str]) -> None:
    """Remove entries by id from the segment open as `connection`."""
    for entry_id in ids:
        row = connection.execute(
            "SELECT rowid FROM entries WHERE entry_id = ?", (entry_id,)
        ).fetchone()
        if row is None:
            continue
        connection.execute("DELETE FROM fts WHERE rowid = ?", row)
        connection.execute("DELETE FROM entries WHERE rowid = ?", row)
        connection.execute("DELETE FROM entry_tags WHERE entry_id = ?", (entry_id,))


def bulk_load(connection: sqlite3.Connection, entries: Iterable[Entry]) -> int:
    """Entries into a new segment in one transaction (a rebuild); how many."""
    connection.execute("BEGIN")
    count = _insert(connection, entries)
    connection.execute("COMMIT")
    return count


def apply_changes(connection: sqlite3.Connection, changes: dict[str, Entry | None]) -> None:
    """Each changed id's current state into the delta open as `connection`: its old rows
    out, its new ones in (None: deleted), and the id marked as overriding the base."""
    connection.execute("BEGIN")
    _remove(connection, changes)
    connection.executemany(
        "INSERT OR IGNORE INTO changed (entry_id) VALUES (?)", [(i,) for i in changes]
    )
    _insert(connection, (entry for entry in changes.values() if entry is not None))
    connection.execute("COMMIT")


def changed_count(connection: sqlite3.Connection) -> int:
    return int(connection.execute("SELECT count(*) FROM changed").fetchone()[0])


def merge(base: sqlite3.Connection, delta_path: Path) -> None:
    """The delta at `delta_path` folded into the base open as `base`: the ids it changed
    out of the base, its entries in. Then FTS5's segments merged, so a base never carries
    the history of its merges into every search."""
    base.execute("ATTACH DATABASE ? AS d", (str(delta_path),))
    base.execute("BEGIN")
    ids = [row[0] for row in base.execute("SELECT entry_id FROM d.changed")]
    _remove(base, ids)
    base.execute(
        "INSERT INTO entries (entry_id, category, tags, source, created_at, updated_at) "
        "SELECT entry_id, category, tags, source, created_at, updated_at FROM d.entries"
    )
    base.execute(
        "INSERT INTO fts (rowid, title, content, tags) "
        "SELECT e.rowid, f.title, f.content, f.tags FROM d.entries de "
        "JOIN d.fts f ON f.rowid = de.rowid JOIN entries e ON e.entry_id = de.entry_id"
    )
    base.execute("INSERT OR IGNORE INTO entry_tags SELECT tag, entry_id FROM d.entry_tags")
    base.execute("COMMIT")
    base.execute("DETACH DATABASE d")
    base.execute("INSERT INTO fts(fts) VALUES ('optimize')")
    base.execute("VACUUM")


def _highlight(snippet: str | None) -> str:
    escaped = html.escape(snippet or "", quote=False)
    return escaped.replace(_OPEN, "<mark>").replace(_CLOSE, "</mark>")


def _filters(query: Query, *, exclude_changed: bool, schema: str) -> tuple[str, list[object]]:
    clauses: list[str] = []
    values: list[object] = []
    if query.category is not None:
        clauses.append("e.category = ?")
        values.append(query.category)
    if query.tag is not None:
        clauses.append(f"e.entry_id IN (SELECT entry_id FROM {schema}.entry_tags WHERE tag = ?)")  # noqa: S608
        values.append(query.tag)
    if exclude_changed:
        clauses.append("e.entry_id NOT IN (SELECT entry_id FROM d.changed)")
    return "".join(f" AND {clause}" for clause in clauses), values


def _search_segment(
    connection: sqlite3.Connection, schema: str, query: Query, *, exclude_changed: bool
) -> tuple[list[KnowledgeHit], int]:
    where, values = _filters(query, exclude_changed=exclude_changed, schema=schema)
    fts = f"{schema}.fts"
    # The FTS5 table by its own name (an alias hides the column MATCH and snippet() need);
    # one segment per statement, so `fts` is never ambiguous.
    rows = connection.execute(
        f"SELECT {_HIT_COLUMNS.format(fts='fts')}, -fts.rank, "  # noqa: S608
        f"snippet(fts, -1, '{_OPEN}', '{_CLOSE}', '{ELLIPSIS}', {SNIPPET_TOKENS}) "
        f"FROM {fts} JOIN {schema}.entries AS e ON e.rowid = fts.rowid "
        f"WHERE fts MATCH ?{where} ORDER BY fts.rank LIMIT ?",
        [query.match, *values, query.depth],
    ).fetchall()
    (total,) = connection.execute(
        f"SELECT count(*) FROM {fts} JOIN {schema}.entries AS e ON e.rowid = fts.rowid "  # noqa: S608
        f"WHERE fts MATCH ?{where}",
        [query.match, *values],
    ).fetchone()
    hits = [
        KnowledgeHit(
            id=row[0],
            category=row[1],
            tags=tuple(json.loads(row[2])),
            source=row[3],
            created_at=row[4],
            updated_at=row[5],
            title=row[6],
            score=float(row[7]),
            highlight=_highlight(row[8]),
        )
        for row in rows
    ]
    return hits, int(total)


def search(
    connection: sqlite3.Connection, query: Query, *, with_delta: bool
) -> tuple[list[KnowledgeHit], int]:
    """The `query.depth` best hits over the base (and the attached delta), best first, and
    how many entries match in all."""
    hits, total = _search_segment(connection, "main", query, exclude_changed=with_delta)
    if with_delta:
        more, more_total = _search_segment(connection, "d", query, exclude_changed=False)
        hits = sorted([*hits, *more], key=lambda hit: hit.score or 0.0, reverse=True)
        hits = hits[: query.depth]
        total += more_total
    return hits, total


def contents(connection: sqlite3.Connection, ids: list[str], *, with_delta: bool) -> dict[str, str]:
    """The content of each entry id (for an agent's context), from whichever segment holds
    its current state."""
    found: dict[str, str] = {}
    schemas = ["d", "main"] if with_delta else ["main"]
    for entry_id in ids:
        for schema in schemas:
            row = connection.execute(
                f"SELECT f.content FROM {schema}.entries e JOIN {schema}.fts f "  # noqa: S608
                "ON f.rowid = e.rowid WHERE e.entry_id = ?",
                (entry_id,),
            ).fetchone()
            if row is not None:
                found[entry_id] = str(row[0])
                break
    return found


def tagged(
    connection: sqlite3.Connection, query: Query, *, with_delta: bool, offset: int, limit: int
) -> tuple[list[KnowledgeHit], int]:
    """Entries with `query.tag` (and category), newest first, without ranking: a listing
    filtered by tag, answered by the index."""
    pages: list[KnowledgeHit] = []
    total = 0
    schemas = [("main", with_delta), *([("d", False)] if with_delta else [])]
    for schema, exclude in schemas:
        where, values = _filters(query, exclude_changed=exclude, schema=schema)
        rows = connection.execute(
            f"SELECT {_HIT_COLUMNS.format(fts='f')} FROM {schema}.entries AS e "  # noqa: S608
            f"JOIN {schema}.fts AS f ON f.rowid = e.rowid WHERE 1 = 1{where} "
            "ORDER BY e.entry_id DESC LIMIT ?",
            [*values, offset + limit],
        ).fetchall()
        (count,) = connection.execute(
            f"SELECT count(*) FROM {schema}.entries AS e WHERE 1 = 1{where}",  # noqa: S608
            values,
        ).fetchone()
        total += int(count)
        pages += [
            KnowledgeHit(
                id=row[0],
                category=row[1],
                tags=tuple(json.loads(row[2])),
                source=row[3],
                created_at=row[4],
                updated_at=row[5],
                title=row[6],
            )
            for row in rows
        ]
    pages.sort(key=lambda hit: hit.id, reverse=True)
    return pages[offset : offset + limit], total
