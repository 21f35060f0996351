"""A statement as WeasyPrint parses it: its HTML, styled by WeasyPrint's default style sheet
less the rules for footnotes and notes, which no statement has.

Those rules select pseudo-elements of every element (`::footnote-call`, `::note-marker`, ...),
so WeasyPrint computes five styles more for each element of a page, used by none of them:
some 5 % of a statement's time (benchmarks/pdf.py). Without them a statement renders to the
same bytes. `::marker` stays: a firm's own template may have lists.
"""

from __future__ import annotations

from functools import cache
from typing import Any

#: The default style sheet's rules that only footnotes and notes use, by how each starts.
NOTE_RULES = ("::footnote-", "::note-")


@cache
def user_agent_sheet() -> Any:
    """WeasyPrint's default (user agent) style sheet without `NOTE_RULES`, parsed once a
    process; each of those rules is one line of it."""
    from weasyprint import CSS
    from weasyprint.html import UA, UA_COUNTER_STYLE

    kept = [line for line in UA.splitlines() if not line.startswith(NOTE_RULES)]
    return CSS(string="\n".join(kept), counter_style=UA_COUNTER_STYLE)


@cache
def _statement_html() -> Any:
    """`weasyprint.HTML` styled by `user_agent_sheet` instead of the full default sheet."""
    from weasyprint import HTML
    from weasyprint.html import UA_FORM_STYLESHEET

    class StatementHTML(HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [user_agent_sheet(), *([UA_FORM_STYLESHEET] if forms else [])]

    return StatementHTML


def statement_html(**options: Any) -> Any:
    """`weasyprint.HTML(**options)` for a statement: styled by `user_agent_sheet`."""
    return _statement_html()(**options)
