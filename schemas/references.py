"""Which rows must refer to rows that exist (ROW_UNKNOWN_REFERENCE), as data.

A reference is checked when all of its `columns` have values: the combination must be found among
`target_columns` of the target kind — rows of the same load or of the warehouse. The checklist is
the target of item codes.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reference:
    columns: tuple[str, ...]          # in the referring row; the first is where the error is shown
    target: str                       # a kind name, or "checklist"
    target_columns: tuple[str, ...]
    detail: str                       # completes the message: 「header」的值“value”{detail}
    unless_present: str | None = None  # skip when this column has a value (a stricter reference applies)


_ORGAN = Reference(("organ_code",), "organs", ("organ_code",), "在机关名录中不存在，请先报送该机关")
_VENDOR = Reference(("vendor_code",), "vendors", ("vendor_code",), "在服务机构名录中不存在，请先报送该服务机构")
_INSPECTION = Reference(("inspection_code",), "inspections", ("inspection_code",), "在检查记录中不存在，请先报送该检查")
_ITEM = Reference(("item_code",), "checklist", ("item_code",), "不是检查项目表中的检查项代码")
_PROJECT_OF_ORGAN = Reference(("project_code", "organ_code"), "projects", ("project_code", "organ_code"),
                              "不是该机关已报送的项目编号")

REFERENCES: dict[str, tuple[Reference, ...]] = {
    "qualifications": (_VENDOR,),
    "projects": (_ORGAN, _VENDOR),
    "inspections": (
        _ORGAN, _PROJECT_OF_ORGAN,
        Reference(("vendor_code", "organ_code", "project_code"), "projects",
                  ("vendor_code", "organ_code", "project_code"), "与所填项目的服务机构不一致"),
        Reference(("vendor_code",), "vendors", ("vendor_code",), "在服务机构名录中不存在，请先报送该服务机构",
                  unless_present="project_code"),
    ),
    "inspection_items": (_INSPECTION, _ITEM),
    "rectifications": (_INSPECTION, _ITEM),
    "evaluations": (
        _ORGAN, _VENDOR,
        Reference(("project_code", "organ_code", "vendor_code"), "projects",
                  ("project_code", "organ_code", "vendor_code"), "不是该机关与该服务机构之间的项目编号"),
    ),
    "incidents": (_ORGAN, _VENDOR, _PROJECT_OF_ORGAN),
}
