"""The ``xlmodel`` command line: one sub-command per module in ``xlmodel/commands``.

Every command exits 0 on success, 1 when the work found errors (validation findings,
error cells), and 2 on bad input, with a one-line message naming what was wrong.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from xlmodel.errors import XlmodelError

#: Sub-command modules, in the order ``xlmodel --help`` lists them.  Each has
#: ``register(subparsers)`` which adds its parser and sets ``func`` (args -> exit code).
COMMANDS = ("params", "demo", "build", "refresh", "validate", "forklar", "excel", "importer")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xlmodel",
        description="Danish municipal finance (økonomiaftalen) in Excel with Python.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"xlmodel.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except XlmodelError as exc:
        print(f"xlmodel {args.command}: {exc}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:  # an extra that is not installed: one line, no traceback
        from xlmodel.extras import missing_message

        print(f"xlmodel {args.command}: {missing_message(exc)}", file=sys.stderr)
        return 2
    except (OSError, KeyboardInterrupt) as exc:
        print(f"xlmodel {args.command}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
