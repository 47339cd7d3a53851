"""TikTok's tolerant field readers (`tiktok.types`) as PostgreSQL expressions over `jsonb`.

A mirror writer hands a page's JSON to PostgreSQL in one parameter and lets one statement
extract, convert and upsert every row: the per-field Python work (about 300 µs an order) was
most of a page's cost. Each function here takes an SQL expression of type `jsonb` and returns
an SQL expression that reads it the way the Python reader of the same name does (the
`tests/mirror/test_page_sql.py` equivalence test holds them to it). Only our own expressions
and column names are spliced; values always travel as parameters.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

import orjson
import psycopg
from django.db import connection
from django.utils import timezone

# What str.strip() removes, closely enough (btrim takes a character list, not a class).
_SPACE = r"E' \t\n\r\f\v'"
_NUMERIC = r"'^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d{1,3})?\s*$'"
# as_time: above this a number is milliseconds; outside these bounds Python's datetime fails.
_MILLIS = "1000000000000"
_MAX_SECONDS = "253402300799"  # 9999-12-31 23:59:59
_MIN_SECONDS = "-62135596800"  # 0001-01-01


def number(j: str) -> str:
    """A JSON number or numeric string as `numeric` (None for anything else), like as_decimal."""
    return (
        f"(case jsonb_typeof({j}) when 'number' then ({j})::numeric "
        f"when 'string' then case when ({j} #>> '{{}}') ~ {_NUMERIC} "
        f"then ({j} #>> '{{}}')::numeric end end)"
    )


def money(j: str) -> str:
    """as_decimal, fit for numeric(14, 2) (an amount the column cannot hold reads as None)."""
    return amount(number(j))


def amount(n: str) -> str:
    """`money` of a `numeric` expression (`number`'s, or a column of `numbers`)."""
    return f"(case when abs({n}) < 1e12 then {n} end)"


def numbers(alias: str, source: str, names: Iterable[str]) -> str:
    """A row for `cross join lateral`: each field `names` of the row `source` (of `fields`)
    read once as `number`, for `amount` and `moment` to use as often as they need.

    Spliced in place, `money` reads its number twice and `time` up to five times. One subquery
    per row costs little next to that (one per field cost more than the whole reading);
    `offset 0` keeps the planner from pulling it up, which would splice the readers back in.
    """
    columns = ", ".join(f"{number(f'{source}.{name}')} as {name}" for name in names)
    return f"(select {columns} offset 0) as {alias}"


def integer(j: str) -> str:
    """as_int, fit for an `integer` column (a number it cannot hold reads as None)."""
    t = f"trunc({number(j)})"
    return f"(case when abs({t}) <= 2147483647 then {t}::integer end)"


# The JSON values Python reads as false (a number equal to 0, such as 0.0, is one too).
_FALSY = """'null'::jsonb, '""'::jsonb, '0'::jsonb, 'false'::jsonb, '[]'::jsonb, '{}'::jsonb"""


def truthy(j: str) -> str:
    """Python's truth of a JSON value: missing, null, "", 0, false, [] and {} are false."""
    return f"coalesce({j} not in ({_FALSY}), false)"


def time(j: str) -> str:
    """as_time: Unix seconds (milliseconds from 10^12 on); 0, empty or unreadable is None."""
    return moment(number(j))


def moment(n: str) -> str:
    """`time` of a `numeric` expression (`number`'s, or a column of `numbers`)."""
    t = f"trunc({n})"
    return (
        f"(case when {t} >= {_MILLIS} then case when {t} / 1000 <= {_MAX_SECONDS} "
        f"then to_timestamp({t} / 1000.0) end "
        f"when {t} <> 0 and {t} between {_MIN_SECONDS} and {_MAX_SECONDS} "
        f"then to_timestamp({t}) end)"
    )


def flag(j: str) -> str:
    """bool(as_bool(...)): true, a non-zero number, or "true"/"1"/"yes" in any case."""
    return (
        f"coalesce(case jsonb_typeof({j}) when 'boolean' then {j} = 'true'::jsonb "
        f"when 'number' then ({j} #>> '{{}}')::numeric <> 0 "
        f"when 'string' then lower(btrim({j} #>> '{{}}', {_SPACE})) in ('true', '1', 'yes') "
        f"end, false)"
    )


def text(j: str, limit: int | None = None) -> str:
    """str(value or "")[:limit] for strings and numbers (other shapes read as empty)."""
    value = (
        f"(case jsonb_typeof({j}) when 'string' then {j} #>> '{{}}' "
        f"when 'number' then case when ({j} #>> '{{}}')::numeric = 0 then '' "
        f"else {j} #>> '{{}}' end "
        f"when 'boolean' then case when {j} = 'true'::jsonb then 'True' else '' end "
        f"else '' end)"
    )
    return f"left({value}, {limit})" if limit else value


def ident(j: str) -> str:
    """as_id: a string id stripped, or a JSON number as text; None when blank or another shape."""
    return (
        f"(case jsonb_typeof({j}) when 'string' then nullif(btrim({j} #>> '{{}}', {_SPACE}), '') "
        f"when 'number' then {j} #>> '{{}}' end)"
    )


def status(j: str, aliases: Mapping[str, str] | None = None) -> str:
    """tiktok.types' canonical status: upper case, runs of spaces, dashes and `_` made one `_`."""
    raw = (
        f"(case jsonb_typeof({j}) when 'string' then {j} #>> '{{}}' "
        f"when 'number' then {j} #>> '{{}}' "
        f"when 'boolean' then case when {j} = 'true'::jsonb then 'True' else 'False' end end)"
    )
    canonical = (
        f"nullif(regexp_replace(btrim(upper(translate({raw}, '-', ' ')), {_SPACE}), "
        r"'[\s_]+', '_', 'g'), '')"
    )
    targets: dict[str, list[str]] = {}
    for alias, target in (aliases or {}).items():
        targets.setdefault(target, []).append(alias)
    for target, names in targets.items():
        canonical = f"regexp_replace({canonical}, '^({'|'.join(names)})$', '{target}')"
    return canonical


def fields(j: str, alias: str, names: Sequence[str], texts: Sequence[str] = ()) -> str:
    """A row of an object's fields for `from`/`join lateral`: `names` as `jsonb` (for the
    readers here), `texts` as `text` (missing: NULL). One pass over the object instead of
    one key lookup per use.

    A `text` field reads a string as it is and any other value as its JSON text (`true`, `0`,
    `{...}`), where the Python reader would write `True`, `""` or a repr: only fields TikTok
    documents as strings are read this way, for the two function calls saved per field.
    """
    columns = ", ".join([f"{name} jsonb" for name in names] + [f"{name} text" for name in texts])
    return (
        f"jsonb_to_record(case when jsonb_typeof({j}) = 'object' then {j} "
        f"else '{{}}'::jsonb end) as {alias}({columns})"
    )


def plain(column: str, limit: int | None = None) -> str:
    """A `text` field of `fields` for a text column ('' when missing)."""
    return f"left(coalesce({column}, ''), {limit})" if limit else f"coalesce({column}, '')"


def objects(j: str) -> str:
    """The objects of a JSON array (anything else: none), with their position, as (value, n)."""
    return (
        f"jsonb_array_elements(case when jsonb_typeof({j}) = 'array' then {j} "
        f"else '[]'::jsonb end) with ordinality"
    )


def updates(table: str, columns: Iterable[str], detail: Collection[str] = ()) -> str:
    """The `do update set` list of a page upsert: each column from the page's row, except the
    `detail` ones, which only a detail read (`%(detailed)s`) carries and a search page keeps."""
    return ", ".join(
        f"{c} = case when %(detailed)s then excluded.{c} else {table}.{c} end"
        if c in detail
        else f"{c} = excluded.{c}"
        for c in columns
    )


def page_items(items: str, item_id: str, beside: str | None = None) -> str:
    """A page statement's first CTE: each object of the `text[]` parameter `items` parsed once
    as `o` (`jsonb`) and kept as sent as `raw` (`json`), with its id `tiktok_id` (`item_id`, an
    expression over `o`, read as `ident`) and its position `n`. The last copy of an id wins; an
    object without one is left out. `beside`: a `text[]` parameter of one JSON text per item,
    in the same order, read as `beside` (`jsonb`)."""
    arrays, names, extra = f"%({items})b::text[]", "p(e, n)", ""
    if beside:
        arrays, names, extra = f"{arrays}, %({beside})b::text[]", "p(e, x, n)", ", beside"
    # `offset 0`: each text is parsed once, not once per use of `o`.
    return f"""
            select distinct on (tiktok_id) tiktok_id, raw, o, n{extra}
              from (
                select {ident(item_id)} as tiktok_id, e::json as raw, o, n{extra}
                  from (
                    select e, e::jsonb as o, n{", x::jsonb as beside" if beside else ""}
                      from unnest({arrays}) with ordinality as {names}
                    offset 0
                  ) parsed
              ) identified
             where tiktok_id is not null
             order by tiktok_id, n desc"""  # noqa: S608


def json_text(value: Any) -> str:
    """A value as JSON text PostgreSQL can read as `jsonb`: its text types cannot hold U+0000
    (`jsonb` refuses the escape), so it is read as U+FFFD, the way a browser shows a character
    that cannot be displayed."""
    text = orjson.dumps(value)
    if b"\\u0000" in text:
        text = text.replace(b"\\u0000", b"\\ufffd")
    return text.decode()


def page_texts(items: Sequence[Any]) -> list[str]:
    """A page's objects, each as its JSON text (`json_text`), for a `text[]` parameter sent in
    binary (`%(name)b`): PostgreSQL reads each one once, as `jsonb`, instead of lexing the whole
    page as one document first (items that are not objects are left out: nothing is stored for
    them)."""
    return [json_text(item) for item in items if isinstance(item, Mapping)]


def id_text(j: str, limit: int) -> str:
    """_text(as_id(value), limit): an id for a text column, '' when missing."""
    return f"left(coalesce({ident(j)}, ''), {limit})"


def status_text(j: str, limit: int = 32, aliases: Mapping[str, str] | None = None) -> str:
    """A canonical status for a text column, '' when missing."""
    return f"left(coalesce({status(j, aliases)}, ''), {limit})"


def object_count(j: str) -> str:
    """How many objects a JSON array holds (0 for anything else)."""
    return f"(select count(*) from {objects(j)} as c(item, n) where jsonb_typeof(item) = 'object')"  # noqa: S608


def object_list(j: str) -> str:
    """The objects of a JSON array as a jsonb array, in order ('[]' for anything else)."""
    # Tested before the subquery: a field most items leave out (an order line's sub items)
    # then costs no subquery run.
    return (
        f"(case when jsonb_typeof({j}) = 'array' then coalesce((select jsonb_agg(item order by n) "  # noqa: S608
        f"from {objects(j)} as c(item, n) where jsonb_typeof(item) = 'object'), '[]'::jsonb) "
        "else '[]'::jsonb end)"
    )


# How a page statement is planned inside a transaction: afresh for every page, on the tables as
# they are then, with sequential scans off. One generic plan made once per connection would
# often come from the first page of a first mirror, when the tables are empty and any way of
# reading them looks free (a walk of a whole index as cheap as a lookup in it); kept, it would
# read every stored row for each page as the tables grow. A page statement only reaches stored
# rows by their keys, so an index serves every read. Planning each page cost nothing
# measurable next to the statement (benchmarks.store).
PLANNING = {"plan_cache_mode": "force_custom_plan", "enable_seqscan": "off"}


def planning_settings() -> str:
    """The `set local` statements of PLANNING, as one string of statements."""
    return "; ".join(f"set local {name} = {value}" for name, value in PLANNING.items())


def execute_prepared(statement: str, params: Mapping[str, Any]) -> tuple[Any, ...]:
    """Run a page statement with its values bound by the server, prepared once per connection.

    Django's psycopg cursors bind on the client: a page's JSON would be escaped into the
    statement's text, and the long statement parsed again for every page (it is planned
    again for every page on purpose: PLANNING).
    """
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    threshold = raw.prepare_threshold
    # Django turns automatic preparation off (None), which also ignores prepare=True.
    raw.prepare_threshold = 0
    try:
        with psycopg.Cursor(raw) as cursor:
            planned = connection.in_atomic_block  # `set local` holds only in a transaction
            if planned:
                cursor.execute(planning_settings(), prepare=False)
            cursor.execute(statement, params, prepare=True)
            row = cursor.fetchone()
            if planned:  # the rest of the transaction (its deferred checks too) plans as usual
                cursor.execute("; ".join(f"reset {name}" for name in PLANNING), prepare=False)
    finally:
        raw.prepare_threshold = threshold
    assert row is not None
    return tuple(row)


def store_page(statement: str, shop_pk: int, name: str, items: Sequence[Any], **more: Any) -> int:
    """Run a store statement over one page of a shop's objects (`page_texts`, as `%(name)b`),
    with `now` and any further parameters; return the count it selects."""
    params = {"shop": shop_pk, name: page_texts(items), "now": timezone.now(), **more}
    return int(execute_prepared(statement, params)[0])
