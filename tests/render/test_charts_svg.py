"""The charts' SVG as WeasyPrint draws it: matplotlib's picture element for element, without
the groups that carry only a name (each element costs WeasyPrint a style and a draw)."""

from __future__ import annotations

import base64
import io
import xml.etree.ElementTree as ElementTree

import matplotlib

from reports.render import charts

SVG = "{http://www.w3.org/2000/svg}"


def parts(svg: str) -> list[tuple[str, dict[str, str]]]:
    """Every element but the groups, in document order, with its attributes."""
    root = ElementTree.fromstring(svg)
    return [(e.tag, dict(e.attrib)) for e in root.iter() if e.tag != f"{SVG}g"]


def groups(svg: str) -> list[dict[str, str]]:
    return [dict(e.attrib) for e in ElementTree.fromstring(svg).iter(f"{SVG}g")]


def test_a_chart_keeps_every_part_and_only_the_groups_that_apply_something() -> None:
    # As charts.trend_line draws it, up to the SVG it writes.
    with charts._chart(2.3, 0.9) as (figure, axes):
        axes.plot(range(12), [float(i % 5) for i in range(12)], marker="o", markersize=2)
        axes.step(range(12), [3.0] * 12, where="mid", linestyle="--")
    raw = io.StringIO()
    with matplotlib.rc_context(charts.STYLE):
        figure.savefig(raw, format="svg", bbox_inches="tight")
    drawn = charts._flattened(raw.getvalue())
    assert parts(drawn) == parts(raw.getvalue())
    assert len(groups(drawn)) < len(groups(raw.getvalue())) / 3
    # What is left applies a clip, a style or a transform to what it holds.
    assert groups(drawn) and all(set(g) - {"id"} for g in groups(drawn))
    # Links (markers, clips) and text stay as matplotlib wrote them.
    assert 'xlink:href="#' in drawn and "<text " in drawn


def test_a_drawn_chart_is_the_flattened_picture() -> None:
    uri = charts.trend_line(["Sep 26", "Oct 26"], [1.0, 2.0], [], "GBP")
    svg = base64.b64decode(uri.removeprefix("data:image/svg+xml;base64,")).decode()
    assert svg.startswith("<svg ") and all(set(g) - {"id"} for g in groups(svg))


def test_the_svg_namespace_stays_the_default_whatever_another_library_registered() -> None:
    # WeasyPrint's PDF metadata registers "" (for no namespace) on import: it must not
    # turn every tag of a chart drawn afterwards into ns0:svg.
    ElementTree.register_namespace("", "")
    svg = charts._flattened(
        '<svg xmlns="http://www.w3.org/2000/svg"><g id="a"><path d="M 0 0"/></g></svg>'
    )
    assert svg == '<svg xmlns="http://www.w3.org/2000/svg"><path d="M 0 0" /></svg>\n'


def test_a_chart_drawn_twice_is_the_same_svg() -> None:
    # Nothing of the moment it was drawn (matplotlib's <metadata> dates each drawing).
    draw = charts.trend_line  # no cache in use: each call draws
    first = draw(["Sep 26", "Oct 26"], [1.0, 2.0], [], "GBP")
    assert first == draw(["Sep 26", "Oct 26"], [1.0, 2.0], [], "GBP")
    assert (
        "metadata"
        not in base64.b64decode(first.removeprefix("data:image/svg+xml;base64,")).decode()
    )
