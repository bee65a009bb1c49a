"""Inspection planning (检查计划, issue 5): the 双随机 draw of targets and inspectors for a period.

- `config`    — the planning configuration (warehouse/config/planning.toml), checked
- `draw`      — the pure, deterministic draw over polars frames (no warehouse, no clock)
- `service`   — draw-and-record against a warehouse file, show, export, verify (the CLI and the
                page call these)
- `workbooks` — the plan workbook for inspectors and the 公示 list for publication

Reading plans back (and plan against achieved) is the query layer in warehouse/planning.py.
Method: docs/planning.md.
"""
