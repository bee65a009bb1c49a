"""Read submitted files into grids of text, keeping the row numbers the user sees in Excel.

.xlsx and .xls are read with fastexcel (calamine), every cell as text; CSV is decoded strictly as
UTF-8 (with or without BOM) or else GB18030 (never GBK: GB18030 is its superset, and never a lossy
codec: mojibake would load silently). A file that cannot be read raises FileProblem with a rule
code and a Chinese explanation; no traceback reaches the user.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl

SOURCE_ROW = "source_row"  # the row number as the user sees it (1-based, counting title rows)
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")
SUPPORTED_SUFFIXES = EXCEL_SUFFIXES + CSV_SUFFIXES
HEADER_SCAN_ROWS = 30
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTION_STREAM = "EncryptionInfo".encode("utf-16-le")


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
    raise FileProblem("FILE_UNREADABLE", f"不支持的文件类型“{path.suffix}”，请报送 .xlsx、.xls 或 .csv 文件")


def content_matches(suffix: str, head: bytes) -> bool:
    """Whether a file's first bytes fit its suffix (an upload's type check, before any parsing): a
    workbook is a zip (.xlsx) or an OLE compound file (.xls; either is accepted under either name, as
    systems export them), a text file has no NUL byte (UTF-8 and GB18030 have none)."""
    suffix = suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return head.startswith(_ZIP_MAGIC) or head.startswith(_OLE_MAGIC)
    if suffix in CSV_SUFFIXES:
        return b"\x00" not in head
    return False


def _read_excel(data: bytes) -> list[Grid]:
    if data.startswith(_OLE_MAGIC) and _ENCRYPTION_STREAM in data:
        raise FileProblem("FILE_UNREADABLE", "工作簿设有打开密码（已加密），请取消密码后重新报送")
    try:
        reader = fastexcel.read_excel(data)
        grids = []
        for name in reader.sheet_names:
            sheet = reader.load_sheet(name, header_row=None, dtypes="string", skip_rows=0)
            frame = sheet.to_polars()
            if frame.width == 0:
                continue
            frame.columns = [f"c{i}" for i in range(frame.width)]
            grids.append(Grid(name, frame.with_row_index(SOURCE_ROW, offset=1).cast({SOURCE_ROW: pl.Int64})))
        return grids
    except FileProblem:
        raise
    except Exception as exc:  # calamine's errors: corrupt zip, not a workbook, broken records
        raise FileProblem("FILE_UNREADABLE", f"无法作为Excel工作簿打开，文件可能已损坏或不是Excel格式（{type(exc).__name__}）")


def decode_text(data: bytes) -> tuple[str, str]:
    """(text, encoding name): strict UTF-8 (BOM allowed), else strict GB18030."""
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
    except Exception as exc:
        raise FileProblem("FILE_UNREADABLE", f"CSV文件格式有误，无法解析（{type(exc).__name__}）")
    return Grid(None, frame.with_row_index(SOURCE_ROW, offset=1).cast({SOURCE_ROW: pl.Int64}))
