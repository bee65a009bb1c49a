"""Charts for the printed annual report: matplotlib PNGs with Chinese text in Noto Sans CJK.

The font comes from Debian's fonts-noto-cjk, found through matplotlib's font manager (which reads
the same folders fontconfig does). Nothing is downloaded; without the font the report is refused
with a message saying which package to install, rather than printing boxes for every character.
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import polars as pl  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from etl.export.labels import period_text  # noqa: E402

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK TC", "Noto Sans SC")
COLORS = ("#1F4E79", "#9DC3E6", "#C00000", "#F4B183", "#548235", "#A9D18E", "#7F6000")
DPI = 200


class CJKFontMissing(RuntimeError):
    """No font that can draw Chinese is installed."""


@functools.lru_cache(maxsize=1)
def cjk_family() -> str:
    """The Noto Sans CJK family matplotlib will use; raises CJKFontMissing when none is installed."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed:
            return family
    hint = ""
    if shutil.which("fc-match"):
        found = subprocess.run(["fc-match", "-f", "%{family}", "sans-serif:lang=zh-cn"], capture_output=True,
                               text=True, check=False).stdout
        if "CJK" in found:  # installed after matplotlib built its cache: rebuild it once
            font_manager.fontManager = font_manager.FontManager()
            installed = {f.name for f in font_manager.fontManager.ttflist}
            for family in CJK_FAMILIES:
                if family in installed:
                    return family
        hint = f"（fc-match 找到的是：{found or '无'}）"
    raise CJKFontMissing("未找到中文字体 Noto Sans CJK，无法生成含中文的图表" + hint +
                         "。请安装 Debian 软件包 fonts-noto-cjk：apt-get install -y fonts-noto-cjk")


def _figure(width: float = 7.0, height: float = 3.6):
    family = cjk_family()
    plt.rcParams.update({"font.family": "sans-serif", "font.sans-serif": [family, "DejaVu Sans"],
                         "axes.unicode_minus": False, "font.size": 9})
    fig, ax = plt.subplots(figsize=(width, height), dpi=DPI)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#DDDDDD", linewidth=0.6)
    ax.set_axisbelow(True)
    return fig, ax


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=DPI)
    plt.close(fig)
    return buffer.getvalue()


def quarterly(frame: pl.DataFrame, title: str) -> bytes:
    """Inspections (bars) and pass rate (line) per quarter."""
    fig, ax = _figure()
    x = list(range(frame.height))
    ax.bar(x, frame["inspections"].to_list(), color=COLORS[1], label="检查次数")
    ax.set_ylabel("检查次数（家次）")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))   # counts: no 0.5 家次
    ax.set_xticks(x, [period_text(p).replace("年", "年\n", 1) for p in frame["period"].to_list()])
    ax2 = ax.twinx()
    rates = [None if v is None else v * 100 for v in frame["pass_rate"].to_list()]
    ax2.plot(x, rates, color=COLORS[2], marker="o", label="合格率")
    ax2.set_ylabel("合格率（%）")
    ax2.set_ylim(0, 105)
    ax2.spines[["top"]].set_visible(False)
    handles = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    # below the quarters' labels, not over the bars
    ax.legend(handles, ["检查次数", "合格率"], loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False, ncol=2)
    ax.set_title(title)
    return _png(fig)


def paired_bars(labels: list[str], now: list[float], before: list[float], names: tuple[str, str], title: str,
                ylabel: str, horizontal: bool = False) -> bytes:
    """This year against last year, per category."""
    n = len(labels)
    fig, ax = _figure(7.0, max(3.0, 0.34 * n + 1.2) if horizontal else 3.6)
    pos = list(range(n))
    width = 0.4
    now = [v or 0 for v in now]
    before = [v or 0 for v in before]
    if horizontal:
        ax.barh([p - width / 2 for p in pos], now, height=width, color=COLORS[0], label=names[0])
        ax.barh([p + width / 2 for p in pos], before, height=width, color=COLORS[1], label=names[1])
        ax.set_yticks(pos, labels)
        ax.invert_yaxis()
        ax.set_xlabel(ylabel)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", color="#DDDDDD", linewidth=0.6)
    else:
        ax.bar([p - width / 2 for p in pos], now, width=width, color=COLORS[0], label=names[0])
        ax.bar([p + width / 2 for p in pos], before, width=width, color=COLORS[1], label=names[1])
        ax.set_xticks(pos, labels, rotation=30 if n > 6 else 0, ha="right" if n > 6 else "center")
        ax.set_ylabel(ylabel)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(frameon=False)
    ax.set_title(title)
    return _png(fig)


def stacked_components(frame: pl.DataFrame, components: dict[str, str], title: str) -> bytes:
    """Risk score components of the highest-scoring vendors (horizontal stacked bars)."""
    n = frame.height
    fig, ax = _figure(7.0, max(3.0, 0.32 * n + 1.4))
    left = [0.0] * n
    names = frame["vendor_name"].to_list()
    for (component, label), color in zip(components.items(), COLORS):
        values = [v or 0 for v in frame[f"pts_{component}"].to_list()]
        ax.barh(range(n), values, left=left, color=color, label=label)
        left = [a + b for a, b in zip(left, values)]
    ax.set_yticks(range(n), names)
    ax.invert_yaxis()
    ax.set_xlabel("风险分")
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#DDDDDD", linewidth=0.6)
    ax.legend(frameon=False, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.12), fontsize=7)
    ax.set_title(title)
    return _png(fig)
