"""Benchmark: the whole tilskud-og-udligning table for 98 municipalities × N scenarios of tax-base
growth, in one vectorised call vs a loop of single-scenario calls (issue 12 §7; target < 100 ms
for 1,000 scenarios on the 2-core machine).

    python -m bench.udligning_cases 1000     # prints one JSON object (medians in seconds)
"""

from __future__ import annotations

import json
import sys

import numpy as np

from bench.harness import median_time


def table_scenarios(scenarios: int) -> dict[str, object]:
    """98 × scenarios: udligning.beregn once on 2-D input vs once per scenario row."""
    from xlmodel import udligning

    d = udligning.eksempeldata()
    base = np.asarray(udligning.beskatningsgrundlag(d["udskrivningsgrundlag"].to_numpy(),
                                                    d["grundvaerdier"].to_numpy()))
    rng = np.random.default_rng(12)
    growth = rng.normal(0.02, 0.015, (scenarios, len(d)))  # each municipality's own growth
    base2d = base * (1 + growth)
    args = (d["indbyggere"].to_numpy(dtype=float), d["udgiftsbehov"].to_numpy())
    rest = (d["hovedstad"].to_numpy(dtype=bool), d["selskabsskat"].to_numpy())
    kw = {"udgiftsbehov_hovedstad": d["udgiftsbehov_hovedstad"].to_numpy(),
          "udskrivningsprocent": d["udskrivningsprocent"].to_numpy()}

    def vectorised() -> dict[str, np.ndarray]:
        return udligning.beregn(*args, base2d, *rest, **kw)

    def loop() -> list[dict[str, np.ndarray]]:
        return [udligning.beregn(*args, base2d[s], *rest, **kw) for s in range(scenarios)]

    ours, runs = median_time(vectorised, repeat=7)
    peer, peer_runs = median_time(loop, repeat=3)
    same = np.allclose(vectorised()["i_alt"], np.array([r["i_alt"] for r in loop()]), rtol=1e-12, atol=1e-9)
    return {"scenarios": scenarios, "municipalities": len(d), "median_s": ours, "runs": runs,
            "peer_median_s": peer, "peer_runs": peer_runs, "agree": bool(same),
            "speedup": peer / ours if ours else None, "target_s": 0.1, "met": ours < 0.1}


CASES = {"table_scenarios": table_scenarios}

if __name__ == "__main__":
    size = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    print(json.dumps(table_scenarios(size)))
