"""Statements as a client reads them (pypdf's text of the rendered PDFs): the firm's
letterhead and numbers, the client's own reference, an account summary, each invoice's
status, every total, how to pay, and an attachment name a client would accept."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from factories import sandbox_month
from helpers import pdf_pages

from reports.config import FirmSettings
from reports.render.file_names import attachment_names
from reports.render.pdf import RenderedStatement, write_statements
from reports.render.templates import DEFAULT_TEMPLATES, Templates, money
from reports.report import ReportData
from reports.report.model import Stamp, Standing, Statement


@pytest.fixture(scope="module")
def data() -> ReportData:
    """October over the default sandbox's records, for the demo's firm."""
    return sandbox_month().report("2026-10")


def chosen(data: ReportData) -> list[Statement]:
    """A mobility client's, a WillSuite client's with an overdue invoice, and one part paid."""
    willsuite = [s for s in data.statements if s.source == "willsuite"]
    statuses = [set(s.invoices["status"]) for s in willsuite]
    return [
        next(s for s in data.statements if s.source == "mobility"),
        next(
            s
            for s, found in zip(willsuite, statuses, strict=True)
            if "paid" in found and any(st.startswith("overdue") for st in found)
        ),
        next(
            s
            for s, found in zip(willsuite, statuses, strict=True)
            if any(st.startswith("part paid") for st in found)
        ),
    ]


@pytest.fixture(scope="module")
def rendered(data: ReportData, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("statements")
    done: list[RenderedStatement] = write_statements(data, folder, statements=chosen(data))
    return {r.entry.key: " ".join(" ".join(pdf_pages(r.path)).split()) for r in done}


def test_each_statement_carries_the_firm_and_how_to_pay(
    data: ReportData, rendered: dict[str, str]
) -> None:
    firm = data.firm
    for statement in chosen(data):
        text = rendered[statement.key]
        assert firm.name in text
        for line in firm.address:
            assert line in text
        assert f"VAT no. {firm.vat_number}" in text
        assert f"Company no. {firm.company_number}" in text
        # How to pay where something is owed; an expenses statement asks for nothing.
        owed = statement.standing is Standing.OWED
        assert statement.source == "mobility" or owed
        assert firm.payment_details is not None and (firm.payment_details in text) == owed
        assert f"Your reference {statement.reference}" in text
        quote = f"please quote {statement.payment_reference} as the payment reference."
        assert text.count(quote) == owed  # on the slip, and only there
        assert statement.key not in text  # never an internal key
        assert "Statement date 31 Oct 2026" in text
        assert "Period 01 Oct 2026 to 31 Oct 2026" in text


def test_a_willsuite_statement_summarises_the_account_and_each_invoice(
    data: ReportData, rendered: dict[str, str]
) -> None:
    for statement in chosen(data)[1:]:
        text = rendered[statement.key]
        t = statement.totals
        gbp = lambda value: money(value, "GBP")  # noqa: E731
        a = statement.activity
        assert a is not None
        # The account's summary is the activity's first and last rows, printed once.
        assert f"01 Oct 2026 Opening balance {gbp(a.opening)}" in text
        closing = f"31 Oct 2026 Closing balance {gbp(a.invoiced)} {gbp(a.paid)} {gbp(a.closing)}"
        assert closing in text
        assert (a.invoiced, a.paid) == (t.invoiced_this_period, t.paid_this_period)
        assert f"Amount due at 31 Oct 2026 {gbp(t.outstanding)}" in text
        ageing = (t.owed_current, t.owed_1_30, t.owed_31_60, t.owed_61_90, t.owed_over_90)
        assert sum(ageing) == t.outstanding
        # By days overdue where it is owed in more than one band; in one, the statuses say it.
        bands = " ".join(gbp(v) for v in ageing)
        assert (bands in text) == (len([v for v in ageing if v]) > 1)
        for row in statement.invoices.iter_rows(named=True):
            assert f"{row['invoice_number']} " in text
            assert row["status"] in text
            assert row["paid_to_date"] + row["outstanding"] == row["total"]
        total = (
            f"Total {gbp(t.invoiced_net)} {gbp(t.invoiced_vat)} {gbp(t.invoiced)} "
            f"{gbp(t.paid)} {gbp(t.outstanding)}"
        )
        # A total of one invoice would repeat its row.
        assert (total in text) == (statement.invoices.height > 1)
        assert t.outstanding == statement.invoices["outstanding"].sum()
    part = chosen(data)[2].invoices.filter(pl.col("status").str.starts_with("part paid"))
    assert part.height and (part["paid_to_date"] > 0).all() and (part["outstanding"] > 0).all()


def test_a_mobility_statement_totals_its_expenses_apart_from_what_is_owed(
    data: ReportData, rendered: dict[str, str]
) -> None:
    statement = chosen(data)[0]
    text = rendered[statement.key]
    t = statement.totals
    for label, value in (
        ("Invoiced", t.expenses_invoiced),
        ("To be invoiced (approved)", t.expenses_to_be_invoiced),
        ("Awaiting approval (pending)", t.expenses_awaiting_approval),
        ("Expenses this month", t.expenses),
    ):
        assert f"{label} {money(value, 'GBP')}" in text
    assert "not yet owed" in text and "Outstanding" not in text
    for case in statement.expenses["case"].unique():
        assert case in text  # each expense's case, by the order number the client knows


def test_attachment_names_are_ones_a_client_would_accept() -> None:
    def statement(key: str, client: str, reference: str | None) -> Statement:
        empty = pl.DataFrame()
        from reports.report.model import StatementTotals

        return Statement(
            key, "x", client, None, reference, (), empty, empty, empty, empty, StatementTotals()
        )

    names = attachment_names(
        [
            statement("mobility-1", "Acme Ltd", "1"),
            statement("willsuite-a", "John Smith", "REF-A"),
            statement("willsuite-b", "john smith", "REF-B"),
            statement("mobility-ACME", "Twin Ltd", "ACME"),
            statement("mobility-acme", "Twin Ltd", "acme"),
            statement("mobility-2", "Evil/..\\:Corp\u202e Ltd", "2"),
        ],
        "2026-10",
    )
    assert names["mobility-1"] == "Statement - Acme Ltd - 2026-10.pdf"
    assert names["willsuite-a"] == "Statement - John Smith (REF-A) - 2026-10.pdf"
    assert names["willsuite-b"] == "Statement - john smith (REF-B) - 2026-10.pdf"
    assert names["mobility-ACME"] != names["mobility-acme"]
    assert names["mobility-ACME"].casefold() != names["mobility-acme"].casefold()
    assert names["mobility-2"] == "Statement - Evil .. Corp Ltd - 2026-10.pdf"


def test_a_firm_with_no_details_still_gets_a_clean_statement(
    data: ReportData, tmp_path: Path
) -> None:
    bare = replace(data, firm=FirmSettings(name="Bare & Co"))
    (done,) = write_statements(bare, tmp_path, statements=chosen(data)[1:2])
    text = " ".join(" ".join(pdf_pages(Path(done.path))).split())
    assert "Bare & Co" in text and "VAT no." not in text and "None" not in text


class CountingExecutor(ThreadPoolExecutor):
    """Renders in threads, counting what it is given: what a rerun really renders."""

    def __init__(self) -> None:
        super().__init__(max_workers=2)
        self.submitted = 0

    def submit(self, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        self.submitted += 1
        return super().submit(*args, **kwargs)


def test_a_rerun_renders_only_the_statements_whose_content_changed(
    data: ReportData, tmp_path: Path
) -> None:
    three = chosen(data)
    first, second, third = tmp_path / "first", tmp_path / "second", tmp_path / "third"
    with CountingExecutor() as pool:
        done = write_statements(data, first, executor=pool, statements=three)
        assert pool.submitted == 3 and not any(r.reused for r in done)
    with CountingExecutor() as pool:
        again = write_statements(data, second, executor=pool, statements=three, reuse_from=first)
        assert pool.submitted == 0 and all(r.reused for r in again)
    for before, after in zip(done, again, strict=True):
        assert Path(before.path).read_bytes() == Path(after.path).read_bytes()
    # One client's data changes: that statement alone is rendered again.
    changed = [three[0], replace(three[1], client=three[1].client + " (renamed)"), three[2]]
    with CountingExecutor() as pool:
        third_run = write_statements(
            data, third, executor=pool, statements=changed, reuse_from=second
        )
        assert pool.submitted == 1
    assert [r.reused for r in third_run] == [True, False, True]
    assert "(renamed)" in " ".join(pdf_pages(Path(third_run[1].path)))
    # A file changed on disk since it was written is never reused.
    tampered = Path(again[0].path)
    tampered.write_bytes(tampered.read_bytes() + b"%")
    with CountingExecutor() as pool:
        write_statements(
            data, tmp_path / "fourth", executor=pool, statements=three, reuse_from=second
        )
        assert pool.submitted == 1


def test_an_approval_renders_no_statement_and_another_template_every_one(
    data: ReportData, tmp_path: Path
) -> None:
    three = chosen(data)
    write_statements(data, tmp_path / "draft", executor=ThreadPoolExecutor(2), statements=three)
    # Statements carry no approval stamp: the draft's are the approved month's.
    approved = replace(data, stamp=Stamp.approved("Jo", dt.datetime(2026, 11, 2, tzinfo=dt.UTC)))
    with CountingExecutor() as pool:
        again = write_statements(
            approved,
            tmp_path / "approved",
            executor=pool,
            statements=three,
            reuse_from=tmp_path / "draft",
        )
        assert pool.submitted == 0
    assert all(r.reused for r in again)
    own = tmp_path / "templates"
    own.mkdir()
    (own / "report.css").write_text(
        (DEFAULT_TEMPLATES / "report.css").read_text() + "\n/* ours */\n"
    )
    with CountingExecutor() as pool:
        write_statements(
            approved,
            tmp_path / "restyled",
            Templates(own),
            executor=pool,
            statements=three,
            reuse_from=tmp_path / "approved",
        )
        assert pool.submitted == 3


def test_a_statement_style_sheet_changed_between_runs_is_the_one_used(
    data: ReportData, tmp_path: Path
) -> None:
    # One thread renders every statement, so the sheet parsed for the first run is at hand
    # for the second: the second must still see the firm's change.
    own = tmp_path / "templates"
    own.mkdir()
    # The sheet beside the firm's statement template is the statement's.
    (own / "statement.html").write_bytes((DEFAULT_TEMPLATES / "statement.html").read_bytes())
    sheet = (DEFAULT_TEMPLATES / "statement.css").read_text()
    texts = []
    with ThreadPoolExecutor(1) as pool:
        for house in ("first house style", "second house style"):
            (own / "statement.css").write_text(
                sheet + f'\nh1::after {{ content: " ({house})"; }}\n'
            )
            (done,) = write_statements(
                data, tmp_path / house, Templates(own), executor=pool, statements=chosen(data)[:1]
            )
            texts.append(" ".join(pdf_pages(Path(done.path))))
    assert "(first house style)" in texts[0] and "(second house style)" in texts[1]
    assert "(first house style)" not in texts[1]
