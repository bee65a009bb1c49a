"""Read submitted files into grids of text, keeping the row numbers the user sees in Excel.

.xlsx and .xls are read with fastexcel (calamine), every cell as text, as Excel shows it where the
reader's text would mislead (a formula's error, a number of more than 15 digits, a time with no
date); a cell merged down over several rows counts for each of them, as the clerk sees it, in an
.xlsx (its sheet XML) and in an .xls (its BIFF records, read with olefile). CSV is decoded strictly
as UTF-8 (with or without BOM) or else GB18030 (never GBK: GB18030 is its superset, and never a lossy
codec: mojibake would load silently), or as UTF-16 when it starts with that BOM. A file that cannot
be read raises FileProblem with a rule code and a Chinese explanation; no traceback reaches the user.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import struct
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

import fastexcel
import olefile
import polars as pl

SOURCE_ROW = "source_row"  # the row number as the user sees it (1-based, counting title rows)
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
SUPPORTED_SUFFIXES = EXCEL_SUFFIXES + CSV_SUFFIXES
HEADER_SCAN_ROWS = 30
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")
# Suffixes organs send that no reader here opens: each gets its own advice rather than a bare "unsupported".
_SAVE_AS_XLSX = "请用Excel或WPS打开后“另存为”Excel工作簿（.xlsx）再报送"
FOREIGN_SUFFIXES = {".et": "WPS表格专用格式（.et）无法读取", ".ett": "WPS表格模板格式（.ett）无法读取",
                    ".ods": "OpenDocument表格格式（.ods）无法读取", ".numbers": "Numbers表格格式无法读取"}


class FileProblem(Exception):
    """A file rejected whole, with its rule code and a Chinese explanation."""

    def __init__(self, rule: str, detail: str, header: str | Sequence[str] = "", kind: str | None = None):
        super().__init__(detail)
        # `header` may name several columns (FILE_MISSING_COLUMN names every missing one): `headers`
        # keeps them apart for the message, `header` joins them for the report's column cell.
        self.headers = tuple(h for h in ((header,) if isinstance(header, str) else header) if h)
        self.rule, self.detail, self.header, self.kind = rule, detail, "、".join(self.headers), kind


@dataclass
class Grid:
    """One sheet as text: columns c0…cN (String) plus SOURCE_ROW."""
    sheet: str | None
    frame: pl.DataFrame
    hidden: bool = False         # a hidden sheet of a workbook: the organ does not see it (see etl.pipeline)

    def top_rows(self, n: int = HEADER_SCAN_ROWS) -> list[list[str | None]]:
        cells = self.frame.drop(SOURCE_ROW).head(n)
        return [list(row) for row in cells.iter_rows()]


def read_grids(path: Path, data: bytes | None = None) -> list[Grid]:
    """Every sheet of a file as a Grid. Raises FileProblem for what cannot be read at all."""
    data = path.read_bytes() if data is None else data
    if not data.strip():
        raise FileProblem("FILE_UNREADABLE", "文件为空")
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(data)
    if suffix in CSV_SUFFIXES:
        return [_read_csv(data)]
    if suffix in FOREIGN_SUFFIXES:
        raise FileProblem("FILE_UNREADABLE", f"{FOREIGN_SUFFIXES[suffix]}，{_SAVE_AS_XLSX}")
    raise FileProblem("FILE_UNREADABLE", f"不支持的文件类型“{path.suffix}”，请报送 .xlsx、.xls 或 .csv 文件")


def content_matches(suffix: str, head: bytes) -> bool:
    """Whether a file's first bytes fit its suffix (an upload's type check, before any parsing): a
    workbook is a zip (.xlsx) or an OLE compound file (.xls; either is accepted under either name, as
    systems export them), a text file has no NUL byte (UTF-8 and GB18030 have none) unless it is UTF-16
    with its BOM."""
    suffix = suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return head.startswith(_ZIP_MAGIC) or head.startswith(_OLE_MAGIC)
    if suffix in CSV_SUFFIXES:
        return b"\x00" not in head or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    return False


# What an .xlsx may declare it unpacks to: the reader holds every sheet in memory, and a 2 MB workbook
# can unpack to gigabytes. Two sheets of a million checklist rows, the largest honest submission,
# unpack to about 0.3 GB. (The upload page also counts what each workbook really unpacks to.)
MAX_UNPACKED_BYTES = 1 << 30


_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, EOFError)


def _declared_size(data: bytes) -> int:
    """The bytes a zip's entries say they unpack to (0 if it cannot be listed: the reader then says why)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            return sum(entry.file_size for entry in book.infolist())
    except _ZIP_ERRORS:
        return 0


