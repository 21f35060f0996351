"""A statement is parsed without WeasyPrint's default styles for footnotes and notes
(`render.statement_html`): it renders to the same bytes as with them, and WeasyPrint
computes no style for a note of any of its elements."""

from __future__ import annotations

import pytest
from factories import sandbox_month
from weasyprint import HTML
from weasyprint.css import StyleFor
from weasyprint.html import UA

from reports.render.fetcher import LocalFetcher
from reports.render.pdf import (
    ARCHIVAL,
    STATEMENT_STYLESHEET,
    _font_config,
    _stylesheet,
    readable_files,
    render_pdf,
)
from reports.render.statement_html import NOTE_RULES
from reports.render.templates import Templates
from reports.render.views import statement_context
from reports.report import ReportData


@pytest.fixture(scope="module")
def data() -> ReportData:
    """October over the default sandbox's records, for the demo's firm."""
    return sandbox_month().report("2026-10")


def test_the_default_style_sheet_has_the_note_rules_left_out() -> None:
    """Each rule left out is one line of WeasyPrint's sheet: if a new WeasyPrint wrote them
    otherwise, nothing would be left out, and this says so."""
    left_out = [line for line in UA.splitlines() if line.startswith(NOTE_RULES)]
    assert len(left_out) == 5 and all(line.rstrip().endswith("}") for line in left_out)


def test_a_statement_renders_the_same_with_fewer_styles_computed(
    data: ReportData, monkeypatch: pytest.MonkeyPatch
) -> None:
    templates = Templates()
    base_url = templates.base_url("statement.html")
    readable = readable_files(templates, data.firm.logo)
    owing = next(s for s in data.statements if s.source == "willsuite" and s.balance)
    html = templates.render("statement.html", **statement_context(data, owing))

    computed: list[str | None] = []
    original = StyleFor.set_computed_styles

    def counting(self: StyleFor, element: object, *args: object, **kwargs: object) -> None:
        computed.append(kwargs.get("pseudo_type"))  # type: ignore[arg-type]
        original(self, element, *args, **kwargs)

    monkeypatch.setattr(StyleFor, "set_computed_styles", counting)
    ours = render_pdf(html, base_url, readable=readable, stylesheets=(STATEMENT_STYLESHEET,))
    notes = [p for p in computed if p and p.startswith(("footnote", "note"))]
    computed.clear()
    fetcher = LocalFetcher(readable)
    sheet = _stylesheet(STATEMENT_STYLESHEET, base_url, fetcher)
    whole = HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf(
        font_config=_font_config(), stylesheets=[sheet], **ARCHIVAL.options()
    )
    assert ours == whole  # the same document, byte for byte
    assert notes == [] and len([p for p in computed if p and "note" in p]) > 100
