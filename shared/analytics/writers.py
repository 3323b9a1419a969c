"""Export files written a row at a time, so that what is held in memory does not grow
with the rows: csv (the standard library's writer), json (an array, one object per row,
written as it goes) and xlsx (xlsxwriter in `constant_memory` mode: each row is flushed to
its temporary file before the next, and strings are inline rather than in a shared
table).

A text cell that a spreadsheet would take for a formula (=, +, -, @ and the control
characters that can precede one) is written with a leading apostrophe in csv, as OWASP's
CSV-injection advice says; xlsx cells are written as strings, never formulas.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from typing import IO, Literal, Protocol, get_args

from shared.analytics.export_store import Cell, Row

ExportFormat = Literal["json", "csv", "xlsx"]
EXPORT_FORMATS: tuple[str, ...] = get_args(ExportFormat)
MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Excel's own limit for one cell's text.
XLSX_CELL_CHARS = 32767


class RowWriter(Protocol):
    def write(self, row: Row) -> None: ...

    def close(self) -> None: ...


def _safe(cell: Cell) -> Cell:
    if isinstance(cell, str) and cell.startswith(_FORMULA_START):
        return "'" + cell
    return cell


class _Csv:
    def __init__(self, path: str, columns: Sequence[str]) -> None:
        self._file: IO[str] = open(path, "w", newline="", encoding="utf-8")  # noqa: SIM115
        self._writer = csv.writer(self._file)
        self._writer.writerow(columns)

    def write(self, row: Row) -> None:
        self._writer.writerow([_safe(cell) for cell in row])

    def close(self) -> None:
        self._file.close()


class _Json:
    def __init__(self, path: str, columns: Sequence[str]) -> None:
        self._file: IO[str] = open(path, "w", encoding="utf-8")  # noqa: SIM115
        self._columns = tuple(columns)
        self._separator = "\n"
        self._file.write("[")

    def write(self, row: Row) -> None:
        self._file.write(self._separator)
        self._file.write(json.dumps(dict(zip(self._columns, row, strict=True))))
        self._separator = ",\n"

    def close(self) -> None:
        self._file.write("\n]\n")
        self._file.close()


class _Xlsx:
    def __init__(self, path: str, columns: Sequence[str]) -> None:
        import xlsxwriter  # the reports layer: only the analytics group has it

        self._book = xlsxwriter.Workbook(
            path,
            {
                "constant_memory": True,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        self._sheet = self._book.add_worksheet("export")
        self._sheet.write_row(0, 0, list(columns))
        self._next = 1

    def write(self, row: Row) -> None:
        cells = [cell[:XLSX_CELL_CHARS] if isinstance(cell, str) else cell for cell in row]
        self._sheet.write_row(self._next, 0, cells)
        self._next += 1

    def close(self) -> None:
        self._book.close()


_WRITERS: dict[str, type[_Csv] | type[_Json] | type[_Xlsx]] = {
    "csv": _Csv,
    "json": _Json,
    "xlsx": _Xlsx,
}


def write_file(
    path: str, export_format: str, columns: Sequence[str], rows: Iterable[Row], max_rows: int
) -> int:
    """Write `rows` to `path` in `export_format`; how many were written. Stops reading at
    `max_rows + 1` rows and answers that count (the caller refuses such an export)."""
    writer: RowWriter = _WRITERS[export_format](path, columns)
    count = 0
    try:
        for row in rows:
            count += 1
            if count > max_rows:
                break
            writer.write(row)
    finally:
        writer.close()
    return count
