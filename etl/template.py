"""The blank submission template (报送模板) the authority sends to organs and inspectors.

Layout of the workbook written by `write_template`:

* ``填表说明`` — filling instructions (what each sheet is for, required columns, formats, keys);
* one sheet per kind of `schemas.kinds.KINDS`, named by ``Kind.zh``: the contract headers in row 1
  (``Column.header``, required ones marked ``*``), frozen; **row 2 is a filled example** built from
  ``Column.example`` (grey italic; the examples of all sheets refer to each other consistently, so
  each would pass every check, but the loader rejects a row equal to its sheet's example as
  ROW_TEMPLATE_EXAMPLE: see `example_row`); dropdowns for enumerations and yes/no; an
  input message with the column's rule on the header and on the data cells; date, number and text
  formats on the whole column (data validations cover rows 2–501);
* ``检查项目表`` — the inspection checklist, for reference only.

The first and last sheets are not data: their cells match no header of any kind (a test keeps it
so), and loaders should skip them by name as well (`NON_DATA_SHEETS`).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import xlsxwriter

from etl.excel_safety import SAFE_WORKBOOK_OPTIONS
from schemas.checklist import CHECKLIST_VERSION, checklist
from schemas.kinds import KINDS, Column, Kind

INSTRUCTION_SHEET = "填表说明"
CHECKLIST_SHEET = "检查项目表"
NON_DATA_SHEETS = (INSTRUCTION_SHEET, CHECKLIST_SHEET)
HEADER_ROW = 0  # 0-based: Excel row 1
EXAMPLE_ROW = 1  # 0-based: Excel row 2
TEMPLATE_ROWS = 500  # data rows covered by dropdowns and input messages (Excel rows 2–501)

TYPE_ZH = {
    "uscc": "统一社会信用代码（18位）",
    "region": "行政区划代码（6位数字）",
    "date": "日期，如2025-03-05",
    "datetime": "日期时间，如2025-03-05 14:30",
    "int": "整数",
    "decimal": "数字",
    "bool": "是/否",
    "enum": "从下拉列表选择",
    "text": "文本",
    "period": "评价期间，如2025、2025-Q3",
    "names": "姓名或词语，多个以顿号“、”分隔",
    "codes": "统一社会信用代码，多个以顿号“、”分隔",
}

# What each sheet is for and who fills it (instruction sheet).
KIND_PURPOSE = {
    "organs": "机关（群团）基本信息，一个机关一行。由机关填报。",
    "vendors": "承接档案服务外包的服务机构基本信息，一个机构一行。由机关填报。",
    "qualifications": "服务机构持有的资质证书，一张证书一行。由机关填报。",
    "projects": "档案服务外包项目（合同），一个项目一行。由机关填报。",
    "inspections": "对机关档案服务外包工作的监督检查，一次检查一行。由检查人员填报。",
    "inspection_items": "每次检查各检查项的结果，一次检查的一个检查项一行；检查项代码见「检查项目表」。由检查人员填报。",
    "rectifications": "检查发现问题的整改及复查情况，一次检查的一个检查项一行。由检查人员或机关填报。",
    "evaluations": "机关对服务机构的服务评价，一个项目（或服务机构）一个评价期间一行。由机关填报。",
    "incidents": "档案服务外包中发生的安全事件，一个事件一行。由机关填报。",
    "inspectors": "检查人员（执法人员）名录，一人一行。由档案主管部门填报。",
}

_TEXT_TYPES = ("uscc", "region", "codes", "text", "names", "period", "enum")
_INPUT_TITLE_MAX = 32
_MESSAGE_MAX = 255


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _clip(text: str, limit: int) -> str:
    """`text` cut to Excel's limit (counted in UTF-16 units), ending with '…' when cut."""
    if _utf16_len(text) <= limit:
        return text
    while _utf16_len(text) > limit - 1:
        text = text[:-1]
    return text + "…"


def _display_width(text: str) -> int:
    """Approximate column width: CJK and full-width characters count double."""
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _range_text(col: Column) -> str:
    if col.ge is not None and col.le is not None:
        return f"{col.ge:g}–{col.le:g}"
    if col.ge is not None:
        return f"不小于{col.ge:g}"
    if col.le is not None:
        return f"不大于{col.le:g}"
    return ""


def key_text(kind: Kind) -> str:
    """The key of a kind as the instructions state it: 「机关统一社会信用代码」＋「项目编号」."""
    return "＋".join(f"「{kind.column(n).zh}」" for n in kind.key)