def unpacked_size(payload: bytes, limit: int) -> int | None:
    """The bytes a file unpacks to (a workbook is a zip; .xls and .csv are as they are), counted by
    unpacking it, up to `limit`; None past the limit or when it cannot be unpacked. The declared sizes
    are checked first, then the real ones: reading an entry stops at its declared size and a longer
    one fails its CRC check. (An upload's check: a load of files on the server trusts the declared
    sizes alone, see _read_excel.)"""
    if not payload.startswith(_ZIP_MAGIC):
        return len(payload)
    if _declared_size(payload) > limit:
        return None
    total = 0
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            for entry in archive.infolist():
                with archive.open(entry) as member:
                    while chunk := member.read(1 << 20):
                        total += len(chunk)
                        if total > limit:
                            return None
    except _ZIP_ERRORS:
        return None
    return total


def _read_excel(data: bytes) -> list[Grid]:
    if data.startswith(_OLE_MAGIC) and _ENCRYPTION_STREAM in data:
        raise FileProblem("FILE_UNREADABLE", "工作簿设有打开密码（已加密），请取消密码后重新报送")
    if data.startswith(_ZIP_MAGIC) and (size := _declared_size(data)) > MAX_UNPACKED_BYTES:
        raise FileProblem("FILE_UNREADABLE", f"工作簿解压后达{size / (1 << 30):.1f} GB，超过上限"
                                             f"{MAX_UNPACKED_BYTES / (1 << 30):.0f} GB，不是正常的报送工作簿；"
                                             "请只保留报送表后重新保存")
    if data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        # Many government systems export an HTML (or XML) table under an .xls name; Excel opens it, calamine not.
        raise FileProblem("FILE_UNREADABLE", f"文件实为网页（HTML/XML）格式，只是扩展名为Excel，{_SAVE_AS_XLSX}")
    try:
        reader = fastexcel.read_excel(data)
        merged = (merged_down(data) if data.startswith(_ZIP_MAGIC)
                  else xls_merged_down(data) if data.startswith(_OLE_MAGIC) else {})
        grids = []
        for name in reader.sheet_names:
            sheet = reader.load_sheet(name, header_row=None, dtypes="string", skip_rows=0)
            batch, errors = sheet.to_arrow_with_errors()
            frame = pl.from_arrow(batch)
            if errors:
                frame = _with_formula_errors(frame, errors.errors)
            if frame.width == 0:
                continue
            if data.startswith(_ZIP_MAGIC):
                cells = _xlsx_number_cells(frame, lambda name=name: _xlsx_long_numbers(data, name))
            else:
                cells = _xls_number_cells(reader, name, frame.height)
            frame = _long_numbers_as_shown(frame, cells)
            # A time-only cell (an Excel serial below 1: 10:30) comes as `1899-12-31 10:30:00`, a day the
            # clerk never wrote (Excel holds no date before 1900): it is read as the time Excel shows.
            frame = _replace_where(frame, pl.all().str.starts_with("1899-12-3"),
                                   r"^1899-12-3[01] (\d{2}:\d{2})(?::00)?(:\d{2})?$", "$1$2")
            # A date cell comes as `2025-09-30 00:00:00`; its midnight is no part of what the clerk typed.
            frame = _replace_where(frame, pl.all().str.ends_with(" 00:00:00"),
                                   r"^(\d{4}-\d{2}-\d{2}) 00:00:00$", "$1")
            if name in merged:
                frame = _fill_down(frame, *merged[name])
            frame.columns = [f"c{i}" for i in range(frame.width)]
            grids.append(Grid(name, frame.with_row_index(SOURCE_ROW, offset=1).cast({SOURCE_ROW: pl.Int64}),
                              hidden=sheet.visible != "visible"))
        return grids
    except FileProblem:
        raise
    except Exception:  # calamine's errors: corrupt zip, not a workbook, broken records (names a clerk cannot use)
        raise FileProblem("FILE_UNREADABLE", f"无法作为Excel工作簿打开，文件可能已损坏或不是Excel格式；{_SAVE_AS_XLSX}")
    except BaseException as exc:
        # a record calamine cannot follow may panic in its Rust code: pyo3 raises PanicException, which
        # derives from BaseException (not Exception), so that it is not caught by accident
        if type(exc).__name__ != "PanicException":
            raise
        raise FileProblem("FILE_UNREADABLE", f"无法作为Excel工作簿打开，文件可能已损坏或不是Excel格式；{_SAVE_AS_XLSX}"
                          ) from None


