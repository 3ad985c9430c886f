"""The R1C1 grouping key's template cache (validate/references.py) gives exactly the key
computed without it, for formulas built to trip it: the row's digits inside literals, names,
absolute rows, other rows, long numbers, sheet-qualified references, functions like LOG10."""

from __future__ import annotations

import random

from xlmodel.validate import references
from xlmodel.validate.references import _fast_key, form_key, to_r1c1

PIECES = ["A{r}", "B{r}", "$C{r}", "D${r}", "$E$1", "A1", "B{r1}", "C{r2}", "{r}", "1.{r}", "{r}{r}",
          "LOG{r}(2)", "RATE{r}", "Q{r}_x", "Ark{r}!A{r}", "A{r}:B{r}", "ZZZ{r}", "XFD{r}", "A{r}{r}",
          "1E{r}", "SUM(A{r}:A{r1})", "{r}.5", "AB{r}", "A{big}", "X{r}Y{r}"]
OPS = ["+", "-", "*", "/", ",", "&", "^", ">", "="]


def _reference_key(formula: str, row: int, col: int) -> str:
    """The key as computed before the cache (full rewrite or the fast token rewrite)."""
    if ('"' in formula or "'" in formula or "[" in formula
            or (":" in formula and references._WHOLE_LINES.search(formula))):
        return to_r1c1(formula, row, col)
    return _fast_key(formula, row, col)


def _formula(rng: random.Random, row: int) -> str:
    parts = []
    for _ in range(rng.randint(1, 5)):
        piece = rng.choice(PIECES).format(r=row, r1=row + 1, r2=max(row - 1, 1), big=2_000_000)
        parts.append(piece)
        parts.append(rng.choice(OPS))
    return "=" + "".join(parts[:-1])


def test_template_cache_gives_the_uncached_key() -> None:
    references._TEMPLATE_CACHE.clear()
    references._ROW_FREE.clear()
    checked = 0
    # the same shapes copied down a column: the cache is hit, and still right
    for shape_seed in range(300):
        for row in (*range(1, 40), 100, 101, 111, 1013, 1048576):
            formula = _formula(random.Random(shape_seed), row)
            for col in (2, 5):
                assert form_key(formula, row, col) == _reference_key(formula, row, col), (formula, row, col)
                checked += 1
    assert references._TEMPLATE_CACHE, "the cache was never used"
    assert checked > 10_000


def test_a_literal_equal_to_the_row_is_not_cached_away() -> None:
    assert form_key("=A2*2", 2, 2) != form_key("=A3*3", 3, 2)
    assert form_key("=A2*2", 2, 2) == form_key("=A3*2", 3, 2)
    assert form_key("=A$2", 2, 2) != form_key("=A$3", 3, 2)
    assert form_key("=A2+A1", 2, 2) != form_key("=A3+A1", 3, 2)
    assert form_key("=RATE2+A2", 2, 2) != form_key("=RATE3+A3", 3, 2)
    assert form_key("=A22", 2, 2) != form_key("=A33", 3, 2)
