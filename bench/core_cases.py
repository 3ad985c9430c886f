"""Child process: vectorised core cases.  ``python -m bench.core_cases CASE SIZE`` prints JSON."""

from __future__ import annotations

import json
import sys

import numpy as np

from bench.harness import median_time


def pl_conversions(n: int) -> dict[str, object]:
    """n PL conversions (amount, from-year, to-year per element) vs a plain numpy expression."""
    from xlmodel import pl
    from xlmodel.parameters import load

    rng = np.random.default_rng(1)
    amount = rng.uniform(0, 1e6, n)
    fra = rng.integers(2013, 2015, n)
    til = rng.integers(2013, 2015, n)
    ours, runs = median_time(lambda: pl.reguler(amount, fra, til, "service"), repeat=7)
    index = np.array([1.0, 1 + load().value("pl.service", 2014) / 100])  # the same chained index
    def peer_fn() -> np.ndarray:
        return amount * index[til - 2013] / index[fra - 2013]

    peer, _ = median_time(peer_fn, repeat=7)
    same = np.allclose(pl.reguler(amount, fra, til, "service"), peer_fn())
    return {"median_s": ours, "runs": runs, "peer_median_s": peer, "agree": bool(same)}


def pl_python_loop(n: int) -> dict[str, object]:
    """The same conversions one scalar call at a time (how a cell-by-cell model runs)."""
    from xlmodel import pl

    rng = np.random.default_rng(1)
    amount = rng.uniform(0, 1e6, n).tolist()
    med, runs = median_time(lambda: [pl.reguler(a, 2013, 2014) for a in amount], repeat=3)
    return {"median_s": med, "runs": runs}


def distribution_sanctions(scenarios: int) -> dict[str, object]:
    """98 municipalities × scenarios: distribution, both sanctions and tax-cut compensation in
    one vectorised call each, vs the same work one scenario at a time."""
    from xlmodel import bloktilskud as bt

    rng = np.random.default_rng(2)
    n = 98
    pop = rng.integers(1_800, 600_000, n).astype(float)
    budget = np.broadcast_to(pop * 0.04, (scenarios, n))
    regnskab = budget * (1 + rng.normal(0, 0.01, (scenarios, n)))
    tab = np.where(rng.random((scenarios, n)) < 0.25, rng.uniform(0, 40, (scenarios, n)), 0.0)

    def vectorised() -> None:
        bt.fordel_efter_indbyggere(pop, 75_479.0)
        bt.regnskabssanktion(regnskab, budget, pop)
        bt.budgetsanktion(regnskab, budget, pop)
        bt.skattenedsaettelse_tilskud(tab)

    def loop() -> None:
        for s in range(scenarios):
            bt.fordel_efter_indbyggere(pop, 75_479.0)
            bt.regnskabssanktion(regnskab[s], budget[s], pop)
            bt.budgetsanktion(regnskab[s], budget[s], pop)
            bt.skattenedsaettelse_tilskud(tab[s])

    ours, runs = median_time(vectorised, repeat=7)
    peer, _ = median_time(loop, repeat=3)
    return {"median_s": ours, "runs": runs, "peer_median_s": peer}


CASES = {
    "pl_conversions": pl_conversions,
    "pl_python_loop": pl_python_loop,
    "distribution_sanctions": distribution_sanctions,
}

if __name__ == "__main__":
    name, size = sys.argv[1], int(sys.argv[2])
    print(json.dumps(CASES[name](size)))
