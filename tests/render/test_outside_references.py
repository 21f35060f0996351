"""Nothing is fetched while a report renders: a commentary or a record naming an outside
address (a picture, a link, raw HTML) is shown as text, a template or logo naming one is
refused in one line, and a local HTTP server that counts every connection hears none."""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from factories import read_sandbox, sandbox_data
from helpers import pdf_pages

from reports.errors import TemplateError
from reports.render.commentary import firm_commentary
from reports.render.fetcher import LocalFetcher, OutsideReference
from reports.render.pdf import SHIPPED_BASE, write_monthly_pdf, write_statements
from reports.render.references import outside_references
from reports.render.templates import DEFAULT_TEMPLATES, Templates
from reports.render.views import monthly_context
from reports.render.web import write_monthly_html
from reports.report import ReportData
from reports.sandbox import Sizes

SMALL = Sizes(mobility_cases=8, plannr_cases=4, plannr_clients=4, willsuite_cases=12)
#: A one-pixel PNG, inside the commentary as a `data:` address: the one picture that shows.
PIXEL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAH"
    "ggJ/PchI7wAAAABJRU5ErkJggg=="
)


@dataclass
class Listener:
    """A local HTTP server that answers every request with a picture, and counts every
    connection made to it (a request, or only an attempt)."""

    port: int
    heard: list[str] = field(default_factory=list)

    def address(self, path: str) -> str:
        return f"127.0.0.1:{self.port}/{path}"


@pytest.fixture(scope="module")
def server() -> Iterator[Listener]:
    heard: list[str] = []

    class Answer(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            heard.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    class Counting(ThreadingHTTPServer):
        def verify_request(self, request: Any, client_address: Any) -> bool:
            heard.append(f"connection from {client_address[0]}")
            return True

    httpd = Counting(("127.0.0.1", 0), Answer)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    listener = Listener(httpd.server_address[1], heard)
    yield listener
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def listener(server: Listener) -> Listener:
    server.heard.clear()
    return server


@pytest.fixture(scope="module")
def data(server: Listener) -> ReportData:
    """A small month whose clients are named with markup that would fetch, and whose
    commentary names outside pictures and links in every way Markdown allows."""
    records = sandbox_data(seed=1, sizes=SMALL)
    for case in records.mobility_cases:
        case["client_name"] = f'<img src="http://{server.address("client.png")}"> Acme'
    for case in records.willsuite_cases:
        case["full_names"] = f'<img src="//{server.address("person.png")}"> Smith'
    built = read_sandbox(records).report("2026-10")
    source = (
        f"Markdown: ![pic](http://{server.address('md.png')}).\n\n"
        f'Raw: <img src="http://{server.address("raw.png")}"> and '
        f'<img src="//{server.address("x.png")}">.\n\n'
        f"A [link](https://{server.address('page')}), <http://{server.address('auto')}>, "
        f"[![nested](//{server.address('nested.png')})](http://{server.address('outer')}).\n\n"
        f"Inside: ![dot]({PIXEL}) and [the trends](#trends).\n"
    )
    return dataclasses.replace(built, commentary=firm_commentary(source, built, "test.md"))


def test_a_commentary_shows_outside_pictures_and_links_as_text(
    data: ReportData, server: Listener
) -> None:
    assert data.commentary is not None
    html = data.commentary.html
    assert outside_references(html) == []
    assert f"pic (picture not shown: http://{server.address('md.png')})" in html
    assert f"&lt;img src=&quot;http://{server.address('raw.png')}&quot;&gt;" in html
    assert f"A link (https://{server.address('page')})" in html
    assert f"http://{server.address('auto')}," in html
    assert f"nested (picture not shown: //{server.address('nested.png')})" in html
    assert "<a " not in html.replace('<a href="#trends">', "")
    assert html.count("<img ") == 1 and f'<img src="{PIXEL}"' in html


def test_the_reports_fetch_nothing_a_commentary_or_record_names(
    data: ReportData, listener: Listener, tmp_path: Path
) -> None:
    context = monthly_context(data)
    report = write_monthly_pdf(data, tmp_path / "report.pdf", context=context)
    assert listener.heard == []
    page = write_monthly_html(data, tmp_path / "report.html", context=context)
    owing = [s for s in data.statements if s.source == "willsuite"][:1]
    chosen = [next(s for s in data.statements if s.source == "mobility"), *owing]
    with ThreadPoolExecutor(1) as pool:
        rendered = write_statements(data, tmp_path / "local", executor=pool, statements=chosen)
        shipped = write_statements(
            data, tmp_path / "shipped", executor=pool, statements=chosen, ship_templates=True
        )
    assert listener.heard == []
    html = page.read_text(encoding="utf-8")
    assert outside_references(html) == []
    for fetching in ('src="http', 'src="//', "src='http", 'href="http://127', "url(http"):
        assert fetching not in html
    first = " ".join(pdf_pages(report)[0].split())
    assert f"pic (picture not shown: http://{listener.address('md.png')})" in first
    for done in (*rendered, *shipped):
        text = " ".join(" ".join(pdf_pages(Path(done.path))).split())
        assert "Acme" in text or "Smith" in text
        assert f"{listener.address('')}" in text  # the markup, shown as the text it is


def _firm_templates(folder: Path, listener: Listener) -> Templates:
    """The firm's copies of our templates, its style sheet importing an outside font."""
    folder.mkdir()
    for name in ("monthly.html", "statement.html"):  # their style sheet is beside them
        (folder / name).write_bytes((DEFAULT_TEMPLATES / name).read_bytes())
    for sheet in ("report.css", "statement.css"):
        css = (DEFAULT_TEMPLATES / sheet).read_text(encoding="utf-8")
        (folder / sheet).write_text(
            f'@import url("http://{listener.address("font.css")}");\n{css}', encoding="utf-8"
        )
    return Templates(folder)


def test_a_template_naming_an_outside_address_is_refused_in_one_line(
    data: ReportData, listener: Listener, tmp_path: Path
) -> None:
    templates = _firm_templates(tmp_path / "brand", listener)
    outside = f"http://{listener.address('font.css')}"
    context = monthly_context(data)
    with pytest.raises(TemplateError) as monthly:
        write_monthly_pdf(data, tmp_path / "report.pdf", templates, context)
    with pytest.raises(TemplateError) as page:
        write_monthly_html(data, tmp_path / "report.html", templates, context=context)
    with ThreadPoolExecutor(1) as pool, pytest.raises(TemplateError) as statement:
        write_statements(
            data, tmp_path / "out", templates, executor=pool, statements=data.statements[:1]
        )
    assert str(monthly.value) == (
        f"the monthly report (its templates or logo) refers to {outside}: a report reads only "
        "its templates, its logo and data: addresses, and fetches nothing from anywhere else"
    )
    assert str(page.value).startswith(f"the web report (its templates) refers to {outside}: ")
    assert str(statement.value).startswith(
        f"a statement (its templates or logo) refers to {outside}"
    )
    assert all("\n" not in str(e.value) for e in (monthly, page, statement))
    assert listener.heard == []
    assert not (tmp_path / "report.pdf").exists() and not (tmp_path / "report.html").exists()
    assert not list((tmp_path / "out").glob("*.pdf"))


def test_a_logo_naming_an_outside_picture_is_refused(
    data: ReportData, listener: Listener, tmp_path: Path
) -> None:
    logo = tmp_path / "logo.svg"
    logo.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
        f'<image href="http://{listener.address("logo.png")}" width="40" height="20"/></svg>',
        encoding="utf-8",
    )
    branded = dataclasses.replace(data, firm=dataclasses.replace(data.firm, logo=logo))
    refused = (
        f"a statement (its templates or logo) refers to http://{listener.address('logo.png')}:"
    )
    with ThreadPoolExecutor(1) as pool, pytest.raises(TemplateError, match=re.escape(refused)):
        write_statements(branded, tmp_path, executor=pool, statements=data.statements[:1])
    assert not list(tmp_path.glob("*.pdf"))
    assert listener.heard == []


