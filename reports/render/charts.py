"""Charts for the PDF report, drawn by matplotlib as SVG (vector, text as text: the PDF
embeds the font and a reader can select it; drawn as paths, the charts took 60 % of the
monthly PDF's rendering time).

Charts are pictures: amounts become floats only here, for drawing; every figure printed
in the report comes from the exact frames.
"""

from __future__ import annotations

import base64
import io
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib
import polars as pl
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from reports.money import SYMBOLS
from reports.render.chart_cache import cached

#: The charts' look, applied while each is drawn only: figures are made without pyplot, so
#: a notebook's own backend and style are left as they are.
STYLE: dict[Any, Any] = {
    "svg.fonttype": "none",
    # Its ids (markers, clips) from this salt, not from the moment: the same chart drawn
    # again is the same SVG, and so the same PDF.
    "svg.hashsalt": "reports",
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
#: Paul Tol's "muted" scheme: ten colours told apart with every common colour-vision
#: deficiency, and in grey print. "Other" is always the neutral grey.
PALETTE = [
    "#332288",
    "#88CCEE",
    "#44AA99",
    "#117733",
    "#999933",
    "#DDCC77",
    "#CC6677",
    "#882255",
    "#AA4499",
]
OTHER = "#BBBBBB"

_SVG = "http://www.w3.org/2000/svg"
#: Written back with the prefixes matplotlib writes (the SVG namespace: `_flattened`).
ElementTree.register_namespace("xlink", "http://www.w3.org/1999/xlink")
ElementTree.register_namespace("cc", "http://creativecommons.org/ns#")


@contextmanager
def _chart(width: float, height: float) -> Iterator[tuple[Figure, Axes]]:
    with matplotlib.rc_context(STYLE):
        figure = Figure(figsize=(width, height))
        yield figure, figure.subplots()


def money_axis(axes: Axes, currency: str) -> None:
    """The y axis in `currency` with thousands separators: £25,000, not 25000."""
    symbol = SYMBOLS.get(currency.upper())

    def label(value: float, _position: int) -> str:
        sign = "-" if value < 0 else ""
        return f"{sign}{symbol}{abs(value):,.0f}" if symbol else f"{value:,.0f} {currency}"

    axes.yaxis.set_major_formatter(FuncFormatter(label))
    axes.set_ylabel("")


#: No `<metadata>`: its creation time made each drawing of the same chart differ, and its
#: nine elements cost WeasyPrint a style and a draw each, in every chart.
_NO_METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    with matplotlib.rc_context(STYLE):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata=_NO_METADATA)
    svg = _flattened(buffer.getvalue())
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _flattened(svg: str) -> str:
    """`svg` without the groups matplotlib wraps each part in that carry only a name (half
    its elements): the same picture, which WeasyPrint draws faster, as it styles and draws
    every element one by one."""
    root = ElementTree.fromstring(svg)
    _flatten(root)
    # Its tags written bare under an explicit default namespace: ElementTree's own choice of
    # prefix for it is global, and another library (WeasyPrint) may have taken "" since.
    for element in root.iter():
        element.tag = element.tag.removeprefix(f"{{{_SVG}}}")
    root.set("xmlns", _SVG)
    return ElementTree.tostring(root, encoding="unicode") + "\n"


def _flatten(element: ElementTree.Element) -> None:
    children: list[ElementTree.Element] = []
    for child in element:
        _flatten(child)
        if child.tag == f"{{{_SVG}}}g" and set(child.attrib) <= {"id"}:
            children.extend(child)  # nothing to apply: its children stand in its place
        else:
            children.append(child)
    element[:] = children


def _empty(title: str) -> str:
    with _chart(7, 2.6) as (figure, axes):
        axes.set_title(title, loc="left")
        axes.text(
            0.5, 0.5, "no data for this period", ha="center", va="center", transform=axes.transAxes
        )
        axes.set_axis_off()
    return _svg(figure)


@cached
def stacked_bars(
    frame: pl.DataFrame, x: str, stack: str, value: str, title: str, currency: str
) -> str:
    """Stacked columns of `value` per `x`, one colour per `stack` (the 9 largest, the rest as Other)."""
    if frame.height == 0:
        return _empty(title)
    totals = frame.group_by(stack).agg(pl.col(value).sum()).sort(value, descending=True)
    keep = totals[stack].head(9).to_list()
    frame = frame.with_columns(
        pl.when(pl.col(stack).is_in(keep)).then(pl.col(stack)).otherwise(pl.lit("Other"))
    )
    wide = frame.pivot(stack, index=x, values=value, aggregate_function="sum").sort(x).fill_null(0)
    labels = [v.strftime("%b %y") if hasattr(v, "strftime") else str(v) for v in wide[x]]
    names = [c for c in wide.columns if c not in (x, "Other")]
    names += ["Other"] if "Other" in wide.columns else []
    with _chart(7, 2.8) as (figure, axes):
        bottom = [0.0] * wide.height
        for index, name in enumerate(names):
            heights = [float(v) for v in wide[name]]
            colour = OTHER if name == "Other" else PALETTE[index % len(PALETTE)]
            axes.bar(labels, heights, bottom=bottom, label=name, color=colour)
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        axes.set_title(title, loc="left")
        money_axis(axes, currency)
        axes.tick_params(axis="x", labelrotation=45)
        axes.legend(fontsize=7, ncols=5, frameon=False, loc="upper left", bbox_to_anchor=(0, -0.22))
    return _svg(figure)


@cached
def bars(labels: list[str], series: dict[str, list[float]], title: str, unit: str) -> str:
    """Grouped columns: one group per label, one bar per series; `unit` is the currency."""
    if not labels:
        return _empty(title)
    width = 0.8 / max(len(series), 1)
    with _chart(7, 2.6) as (figure, axes):
        for index, (name, values) in enumerate(series.items()):
            positions = [i + index * width for i in range(len(labels))]
            colour = PALETTE[index % len(PALETTE)]
            axes.bar(positions, values, width=width, label=name, color=colour)
        axes.set_xticks([i + width * (len(series) - 1) / 2 for i in range(len(labels))], labels)
        if len(labels) > 6:
            axes.tick_params(axis="x", labelrotation=45)
        axes.set_title(title, loc="left")
        money_axis(axes, unit)
        if len(series) > 1:
            axes.legend(fontsize=7, frameon=False)
    return _svg(figure)


@cached
def trend_line(
    months: list[str], values: list[float], targets: list[float], unit: str | None
) -> str:
    """A small line of a figure's months, its target as a dashed line; `unit` is the
    currency (None for a count). For the trends page, several to a row: no title (the page
    captions each one)."""
    with _chart(2.3, 0.9) as (figure, axes):
        axes.plot(
            range(len(values)), values, color=PALETTE[0], linewidth=1.4, marker="o", markersize=2
        )
        if targets:
            axes.step(
                range(len(targets)),
                targets,
                where="mid",
                color=PALETTE[3],
                linewidth=1,
                linestyle="--",
                label="target",
            )
        ticks = [0, len(months) - 1] if len(months) > 1 else [0]
        axes.set_xticks(ticks, [months[i] for i in ticks])
        axes.tick_params(labelsize=6)
        if unit:
            money_axis(axes, unit)
        axes.yaxis.set_major_locator(MaxNLocator(3))
        axes.set_ylim(bottom=min(0.0, *values, *targets))
    return _svg(figure)
