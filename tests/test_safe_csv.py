"""xlmodel.safe_csv: no CSV the toolkit writes can smuggle a formula into a spreadsheet."""

from __future__ import annotations

import csv
import io
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xlmodel.errors import XlmodelError
from xlmodel.safe_csv import neutralise, neutralise_frame, to_csv_text, write_csv
from xlmodel.safeio import SafeWriteError, leftover_temp_files

# OWASP's list, written out independently of the module under test, plus the full-width forms
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
SIGNS = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
CUTS = (",", ";", "\t", "|", "\r", "\n")


def pieces(text: str) -> list[str]:
    """Every piece a reader could cut a field into: on any common separator or line break."""
    out = [text]
    for cut in CUTS:
        out = [p for piece in out for p in piece.split(cut)]
    return out


def live(text: str) -> bool:
    """Would some piece of this field be read as a formula (a sign after optional blanks)?"""
    return any(piece.lstrip().startswith(SIGNS) for piece in pieces(text))


def fields(text: str, delimiter: str = ";") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1:A2)", " =1", "\u3000=1",
                                  '=HYPERLINK("http://x","klik")', "=cmd|' /C calc'!A0", "-",
                                  "\uff1d1+1", "\uff0b1", "\uff0d1", "\uff20SUM(A1)"])
def test_every_trigger_is_neutralised(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize(("text", "safe"), [
    ("Aarhus;=HYPERLINK(1)", "Aarhus;'=HYPERLINK(1)"), ("Odense\n=1+1", "Odense\n'=1+1"),
    ("a, -b", "a,' -b"), ("x|@y", "x|'@y"), ("\t=1", "'\t'=1"), ("\r\n=2", "'\r\n'=2"),
    (" \n =1", " \n' =1"), ("\n=1", "'\n'=1"),
    ("a\t+1", "a\t'+1"), ("Aftale 2014, boks 1", "Aftale 2014, boks 1"), ("1-2", "1-2")])
def test_a_sign_after_any_cut_is_neutralised(text: str, safe: str) -> None:
    assert not live(safe)  # no piece a reader could cut it into starts with a sign
    assert neutralise(text) == safe


@pytest.mark.parametrize("value", [-3.5, -2, 0, 1e300, np.float64(-1.25), np.int64(-7), True, None, math.nan,
                                   "Aarhus", "", "'=already quoted", "1-2", "Aftale 2014, boks 1"])
def test_numbers_and_safe_text_are_unchanged(value: object) -> None:
    out = neutralise(value)
    assert out is value or (isinstance(value, float) and math.isnan(value) and math.isnan(out))


def test_cells_headers_and_index_are_neutralised() -> None:
    frame = pd.DataFrame({"=navn": ["=1+1", "Aarhus", "@x"], "beloeb": [-100.5, 2.0, -3.0],
                          "antal": [-1, 2, 3]}, index=pd.Index(["-a", "b", "+c"], name="@idx"))
    rows = fields(to_csv_text(frame, index=True))
    assert rows[0] == ["'@idx", "'=navn", "beloeb", "antal"]
    assert [r[0] for r in rows[1:]] == ["'-a", "b", "'+c"]
    assert [r[1] for r in rows[1:]] == ["'=1+1", "Aarhus", "'@x"]
    assert [r[2] for r in rows[1:]] == ["-100,5", "2,0", "-3,0"]  # negative numbers stay numbers


def test_multiindex_duplicates_and_odd_dtypes() -> None:
    cols = pd.MultiIndex.from_tuples([("=a", "-b"), ("x", "y"), ("x", "y")])
    frame = pd.DataFrame([["=1", 1, "+2"], ["ok", -2, "@3"]], columns=cols)
    rows = fields(to_csv_text(frame))
    assert rows[0] == ["'=a", "x", "x"] and rows[1] == ["'-b", "y", "y"]
    assert rows[2] == ["'=1", "1", "'+2"] and rows[3] == ["ok", "-2", "'@3"]
    odd = pd.DataFrame({"cat": pd.Categorical(["=a", "b"]), "s": pd.array(["+1", None], dtype="string"),
                        "mix": ["-x", -1.5], "flag": [True, False]})
    rows = fields(to_csv_text(odd))
    assert rows[1] == ["'=a", "'+1", "'-x", "True"]
    assert rows[2] == ["b", "", "-1.5", "False"]


def test_original_frame_is_not_modified() -> None:
    frame = pd.DataFrame({"t": ["=1"]})
    neutralise_frame(frame)
    assert frame["t"].tolist() == ["=1"]


def test_round_trip_reads_apostrophe_text_and_numbers(tmp_path: Path) -> None:
    frame = pd.DataFrame({"kommune": ["=HYPERLINK(\"x\")", "Ærø", "-tekst"], "beloeb": [-1234.5, 0.25, 7.0]})
    p = tmp_path / "ud.csv"
    write_csv(frame, p)
    assert p.read_bytes().startswith(b"\xef\xbb\xbf")  # BOM: Excel shows æ, ø, å
    assert p.read_text(encoding="utf-8-sig").splitlines()[0] == '"kommune";"beloeb"'  # ; and quoted
    back = pd.read_csv(p, encoding="utf-8-sig", sep=";", decimal=",")
    assert back.columns.tolist() == ["kommune", "beloeb"]
    assert back["kommune"].tolist() == ["'=HYPERLINK(\"x\")", "Ærø", "'-tekst"]
    assert pd.api.types.is_float_dtype(back["beloeb"]) and back["beloeb"].tolist() == [-1234.5, 0.25, 7.0]


def test_semicolon_inside_text_cannot_start_a_cell() -> None:
    """A Danish Excel splits on ';': quoting keeps 'x;=cmd' in one cell that starts with 'x'."""
    frame = pd.DataFrame({"t": ["Aarhus;=HYPERLINK(\"evil\")", "a,@SUM(1)"], "n": [1, -2]})
    text = to_csv_text(frame)
    for delimiter in (",", ";"):
        for row in fields(text, delimiter)[1:]:
            assert not row[0].startswith(TRIGGERS), (delimiter, row)


def test_write_to_stream_and_sep() -> None:
    buf = io.StringIO()
    write_csv(pd.DataFrame({"a": ["=1"], "b": [-1]}), buf, sep=";")
    assert buf.getvalue().splitlines() == ['"a";"b"', "\"'=1\";-1"]


def test_write_csv_is_atomic_and_respects_excel_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    p = tmp_path / "eksport.csv"
    p.write_bytes(b"old export")
    (tmp_path / "~$eksport.csv").write_bytes(b"owner")
    with pytest.raises(SafeWriteError, match=r"eksport\.csv: ser ud til at være åben i Excel"):
        write_csv(pd.DataFrame({"a": [1]}), p)
    assert p.read_bytes() == b"old export"
    write_csv(pd.DataFrame({"a": [1]}), p, force=True)
    assert p.read_bytes() == b'\xef\xbb\xbf"a"\n1\n'

    def broken(self: Path, data: bytes) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", broken)
    with pytest.raises(XlmodelError, match="No space left"):
        write_csv(pd.DataFrame({"a": [2]}), p, force=True)
    monkeypatch.undo()
    assert p.read_bytes() == b'\xef\xbb\xbf"a"\n1\n' and leftover_temp_files(p) == []


text_without_surrogates = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
# most examples hold a sign at the start or after a cut (plain st.text() would rarely produce one)
cell_text = st.one_of(text_without_surrogates,
                      st.lists(st.one_of(st.sampled_from(SIGNS + CUTS + (" ", "\u3000")),
                                         text_without_surrogates), max_size=6).map("".join))


def _only_apostrophes_added(safe: str, original: str) -> bool:
    """``safe`` is ``original`` with some apostrophes inserted, nothing else changed."""
    i = 0
    for ch in safe:
        if i < len(original) and ch == original[i]:
            i += 1
        elif ch != "'":
            return False
    return i == len(original)


@settings(max_examples=200, deadline=None)
@given(texts=st.lists(cell_text, min_size=1, max_size=6),
       numbers=st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=6, max_size=6))