def test_the_fetcher_reads_only_data_and_the_allowed_files(
    listener: Listener, tmp_path: Path
) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"logo")
    (tmp_path / "secret.txt").write_text("secret")
    fetcher = LocalFetcher((DEFAULT_TEMPLATES, logo))
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    css = fetcher.fetch((DEFAULT_TEMPLATES / "report.css").as_uri())
    assert css.content_type == "text/css"
    assert css.read() == (DEFAULT_TEMPLATES / "report.css").read_bytes()
    assert fetcher.fetch(logo.as_uri()).read() == b"logo"
    outside = [
        f"http://{listener.address('x.png')}",
        f"https://{listener.address('x.png')}",
        f"ftp://{listener.address('x.png')}",
        f"file://{listener.address('x.png')}",  # what `//host/x.png` becomes on a file: page
        (tmp_path / "secret.txt").as_uri(),
        f"{DEFAULT_TEMPLATES.as_uri()}/../README.md",
        "file:///etc/passwd",
    ]
    for address in outside:
        with pytest.raises(OutsideReference):
            fetcher.fetch(address)
    assert fetcher.refused == outside
    shipped = LocalFetcher(shipped={"report.css": b"p {}"}, base=SHIPPED_BASE)
    assert shipped.fetch(f"{SHIPPED_BASE}report.css").read() == b"p {}"
    with pytest.raises(FileNotFoundError):  # missing, as a file missing from a folder is
        shipped.fetch(f"{SHIPPED_BASE}other.css")
    with pytest.raises(OutsideReference):
        shipped.fetch((DEFAULT_TEMPLATES / "report.css").as_uri())
    assert listener.heard == []