# A number Excel keeps has at most 15 significant digits: a cell read as 16 or more digits was a number
# whose later digits Excel has already replaced (a credit code typed into a number cell).
EXCEL_DIGITS = 15
_LONG_INTEGER = rf"^\d{{{EXCEL_DIGITS + 1},}}$"


def excel_general(number: float) -> str:
    """A large number as Excel's General format shows it in a cell: 1.13301E+17."""
    mantissa, exponent = f"{number:.5E}".split("E")
    return f"{mantissa.rstrip('0').rstrip('.')}E{exponent}"


def _long_numbers_as_shown(frame: pl.DataFrame, number_cells) -> pl.DataFrame:
    """Number cells of 16 or more integer digits as Excel shows them (1.13301E+17), not as the digits
    calamine prints (113301000000000096: digits nobody typed). The text of a cell does not tell a number
    from a code typed as text (113300000000000199 typed into a text cell is a good code), so
    `number_cells(columns)` says which cells of those columns holding such digits were numbers."""
    if frame.is_empty():
        return frame
    long = frame.select(pl.all().str.len_bytes().max() > EXCEL_DIGITS).row(0)   # the cheap test first
    hits = frame.select(pl.nth(i).str.contains(_LONG_INTEGER).any() for i, hit in enumerate(long) if hit)
    columns = [i for i, (hit, name) in enumerate(zip(long, frame.columns)) if hit and hits[name].item()] \
        if hits.width else []
    if not columns:
        return frame
    shown = []
    for column, rows in sorted(number_cells(columns).items()):
        cells = frame.to_series(column)
        rows = [r for r in sorted(rows) if r < len(cells) and re.fullmatch(_LONG_INTEGER, cells[r] or "")]
        if rows:
            shown.append(cells.clone().scatter(rows, [excel_general(float(cells[r])) for r in rows]))
    return frame.with_columns(shown) if shown else frame


def _xls_number_cells(reader, name: str, height: int):
    """An .xls sheet's number cells in `columns`, by column: those columns are read again as booleans,
    where a number cell gives a value and a text cell an error (calamine parses no text as a boolean).
    (A second read costs a second parse of the sheet; an .xls holds at most 65,536 rows.)"""
    def cells(columns: list[int]) -> dict[int, set[int]]:
        try:
            again = pl.from_arrow(reader.load_sheet(name, header_row=None, dtypes="boolean", skip_rows=0,
                                                    use_columns=columns).to_arrow_with_errors()[0])
        except Exception:   # best effort: the digits read stay
            return {}
        if again.shape != (height, len(columns)):   # not the same cells: leave the digits as read
            return {}
        return {c: set(again.to_series(i).is_not_null().arg_true().to_list()) for i, c in enumerate(columns)}
    return cells


# An .xlsx cell's value of 16 or more digits: `113301000000000096`, `1.13301E+17` (a string cell's value
# is an index into the shared strings, or text inside <is>; a formula's text result is marked t="str").
_LONG_VALUE = re.compile(rb"<v>(\d{16,}|\d(?:\.\d+)?[Ee]\+?\d+)</v>")
_CELL_OPEN = re.compile(rb'<c\b([^>]*)>')
_CELL_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_CELL_TYPE = re.compile(rb'\bt="(\w+)"')


def _xlsx_long_numbers(data: bytes, name: str) -> dict[tuple[int, int], float]:
    """The number cells of 16 or more integer digits of an .xlsx sheet: (0-based row, column of the
    grid) -> value. One pass over the sheet's XML for `<v>` values of that length (a tenth of a second
    per 100 MB) instead of a second parse of the sheet; the cells are then placed in the grid, whose
    first column is the sheet's first column holding a value (only looked for when there are some)."""
    try:
        return _scan_long_numbers(data, name)
    except Exception:   # best effort, as merged_down: a workbook this cannot follow keeps the digits read
        return {}