def input_message(kind: Kind, col: Column) -> tuple[str, str]:
    """(title, message) of a column's input message, within Excel's 32 / 255 limits."""
    title = _clip(f"{col.header}（{'必填' if col.required else '选填'}）", _INPUT_TITLE_MAX)
    lines = [("必填" if col.required else "选填") + "；类型：" + TYPE_ZH.get(col.type, col.type)]
    if col.rule:
        lines.append("规则：" + col.rule)
    rng = _range_text(col)
    if rng and rng not in col.rule:
        lines.append("范围：" + rng)
    if col.enum is not None and col.name != "service_type":
        lines.append("可选：" + "、".join(col.enum.values))
    if col.name in kind.key:
        lines.append("本列属于记录唯一标识（" + key_text(kind) + "），重复报送将替换原记录")
    return title, _clip("\n".join(lines), _MESSAGE_MAX)


def _example_value(col: Column):
    """Column.example as the Python value to write: date, datetime, int, float or str (None = blank)."""
    text = col.example
    if text == "":
        return None
    if col.type == "date":
        return dt.date.fromisoformat(text)
    if col.type == "datetime":
        return dt.datetime.strptime(text, "%Y-%m-%d %H:%M")
    if col.type == "int":
        return int(text)
    if col.type == "decimal":
        return float(text)
    return text


def example_row(kind: Kind) -> dict[str, object]:
    """The example the template writes in row 2 of a kind's sheet: column name -> the value written
    (date, datetime, int, float or str), for the columns the example fills. The loader rejects a row
    equal to it (ROW_TEMPLATE_EXAMPLE, see etl.validate)."""
    return {col.name: value for col in kind.columns if (value := _example_value(col)) is not None}


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook):
        base = {"font_name": "宋体", "font_size": 11}
        head = {**base, "bold": True, "border": 1, "align": "center", "valign": "vcenter",
                "text_wrap": True}
        self.header_required = wb.add_format({**head, "bg_color": "#FCE4D6"})
        self.header_optional = wb.add_format({**head, "bg_color": "#E7E6E6"})
        number_formats = {"date": "yyyy-mm-dd", "datetime": "yyyy-mm-dd hh:mm", "int": "0",
                          "decimal": "General", "bool": "General"}
        self.column: dict[str, object] = {}
        self.example: dict[str, object] = {}
        for type_ in TYPE_ZH:
            num = number_formats.get(type_, "@")
            self.column[type_] = wb.add_format({**base, "num_format": num})
            self.example[type_] = wb.add_format({**base, "num_format": num, "italic": True,
                                                 "font_color": "#7F7F7F"})
        self.title = wb.add_format({**base, "bold": True, "font_size": 16})
        self.section = wb.add_format({**base, "bold": True, "font_size": 12})
        self.text = wb.add_format({**base, "text_wrap": True, "valign": "top"})
        self.table_head = wb.add_format({**head, "bg_color": "#DDEBF7"})
        self.table_cell = wb.add_format({**base, "text_wrap": True, "valign": "top", "border": 1})
        self.number_cell = wb.add_format({**base, "valign": "top", "border": 1, "align": "center"})


def _check(status: int, what: str) -> None:
    if status not in (0, None):
        raise ValueError(f"xlsxwriter refused {what} (status {status})")


