"""Compare two ``corpus_measure.py --dump`` listings: which cells were fixed, which regressed.

A cell listed in the new dump but not in the old one agreed before and does not now: a
regression, to be fixed before a change lands.  Run::

    .venv/bin/python tests/corpus_real/compare_dumps.py OLD.jsonl NEW.jsonl [--file NAME]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _cells(path: Path, only: str | None) -> dict[tuple[str, str], dict[str, object]]:
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line)
    return {(r["file"], r["cell"]): r for r in rows if only is None or r["file"] == only}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old", type=Path)
    ap.add_argument("new", type=Path)
    ap.add_argument("--file", help="only this corpus file (e.g. formulas__test.xlsx)")
    args = ap.parse_args(argv)
    old, new = _cells(args.old, args.file), _cells(args.new, args.file)
    fixed = sorted(set(old) - set(new))
    regressed = sorted(set(new) - set(old))
    for key in regressed:
        r = new[key]
        print(f"REGRESSED {key[0]} {key[1]}: ={r['formula']}  excel={r['excel']}  "
              f"xlmodel={r['xlmodel']}  {r['kept']}")
    print(f"not agreeing: {len(old)} -> {len(new)}; fixed {len(fixed)}, regressed {len(regressed)}")
    return 1 if regressed else 0


if __name__ == "__main__":
    sys.exit(main())