def _scan_long_numbers(data: bytes, name: str) -> dict[tuple[int, int], float]:
    found: dict[tuple[int, int], float] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        part = _sheet_parts(book).get(name)
        if part is None:
            return found
        tail = b""
        with book.open(part) as xml:
            while True:
                block = xml.read(1 << 20)
                text = tail + block
                cut = max(0, len(text) - 65536) if block else len(text)   # kept whole for the next block
                for match in _LONG_VALUE.finditer(text):
                    if match.start() >= cut:
                        break
                    value = float(match.group(1))
                    opened = text.rfind(b"<c", 0, match.start())
                    tag = _CELL_OPEN.match(text, opened) if opened >= 0 else None
                    at = _CELL_REF.search(tag.group(1)) if tag else None
                    kind = _CELL_TYPE.search(tag.group(1)) if tag else None
                    if at and value >= 10 ** EXCEL_DIGITS and (kind is None or kind.group(1) == b"n"):
                        found[(int(at.group(2)) - 1, _column_index(at.group(1)))] = value
                if not block:
                    break
                tail = text[cut:]
        if not found:
            return found
        first_column = min((_column_index(column) for (column,) in _matches(book, part, _VALUE_CELL)), default=0)
    return {(row, column - first_column): value for (row, column), value in found.items()}


def _xlsx_number_cells(frame: pl.DataFrame, long_numbers):
    """The cells of `columns` that are number cells found in the XML, by column (the same value read:
    a check that the cell was placed right). `long_numbers()` scans the XML, only when some column
    holds such digits."""
    def cells(columns: list[int]) -> dict[int, set[int]]:
        out: dict[int, set[int]] = {}
        wanted = set(columns)
        for (row, column), value in long_numbers().items():
            if column in wanted and row < frame.height:
                text = frame[row, column]
                if text and re.fullmatch(_LONG_INTEGER, text) and float(text) == value:
                    out.setdefault(column, set()).add(row)
        return out
    return cells


_MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_MERGE = re.compile(rb'<mergeCell ref="([A-Z]+)(\d+):[A-Z]+(\d+)"')
# A cell holding a value: an opening <c …> tag not closed at once (`<c r="A1" s="1"/>` is formatting only).
_VALUE_CELL = re.compile(rb'<c\b[^>]*?\br="([A-Z]+)\d+"[^>]*?(?<!/)>(?!</c>)')


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + letter - 64
    return index - 1