def _write_instructions(wb: xlsxwriter.Workbook, fmt: _Formats) -> None:
    ws = wb.add_worksheet(INSTRUCTION_SHEET)
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 58)
    ws.set_column(2, 2, 40)
    ws.set_column(3, 3, 60)
    row = 0
    ws.write_string(row, 0, "档案服务外包监督数据报送模板 · 填表说明", fmt.title)
    row += 2
    ws.write_string(row, 0, "一、各工作表的用途", fmt.section)
    row += 1
    for c, text in enumerate(("工作表名称", "用途与填报人", "记录唯一标识（主键）", "必填列（表头带*号）")):
        ws.write_string(row, c, text, fmt.table_head)
    row += 1
    for kind in KINDS:
        ws.write_string(row, 0, kind.zh, fmt.table_cell)
        ws.write_string(row, 1, KIND_PURPOSE.get(kind.name, ""), fmt.table_cell)
        ws.write_string(row, 2, key_text(kind), fmt.table_cell)
        ws.write_string(row, 3, "、".join(c.zh for c in kind.required), fmt.table_cell)
        row += 1
    ws.write_string(row, 0, CHECKLIST_SHEET, fmt.table_cell)
    ws.write_string(row, 1, "检查项目及分值，供填写检查项结果、整改记录时查阅检查项代码；仅供参考，无需填写，不会导入。",
                    fmt.table_cell)
    ws.write_string(row, 2, "—", fmt.table_cell)
    ws.write_string(row, 3, "—", fmt.table_cell)
    row += 2

    ws.write_string(row, 0, "二、填写要求", fmt.section)
    row += 1
    rules = [
        "每个工作表的第1行是表头，请勿修改、删除、合并或调换表头；不需要的工作表可以留空或删除，只报送有内容的工作表。",
        "表头带“*”号的列为必填项，不能为空；其他列有则填写。选中表头或单元格可查看该列的填写规则。",
        "第2行为填写示例（灰色斜体），报送前请改为实际数据或将该行删除，不要保留示例数据。",
        "每行填写一条记录；不要合并单元格，不要插入空行、小计或合计行，不要在表格中间加说明文字。",
        "日期一律写作“2025-03-05”（年-月-日）；日期时间写作“2025-03-05 14:30”。日期列已设置好日期格式。",
        "“是否……”类的列填写“是”或“否”（可从下拉列表选择）。",
        "统一社会信用代码为18位（数字和大写字母，不使用I、O、Z、S、V），请逐位核对；行政区划代码为6位数字。"
        "代码类单元格已设置为文本格式，请勿改为数值格式，以免丢失开头的0或被显示为科学计数法。",
        "带下拉列表的列请从列表中选择；其中“服务类型”如不在列表中，可直接填写实际服务内容（将按超范围外包登记）。",
        "金额单位为万元；各项评分为0–100分；数量、人数填写阿拉伯数字，不要带单位。",
        "多个姓名、专长或代码之间用顿号“、”分隔，如“张三、李四”。",
        "“检查项代码”（如A1、E3）见工作表「检查项目表」；该表仅供查阅，无需填写，不会导入。",
        "每类记录以上表“记录唯一标识”所列字段识别。再次报送相同标识的记录，将以新报送的内容替换原记录（原记录保留在历史中）；"
        "同一次报送中同一标识出现多次且内容不同的，相关各行均不导入。",
        "引用的机关、服务机构、项目、检查须已在名录或此前的报送中存在；同一工作簿中一并报送的，系统会先导入名录，不必考虑工作表顺序。",
        "不符合规则的行不会导入，其他行照常导入；系统会生成问题报告，列明文件、工作表、行号、列和问题说明，请据此修改后重新报送。",
    ]
    for i, text in enumerate(rules, 1):
        ws.merge_range(row, 0, row, 3, f"{i}. {text}", fmt.text)
        ws.set_row(row, 18 * max(1, -(-_display_width(text) // 160)))
        row += 1
    ws.activate()


def _write_kind(wb: xlsxwriter.Workbook, fmt: _Formats, kind: Kind) -> None:
    ws = wb.add_worksheet(kind.zh)
    last = TEMPLATE_ROWS
    for c, col in enumerate(kind.columns):
        width = max(_display_width(col.header), _display_width(col.example), 8) + 3
        if col.type == "date":
            width = max(width, 12)
        elif col.type == "datetime":
            width = max(width, 17)
        ws.set_column(c, c, min(width, 40), fmt.column[col.type])
        ws.write_string(HEADER_ROW, c, col.header,
                        fmt.header_required if col.required else fmt.header_optional)

        value = _example_value(col)
        ex_fmt = fmt.example[col.type]
        if value is None:
            pass
        elif isinstance(value, (dt.date, dt.datetime)):
            ws.write_datetime(EXAMPLE_ROW, c, value, ex_fmt)
        elif isinstance(value, (int, float)):
            ws.write_number(EXAMPLE_ROW, c, value, ex_fmt)
        else:
            ws.write_string(EXAMPLE_ROW, c, value, ex_fmt)

        title, message = input_message(kind, col)
        prompt = {"input_title": title, "input_message": message}
        _check(ws.data_validation(HEADER_ROW, c, HEADER_ROW, c, {"validate": "any", **prompt}),
               f"{kind.zh}/{col.header} header message")
        _check(ws.data_validation(EXAMPLE_ROW, c, last, c, _cell_validation(col, prompt)),
               f"{kind.zh}/{col.header} validation")
    ws.set_row(HEADER_ROW, 30)
    ws.freeze_panes(1, 0)
    ws.write_comment(EXAMPLE_ROW, 0, "第2行为填写示例，报送前请改为实际数据或删除本行。",
                     {"x_scale": 1.6, "y_scale": 0.6})


def _cell_validation(col: Column, prompt: dict) -> dict:
    if col.type == "bool":
        return {"validate": "list", "source": ["是", "否"], **prompt,
                "error_title": "请选择是或否", "error_message": "本列请填写“是”或“否”。"}
    if col.type == "enum" and col.enum is not None:
        values = list(col.enum.values)
        if col.name == "service_type":
            return {"validate": "list", "source": values, **prompt, "error_type": "information",
                    "error_title": "服务类型不在列表中",
                    "error_message": _clip("所填内容不在列表中，将按超范围外包登记。列表内容："
                                           + "、".join(values), _MESSAGE_MAX)}
        return {"validate": "list", "source": values, **prompt, "error_title": "请从列表中选择",
                "error_message": _clip("可选：" + "、".join(values), _MESSAGE_MAX)}
    if col.type in ("int", "decimal") and (col.ge is not None or col.le is not None):
        rule = {"validate": "integer" if col.type == "int" else "decimal", **prompt,
                "error_title": "数值超出范围",
                "error_message": f"请填写{'整数' if col.type == 'int' else '数字'}，{_range_text(col)}。"}
        if col.ge is not None and col.le is not None:
            rule.update(criteria="between", minimum=col.ge, maximum=col.le)
        elif col.ge is not None:
            rule.update(criteria=">=", value=col.ge)
        else:
            rule.update(criteria="<=", value=col.le)
        return rule
    if col.type in ("date", "datetime"):
        # A nudge only ('warning'): text dates such as 2025年3月5日 are still accepted by the loader.
        return {"validate": "date", "criteria": "between", "minimum": dt.date(1950, 1, 1),
                "maximum": dt.date(2099, 12, 31), **prompt, "error_type": "warning",
                "error_title": "日期格式", "error_message": "请按“2025-03-05”的格式填写日期。"}
    return {"validate": "any", **prompt}


def _write_checklist(wb: xlsxwriter.Workbook, fmt: _Formats) -> None:
    ws = wb.add_worksheet(CHECKLIST_SHEET)
    items = checklist(CHECKLIST_VERSION)
    # Headers deliberately match no header of any kind, so no loader can take this sheet for data.
    heads = ("代码", "检查类别", "检查内容", "分值", "是否否决项")
    widths = (8, 22, 70, 8, 12)
    for c, (head, width) in enumerate(zip(heads, widths)):
        ws.set_column(c, c, width)
        ws.write_string(0, c, head, fmt.table_head)
    for r, item in enumerate(items.iter_rows(named=True), 1):
        ws.write_string(r, 0, item["item_code"], fmt.table_cell)
        # "D 人员管理": the category letter shows which codes belong to it, and keeps the cell from
        # reading as a header (人员管理 is also an evaluation column).
        ws.write_string(r, 1, f"{item['category_code']} {item['category_zh']}", fmt.table_cell)
        ws.write_string(r, 2, item["item_zh"], fmt.table_cell)
        ws.write_number(r, 3, float(item["weight"]), fmt.number_cell)
        ws.write_string(r, 4, "是" if item["veto"] else "否", fmt.number_cell)
    note = items.height + 2
    ws.write_string(note, 0, f"说明：检查项目表版本{CHECKLIST_VERSION}，共{items.height}项，合计"
                    f"{items['weight'].sum():g}分；“是否否决项”为“是”的项目不符合时，检查结论为不合格。"
                    "本表仅供查阅，无需填写，不会导入。", fmt.text)
    ws.freeze_panes(1, 0)


def _build(wb: xlsxwriter.Workbook) -> None:
    wb.set_properties({"title": "档案服务外包监督数据报送模板", "subject": "报送模板",
                       "comments": f"检查项目表版本{CHECKLIST_VERSION}"})
    fmt = _Formats(wb)
    _write_instructions(wb, fmt)
    for kind in KINDS:
        _write_kind(wb, fmt, kind)
    _write_checklist(wb, fmt)


def write_template(path) -> Path:
    """Write the blank submission template to `path` (.xlsx) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), SAFE_WORKBOOK_OPTIONS)
    try:
        _build(wb)
    finally:
        wb.close()
    return path


def template_bytes() -> bytes:
    """The template as bytes (for a download button)."""
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {**SAFE_WORKBOOK_OPTIONS, "in_memory": True})
    try:
        _build(wb)
    finally:
        wb.close()
    return buffer.getvalue()
