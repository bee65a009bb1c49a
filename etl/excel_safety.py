"""Neutralising user text before it goes into a spreadsheet (formula / CSV injection).

Anything an organ typed into its file can come back to the authority or the organ in a workbook we
write (error reports, exports). A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or with a tab or
carriage return, which some spreadsheet programs skip before evaluating) may be taken for a formula
when the file is opened, re-saved as CSV or the cell is edited — ``=HYPERLINK("http://…")`` is the
classic attack. Such text is written with a leading single quote ``'`` so that it is shown, and stays,
as text. Writers must also use ``write_string`` (never xlsxwriter's type-guessing ``write``) for
user data; `write_user_text` does both.

Usage::

    from etl.excel_safety import neutralise, write_user_text, SAFE_WORKBOOK_OPTIONS
"""

from __future__ import annotations

from typing import Any

# Characters that make a spreadsheet program treat the cell as a formula (OWASP "CSV injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"

# xlsxwriter Workbook options for files that carry user data: never turn strings into formulas,
# links or numbers behind the writer's back.
SAFE_WORKBOOK_OPTIONS: dict[str, Any] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def neutralise(text: Any) -> Any:
    """`text` made safe to put into a spreadsheet cell as a string.

    None stays None. Any other value is turned into its text; text starting with ``= + - @``, a tab or
    a carriage return gets a leading ``'``. Everything else is returned unchanged.
    """
    if text is None:
        return None
    if not isinstance(text, str):
        text = str(text)
    if text.startswith(FORMULA_TRIGGERS):
        return QUOTE + text
    return text


def write_user_text(worksheet, row: int, col: int, value: Any, cell_format=None) -> None:
    """Write user-supplied `value` as a neutralised string (blank cell for None / empty)."""
    text = neutralise(value)
    if text is None or text == "":
        if cell_format is not None:
            worksheet.write_blank(row, col, None, cell_format)
        return
    worksheet.write_string(row, col, text, cell_format)


# -- CSV ------------------------------------------------------------------------------------------
#
# The same attack works through CSV: Excel evaluates a cell that begins with a trigger when it opens
# the file. Text cells are neutralised exactly as in xlsx. Numbers are written as numbers (a number
# cannot carry a formula; "-2" from a numeric column stays the number -2); anything else (dates,
# codes, names, free text) is text and is neutralised. Files are UTF-8 with a BOM (``utf-8-sig``):
# without the BOM, Excel on Windows reads UTF-8 as the ANSI code page and shows Chinese as mojibake.

CSV_ENCODING = "utf-8-sig"


def csv_cell(value: Any) -> str:
    """One CSV field: "" for None, numbers as written by Python, everything else neutralised text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        return repr(value)
    return neutralise(value)


def write_csv(path, rows, *, encoding: str = CSV_ENCODING) -> None:
    """Write `rows` (iterables of values) as CSV in UTF-8 with BOM, every field through `csv_cell`."""
    import csv
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        for row in rows:
            writer.writerow([csv_cell(v) for v in row])
