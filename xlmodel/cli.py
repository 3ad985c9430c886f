"""The ``xlmodel`` command line: one sub-command per module in ``xlmodel/commands``.

Every command exits 0 on success, 1 when the work found errors (validation findings,
error cells), and 2 on bad input, with a one-line message naming what was wrong.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from xlmodel.errors import XlmodelError

#: Sub-command modules, in the order ``xlmodel --help`` lists them.  Each has
#: ``register(subparsers)`` which adds its parser and sets ``func`` (args -> exit code).
COMMANDS = ("params", "demo", "build", "refresh", "validate", "forklar", "excel", "importer")


class _Formatter(argparse.HelpFormatter):
    """argparse's help in Danish: ``brug:`` instead of ``usage:``."""

    def add_usage(self, usage, actions, groups, prefix=None):  # type: ignore[no-untyped-def]
        super().add_usage(usage, actions, groups, "brug: " if prefix is None else prefix)


#: argparse's own error texts → Danish (the rest of its messages name the argument as is).
_ARGPARSE_DA = (
    ("the following arguments are required", "disse argumenter mangler"),
    ("unrecognized arguments", "ukendte argumenter"),
    ("invalid choice", "ugyldigt valg"),
    ("choose from", "vælg mellem"),
    ("invalid int value", "ikke et heltal"),
    ("invalid float value", "ikke et tal"),
    ("expected one argument", "forventer én værdi"),
    ("argument ", "argument "),
)


class DanishParser(argparse.ArgumentParser):
    """An ArgumentParser whose help and errors a Danish user reads (sub-commands included)."""

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)
        self._positionals.title = "argumenter"
        self._optionals.title = "tilvalg"
        self.add_argument("-h", "--help", action="help", help="vis denne hjælp og afslut")

    def error(self, message: str) -> NoReturn:
        for english, danish in _ARGPARSE_DA:
            message = message.replace(english, danish)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: fejl: {message}\n")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    parser = DanishParser(
        prog="xlmodel",
        description="Kommunernes økonomi (økonomiaftalen) i Excel med Python: genberegn, kontrollér "
                    "og forklar regneark uden Excel.",
    )
    sub = parser.add_subparsers(dest="command", metavar="KOMMANDO", required=True, title="kommandoer")
    for name in COMMANDS if only is None else [only]:  # one command: only its module is imported
        importlib.import_module(f"xlmodel.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    # A named command builds only its own sub-parser: `xlmodel refresh` does not import the
    # validation (pandas, openpyxl) just to register `validate` (issue 10, start-up cost).
    parser = build_parser(words[0] if words and words[0] in COMMANDS else None)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except XlmodelError as exc:
        print(f"xlmodel {args.command}: {_dansk(exc)}", file=sys.stderr)
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


def _dansk(exc: XlmodelError) -> str:
    """The refusal as the user reads it: Danish, from the error's fields (argument, value,
    allowed). The file-safety and set-up errors already carry their Danish text."""
    from xlmodel.errors import ParameterFileError

    if type(exc) in (XlmodelError, ParameterFileError):
        from xlmodel.excel.danish import message

        return message(exc)
    return str(exc)
