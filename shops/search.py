"""Text search over a mirror: rows matching any of a few index-served ways, read no further than
the query around the search takes.

A search such as "an order whose buyer's name contains X, or one of whose lines has a seller SKU
starting with X" is an OR across tables that no single index serves, so it is written as a union
of branches, each one served by its own index. Left at that, a broad term ("SCAR" in 9,000 of
100,000 orders) makes a list page read, sort and count every match to show fifty of them. Here
each branch takes only what the query around it can use: the rows of the page it is building
(its LIMIT, in its order), or the rows its capped count stops at. The top N of a union is among
the union of each branch's top N, so the answer is the same; PostgreSQL picks per branch whether
to walk the list's index and test the condition (a frequent term) or read the few matches (a
rare one).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Expression, Q, QuerySet
from django.db.models.sql.where import AND

if TYPE_CHECKING:
    from django.db.models.sql.compiler import _AsSqlType

Rows = TypeVar("Rows", bound=QuerySet)


class BranchMatches(Expression):
    """The ids of `base`'s rows that meet any of `branches`, for `pk__in`.

    Each branch is `base` narrowed by one condition. When the query this sits in has a LIMIT
    and nothing but `base`'s filters and this one, each branch stops where that query does (in
    its order, or anywhere for an unordered count). Otherwise (no LIMIT, a filter added after
    the search, an order this cannot repeat) the branches are read whole: always correct.
    """

    contains_aggregate = False
    contains_over_clause = False

    def __init__(self, base: QuerySet, branches: Sequence[Q]) -> None:
        super().__init__(output_field=base.model._meta.pk)
        self.base = base.order_by()
        self.branches = tuple(branches)

    def resolve_expression(self, *args: Any, **kwargs: Any) -> BranchMatches:
        return self.copy()

    def as_sql(self, compiler: Any, connection: Any) -> _AsSqlType:
        window = self._window(compiler.query)
        parts = []
        for condition in self.branches:
            part = self.base.filter(condition)
            if window is not None:
                ordering, high = window
                part = part.order_by(*ordering)[:high]
            parts.append(part.values("pk"))
        union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
        return union.query.resolve_expression(compiler.query).as_sql(compiler, connection)

    def _window(self, query: Any) -> tuple[tuple[str, ...], int] | None:
        """(ordering, LIMIT) the branches may stop at, or None to read them whole."""
        if query.high_mark is None or query.combinator or query.distinct_fields:
            return None
        if query.extra_order_by or query.extra:
            return None
        where = query.where
        base_filters = len(self.base.query.where.children)
        if where.connector != AND or where.negated or len(where.children) != base_filters + 1:
            return None  # another filter narrows the query: a branch's first rows may all fail it
        if getattr(where.children[-1], "rhs", None) is not self:
            return None
        if query.order_by:
            ordering = tuple(query.order_by)
        elif query.default_ordering:
            ordering = tuple(query.get_meta().ordering)
        else:
            ordering = ()
        for item in ordering:
            # A field of the model, ascending or descending; not an annotation of the outer
            # query (a branch doesn't have it), an expression, or a random order.
            if not isinstance(item, str) or item == "?" or item.lstrip("-") in query.annotations:
                return None
        return ordering, query.high_mark


def matching_any(queryset: Rows, branches: Sequence[Q]) -> Rows:
    """`queryset`'s rows that meet any of `branches` (each one an index-served condition)."""
    return queryset.filter(pk__in=BranchMatches(queryset, branches))