def test_arbitrary_text_never_starts_a_cell_with_a_sign(texts: list[str], numbers: list[float]) -> None:
    frame = pd.DataFrame({"t": texts, "n": numbers[: len(texts)]})
    frame.columns = [texts[0], "n"] if texts[0] != "n" else ["t", "n"]  # arbitrary header text too
    text = to_csv_text(frame)
    rows = fields(text)
    assert rows[0][0] == neutralise(frame.columns[0]) and not live(rows[0][0])
    for row, original, number in zip(rows[1:], texts, numbers, strict=False):
        assert row[0] == neutralise(original)  # exact round trip through the ; dialect
        assert not live(row[0]), row  # under no cut does a piece start with a sign
        assert _only_apostrophes_added(row[0], original)
        assert float(row[1].replace(",", ".")) == number  # numbers stay numbers, negative ones too
    for delimiter in (",", "\t", "|"):  # readers splitting on another separator see no sign either
        for row in fields(text, delimiter):
            for cell in row:
                assert not cell.lstrip().startswith(SIGNS), (delimiter, row)


PAYLOADS = ["=1+1", "+1+1", "-1+1", "@SUM(1;1)", "\t=1+1", "\r=1+1", " =1+1", "\n=1+1", "Aarhus;=1+1",
            "Aarhus,=1+1", "Odense\n=1+1", "\uff1d1+1", "\uff0b1+1", "\uff0d1+1", "\uff20SUM(1)",
            '=HYPERLINK("http://x";"klik")', "=cmd|' /C calc'!A0", "a\t=1+1", "a|=1+1", " \n =1+1",
            "x\r\n=2+2", "\u3000=1+1"]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
@pytest.mark.parametrize("separator", [59, 44], ids=["semicolon", "comma"])
def test_libreoffice_import_finds_no_formula(tmp_path: Path, separator: int) -> None:
    """Import the CSV into LibreOffice with ';' (Danish) and with ',' and look for formula cells.

    Measured before the fix: main's writer gave 5 live formulas under ';' (``Odense\n=1+1`` and
    friends); a plain ``to_csv`` 3 under each separator.
    """
    import openpyxl

    frame = pd.DataFrame({"navn": PAYLOADS, "beloeb": [-1.5] * len(PAYLOADS)})
    frame.columns = ["=navn", "beloeb"]
    src = tmp_path / "eksport.csv"
    write_csv(frame, src)
    out = tmp_path / "lo"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
                    "--norestore", f"--infilter=CSV:{separator},34,76,1,,1030", "--convert-to", "xlsx",
                    "--outdir", str(out), str(src)], capture_output=True, timeout=180, check=True)
    wb = openpyxl.load_workbook(out / "eksport.xlsx")
    cells = [c for row in wb.active.iter_rows() for c in row if c.value is not None]
    assert len(cells) >= len(PAYLOADS)  # the import really read the file
    formulas = [(c.coordinate, c.value) for c in cells
                if c.data_type == "f" or (isinstance(c.value, str) and c.value.startswith("="))]
    assert formulas == []