def _sheet_parts(book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> the zip member holding the sheet's XML."""
    rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    parts = {}
    for sheet in ElementTree.fromstring(book.read("xl/workbook.xml")).iter(f"{_MAIN_NS}sheet"):
        target = targets.get(sheet.get(_REL_ID), "")
        parts[sheet.get("name")] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return parts


def merged_down(data: bytes) -> dict[str, tuple[int, list[tuple[int, int, int]]]]:
    """Cells merged down over several rows in an .xlsx (xls_merged_down: an .xls), by sheet name:
    (the sheet's first used column, [(first row, column, last row), …], 0-based). calamine keeps a
    merged cell's value in its first row only; the clerk sees it in every row (one organ's code
    merged over its projects).
    Best effort: a workbook this cannot follow is read without it."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            found = {}
            for name, part in _sheet_parts(book).items():
                first_column, ranges = _scan_sheet(book, part)
                if ranges:
                    found[name] = (first_column, ranges)
            return found
    except Exception:
        return {}


def _scan_sheet(book: zipfile.ZipFile, part: str) -> tuple[int, list[tuple[int, int, int]]]:
    """(first column holding a value, vertical merges) of one sheet's XML. The merges come last in
    the XML; the cells are only scanned for the first column when there are merges to place."""
    ranges = {(int(top) - 1, _column_index(column), int(bottom) - 1)
              for column, top, bottom in _matches(book, part, _MERGE) if int(bottom) > int(top)}
    if not ranges:
        return 0, []
    first_column = min((_column_index(column) for (column,) in _matches(book, part, _VALUE_CELL)), default=0)
    return first_column, sorted(ranges)


def _matches(book: zipfile.ZipFile, part: str, pattern: re.Pattern, chunk: int = 1 << 20):
    """The groups of every match of `pattern` in a zip member, read in chunks (a sheet may be large)."""
    tail = b""
    with book.open(part) as xml:
        while block := xml.read(chunk):
            text = tail + block
            cut = max(0, len(text) - 4096)    # a tag cut by the chunk's end is read whole with the next one
            for match in pattern.finditer(text):
                if match.start() < cut:
                    yield match.groups()
            tail = text[cut:]
    for match in pattern.finditer(tail):
        yield match.groups()


# BIFF records of an .xls sheet: the cells calamine reads as values (BLANK and MULBLANK, formatting only,
# are not cells to it: its frame starts at the first column holding a value), and the merges.
# FORMULA, NUMBER, LABEL, BOOLERR, RK, LABELSST, MULRK: each starts u16 row, u16 column.
_BIFF_VALUE_CELLS = frozenset({0x0006, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00BD})
_BIFF_BOF, _BIFF_EOF, _BIFF_BOUNDSHEET, _BIFF_CODEPAGE, _BIFF_MERGEDCELLS = 0x0809, 0x000A, 0x0085, 0x0042, 0x00E5


def xls_merged_down(data: bytes) -> dict[str, tuple[int, list[tuple[int, int, int]]]]:
    """Cells merged down over several rows in an .xls (OLE2, BIFF8 or BIFF5), by sheet name, as
    merged_down gives them for an .xlsx: (the sheet's first column holding a value, [(first row,
    column, last row), …], 0-based). Best effort: a workbook this cannot follow is read without it."""
    try:
        with olefile.OleFileIO(data) as ole:
            stream = ole.openstream("Workbook" if ole.exists("Workbook") else "Book").read()
        found = {}
        for name, offset in _biff_sheets(stream).items():
            first_column, ranges = _scan_biff_sheet(stream, offset)
            if ranges:
                found[name] = (first_column, ranges)
        return found
    except Exception:
        return {}


def _biff_sheets(stream: bytes) -> dict[str, int]:
    """Sheet name -> offset of the sheet's BOF, from the BOUNDSHEET records of the workbook globals."""
    sheets, biff8, codepage, at = {}, True, "cp1252", 0
    while at + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, at)
        body = stream[at + 4:at + 4 + size]
        at += 4 + size
        if kind == _BIFF_EOF:
            break
        if kind == _BIFF_BOF:
            biff8 = struct.unpack_from("<H", body)[0] == 0x0600
        elif kind == _BIFF_CODEPAGE and not biff8:    # BIFF5 names are in the workbook's code page
            codepage = f"cp{struct.unpack_from('<H', body)[0]}"
        elif kind == _BIFF_BOUNDSHEET:
            offset, length = struct.unpack_from("<IB", body)[0], body[6]
            if biff8:   # ShortXLUnicodeString: cch, flags (bit 0: 16-bit characters), characters
                wide = body[7] & 1
                name = body[8:8 + length * (2 if wide else 1)].decode("utf-16-le" if wide else "latin-1")
            else:
                name = body[7:7 + length].decode(codepage)
            sheets[name.replace("\0", "")] = offset
    return sheets


