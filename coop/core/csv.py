"""The one CSV writer of every export (results, statements, data downloads): no cell can be a
spreadsheet formula (CSV injection, OWASP "CSV Injection").

- A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
  single quote (`'=1+1`): Excel, LibreOffice and Google Sheets then show it as text. This is
  OWASP's recommendation; the quote is visible in the cell, which is the price of safety.
- Numbers the code writes (int, Decimal, float) are written as numbers, so a real negative
  amount stays `-12.50` and sums in a spreadsheet. So is a text cell that is exactly a plain
  decimal number (`-3`, `+2.5`): a spreadsheet reads it as that number and nothing else, so
  a member's numeric answer stays a number.
- Every cell is quoted (`csv.QUOTE_ALL`, also OWASP's advice): a spreadsheet set to another
  separator (`;` in French locales) cannot split a cell and start a new one with `=`.
- None is an empty cell; a list (multiple-choice answers) is joined with `|` first.

Use `write_rows` into any text file (a ZIP member, a StringIO) or `csv_response` for a
download.
"""

import csv
import io
import re
from collections.abc import Iterable
from decimal import Decimal

from django.http import HttpResponse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")


def cell(value):
    """The value as it is safe to write in a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, list | tuple):
        value = "|".join(str(v) for v in value)
    text = str(value)
    if text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class SafeWriter:
    """`csv.writer` whose every cell goes through `cell`."""

    def __init__(self, file):
        self._writer = csv.writer(file, quoting=csv.QUOTE_ALL)

    def writerow(self, row: Iterable):
        return self._writer.writerow([cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable]):
        for row in rows:
            self.writerow(row)


def write_rows(file, header, rows):
    """Write a header and rows into a text file; returns the file."""
    writer = SafeWriter(file)
    writer.writerow(header)
    writer.writerows(rows)
    return file


def csv_text(header, rows):
    """The whole CSV as a string (for a ZIP member or a test)."""
    return write_rows(io.StringIO(), header, rows).getvalue()


def csv_response(filename, header, rows):
    """A download of `filename` (UTF-8, as an attachment)."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    write_rows(response, header, rows)
    return response
