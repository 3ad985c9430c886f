"""Child process: the selvbudgettering decision.  ``python -m bench.overslag_cases CASE SIZE`` prints JSON."""

from __future__ import annotations

import json
import sys

import numpy as np

from bench.harness import median_time


def selvbudget_risiko(scenarios: int) -> dict[str, object]:
    """98 municipalities × scenarios: the risk of selvbudgettering (growth and population drawn,
    surcharge, present value, P(loss), 5 % quantile) in one call, vs one scenario per call."""
    from xlmodel import overslag as ov
    from xlmodel import skat

    rng = np.random.default_rng(3)
    n = 98
    base = rng.uniform(2_000, 60_000, n)  # ILLUSTRATIVE bases (mio. kr.)
    rate = rng.uniform(22.5, 27.8, n)
    garanti = np.asarray(skat.statsgaranti_grundlag(base))
    pop = base / 0.2
    ours, runs = median_time(lambda: ov.selvbudget_risiko(
        garanti, rate, 3.7, 1.5, scenarier=scenarios, befolkning_spredning_pct=0.5,
        tilskud_pr_indbygger=0.01, indbyggere=pop, seed=1), repeat=7)

    # agreement and peer on the same table of scenarios, without the population draw
    table = 3.7 + 1.5 * rng.standard_normal((scenarios, n))
    vector = ov.selvbudget_risiko(garanti, rate, 0, 0, vaekst_scenarier=table)["forventet_gevinst"].to_numpy()

    def loop() -> np.ndarray:
        pv = [ov.selvbudget_beregning(garanti, base * (1 + row / 100) ** 3, rate)["nutidsvaerdi"].to_numpy()
              for row in table]
        return np.mean(pv, axis=0)

    peer, _ = median_time(loop, repeat=1, warmup=0)  # one run: the loop takes seconds at full size
    return {"median_s": ours, "runs": runs, "peer_median_s": peer, "agree": bool(np.allclose(vector, loop()))}


CASES = {"selvbudget_risiko": selvbudget_risiko}

if __name__ == "__main__":
    name, size = sys.argv[1], int(sys.argv[2])
    print(json.dumps(CASES[name](size)))
