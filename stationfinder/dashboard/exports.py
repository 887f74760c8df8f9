"""Write a dashboard table as CSV (UTF-8 with a BOM, so Excel reads Chinese) or XLSX."""

import csv
import io

from stationfinder.dashboard.data import Table
from stationfinder.services.cells import inert

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _row(values) -> list:
    # Every cell of every sheet: station names are untrusted and reach labels and the info sheet too.
    return [inert(v) for v in values]


def to_csv(table: Table) -> bytes:
    """Return the table as CSV bytes: a BOM, a header row, then the rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_row(table.columns))
    writer.writerows(_row(row) for row in table.rows)
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def to_xlsx(table: Table, about: list[tuple[str, str]]) -> bytes:
    """Return the table as an XLSX workbook: the table's sheet, then one describing the filters."""
    # Imported here: openpyxl holds about 8 MB, and only the few staff who export ever need it, not
    # every worker answering riders.
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = table.name[:31]
    # openpyxl stores any text starting with "=" as a formula: inert() keeps every cell text.
    sheet.append(_row(table.columns))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append(_row(row))
    sheet.freeze_panes = "A2"
    for index, column in enumerate(table.columns, 1):
        width = max([len(str(column))] + [len(str(r[index - 1])) for r in table.rows[:200]])
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = min(max(8, width * 1.6), 60)
    info = book.create_sheet("info")
    for key, value in about:
        info.append(_row([key, value]))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