def _scan_biff_sheet(stream: bytes, at: int) -> tuple[int, list[tuple[int, int, int]]]:
    """(first column holding a value, vertical merges) of one sheet substream, from its BOF to its EOF
    (an embedded chart's BOF…EOF inside it passed over). A merge across several columns counts for its
    first column only, as in an .xlsx."""
    first_column, ranges, unpack = 0xFFFF, set(), struct.unpack_from
    end, depth = len(stream), 0
    while at + 4 <= end:
        kind, size = unpack("<HH", stream, at)
        if kind in _BIFF_VALUE_CELLS:
            column = unpack("<H", stream, at + 6)[0]
            if column < first_column:
                first_column = column
        elif kind == _BIFF_MERGEDCELLS:
            (count,) = unpack("<H", stream, at + 4)
            for i in range(min(count, (size - 2) // 8)):
                top, bottom, left, _right = unpack("<4H", stream, at + 6 + 8 * i)
                if bottom > top:
                    ranges.add((top, left, bottom))
        elif kind == _BIFF_BOF:
            depth += 1
        elif kind == _BIFF_EOF:
            depth -= 1
            if depth <= 0:
                break
        at += 4 + size
    return (first_column if first_column != 0xFFFF else 0), sorted(ranges)


def _fill_down(frame: pl.DataFrame, first_column: int, ranges: list[tuple[int, int, int]]) -> pl.DataFrame:
    """Each merged cell's value written into the empty rows it covers."""
    columns = {}
    for top, column, bottom in ranges:
        at = column - first_column
        if not 0 <= at < frame.width or top >= frame.height:
            continue
        cells = columns.setdefault(at, frame.to_series(at).clone())
        value = cells[top]
        rows = [r for r in range(top + 1, min(bottom, frame.height - 1) + 1) if cells[r] is None]
        if value is not None and rows:
            cells.scatter(rows, [value] * len(rows))
    return frame.with_columns(columns.values()) if columns else frame


# calamine's names of Excel's formula errors -> the text Excel shows in the cell.
_EXCEL_ERRORS = {"Div0": "#DIV/0!", "NA": "#N/A", "Name": "#NAME?", "Null": "#NULL!", "Num": "#NUM!", "Ref": "#REF!",
                 "Value": "#VALUE!", "GettingData": "#GETTING_DATA"}
_ERROR_DETAIL = re.compile(r"Error\((\w+)\)")


def _with_formula_errors(frame: pl.DataFrame, errors) -> pl.DataFrame:
    """A formula's error (#N/A, #REF! …) as the text Excel shows: read as empty, a broken formula would
    pass for a blank cell (ROW_REQUIRED, or an optional value silently lost)."""
    by_column: dict[int, tuple[list[int], list[str]]] = {}
    for error in errors:
        found = _ERROR_DETAIL.search(error.detail)
        if found:
            row, column = error.offset_position
            rows, texts = by_column.setdefault(column, ([], []))
            rows.append(row)
            texts.append(_EXCEL_ERRORS.get(found.group(1), f"#{found.group(1).upper()}"))
    for column, (rows, texts) in by_column.items():
        cells = frame.to_series(column).clone()
        frame = frame.with_columns(cells.scatter(rows, texts))
    return frame


def _replace_where(frame: pl.DataFrame, hint: pl.Expr, pattern: str, to: str) -> pl.DataFrame:
    """`pattern` replaced in the columns where some cell matches `hint` (a cheap test): a regular
    expression over every cell of a two-million-row file costs half a second, the test a hundredth."""
    if frame.is_empty():
        return frame
    hits = frame.select(hint.any()).row(0)
    columns = [c for c, hit in zip(frame.columns, hits) if hit]
    return frame.with_columns(pl.col(columns).str.replace(pattern, to)) if columns else frame


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name): strict UTF-8 (BOM allowed), else strict GB18030; UTF-16 only with its BOM,
    as Excel writes “Unicode 文本” (without a BOM, UTF-16 cannot be told from other bytes)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise FileProblem("FILE_UNREADABLE", f"文件为UTF-16编码，但第{exc.start}字节处有错误；"
                                                 "请在Excel中另存为“CSV UTF-8”后重新报送")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise FileProblem("FILE_UNREADABLE", f"文件编码无法识别（既不是UTF-8也不是GB18030），第{exc.start}字节处出错；"
                                             "请在Excel中另存为“CSV UTF-8”后重新报送")


def _sniff_separator(text: str) -> str:
    head = text[:20_000].splitlines()[:HEADER_SCAN_ROWS]
    tabs = sum(line.count("\t") for line in head)
    commas = sum(line.count(",") for line in head)
    return "\t" if tabs > commas else ","


def _read_csv(data: bytes) -> Grid:
    text, encoding = decode_text(data)
    separator = _sniff_separator(text)
    # Width: the widest of the first rows (a title row above the header has a single field).
    head_rows = list(csv.reader(io.StringIO(text[:200_000]), delimiter=separator))[:HEADER_SCAN_ROWS]
    width = max((len(r) for r in head_rows), default=0)
    if width == 0:
        raise FileProblem("FILE_UNREADABLE", "文件为空")
    payload = data if encoding == "utf-8" else text.encode("utf-8")
    try:
        frame = pl.read_csv(payload, has_header=False, infer_schema=False, separator=separator,
                            truncate_ragged_lines=True, missing_columns="insert",
                            schema={f"c{i}": pl.String for i in range(width)}, quote_char='"')
    except Exception:
        raise FileProblem("FILE_UNREADABLE", "CSV文件格式有误，无法解析；请用Excel打开后另存为“CSV UTF-8”再报送")
    # Systems export long codes as ="0571…" so that Excel keeps their digits; Excel shows the text inside,
    # and so the clerk reads it: that is the value.
    frame = _replace_where(frame, pl.all().str.starts_with('="'), r'^="(.*)"$', "$1")
    return Grid(None, frame.with_row_index(SOURCE_ROW, offset=1).cast({SOURCE_ROW: pl.Int64}))
