"""A statement a client can pay from: WillSuite's activity statement (opening balance, each
invoice and payment with the running balance, the closing balance as the amount due, a pay-by
date and a remittance slip), "How to pay" only where something is owed, and the mobility
platform's expenses statement, which asks for nothing. Read back from the rendered PDFs with
pypdf; the balance rules on hand-made invoices."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from factories import sandbox_month
from helpers import pdf_pages
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from reports.compute import activity, invoicing, vat
from reports.periods import Month
from reports.render.pdf import write_statements
from reports.render.templates import day, money
from reports.report import ReportData
from reports.report.context import ReportContext
from reports.report.model import Standing, Statement, StatementKind
from reports.sources.willsuite import WILLSUITE_INVOICE_ITEMS, WILLSUITE_INVOICES
from reports.sources.willsuite.report import contribution

D = Decimal
MONTH = Month.parse("2026-10")
START, END = MONTH.start, MONTH.end


def gbp(value: Decimal) -> str:
    return money(value, "GBP")


@pytest.fixture(scope="module")
def data() -> ReportData:
    """October over the default sandbox's records, for the demo's firm."""
    return sandbox_month().report(MONTH)


def willsuite(data: ReportData) -> list[Statement]:
    return [s for s in data.statements if s.source == "willsuite"]


def test_every_demo_statement_balances(data: ReportData) -> None:
    """Opening + invoiced - paid = closing, exactly, and row by row."""
    statements = willsuite(data)
    assert len(statements) > 50
    for s in statements:
        a = s.activity
        assert a is not None
        assert a.opening + a.invoiced - a.paid == a.closing == s.balance == s.totals.outstanding
        balance = a.opening
        for row in a.rows.iter_rows(named=True):
            balance += (row["invoiced"] or 0) - (row["paid"] or 0)
            assert row["balance"] == balance
        assert balance == a.closing
        ageing = (s.totals.owed_current, s.totals.owed_1_30, s.totals.owed_31_60)
        assert sum(ageing) + s.totals.owed_61_90 + s.totals.owed_over_90 == a.closing
        assert a.rows["date"].is_between(START, END).all()
        assert (a.rows["date"].diff().drop_nulls() >= dt.timedelta(0)).all()
    # The demo month has every kind: balances brought forward, payments, and settled ones.
    assert any(s.activity and s.activity.opening > 0 for s in statements)
    assert any(s.activity and s.activity.paid > 0 for s in statements)
    assert any(s.standing is Standing.SETTLED for s in statements)


def kinds(data: ReportData) -> list[Statement]:
    """One WillSuite statement of each shape the demo month has (settled or owing, with a
    balance brought forward or not, paid in the month or not, overdue or not, part paid),
    and a mobility one: the ones rendered and read back."""
    chosen: dict[tuple[object, ...], Statement] = {}
    for s in willsuite(data):
        a = s.activity
        assert a is not None
        statuses = set(s.invoices["status"])
        shape = (
            s.standing,
            a.opening > 0,
            a.paid > 0,
            a.invoiced > 0,
            a.overdue,
            any(status.startswith("part paid") for status in statuses),
        )
        chosen.setdefault(shape, s)
    mobility = next(s for s in data.statements if s.source == "mobility")
    return [*chosen.values(), mobility]


@pytest.fixture(scope="module")
def rendered(data: ReportData, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("activity")
    done = write_statements(data, folder, statements=kinds(data))
    return {r.entry.key: r.path for r in done}


def text_of(path: Path) -> str:
    return " ".join(" ".join(pdf_pages(path)).split())


AMOUNT = r"(-?£[\d,]+\.\d\d)"


def amount(printed: str) -> Decimal:
    return D(printed.replace("£", "").replace(",", ""))


def test_the_activity_reads_back_from_the_pdf_and_balances(
    data: ReportData, rendered: dict[str, Path]
) -> None:
    """Each line of activity, as printed: its amount and the balance after it; the balances
    chain from the opening to the closing, which is the slip's amount due."""
    checked = 0
    for s in kinds(data):
        if s.activity is None:
            continue
        text = text_of(rendered[s.key])
        found = re.search(rf"{day(START)} Opening balance {AMOUNT}", text)
        assert found, s.client
        balance = amount(found[1])
        assert balance == s.activity.opening
        for row in s.activity.rows.iter_rows(named=True):
            due = f" {day(row['due_date'])}" if row["due_date"] else ""
            line = rf"{day(row['date'])} {row['kind']} {re.escape(row['invoice_number'])}{due}"
            found = re.search(rf"{line} {AMOUNT} {AMOUNT}", text)
            assert found, (s.client, line)
            moved, after = amount(found[1]), amount(found[2])
            balance += moved if row["kind"] in ("Invoice", "Credit note") else -moved
            assert after == balance
            text = text[found.end() :]  # the next line is after this one
        found = re.search(rf"{day(END)} Closing balance {AMOUNT} {AMOUNT} {AMOUNT}", text)
        assert found, s.client
        assert amount(found[3]) == balance == s.activity.closing
        whole = text_of(rendered[s.key])
        # The activity's opening and closing rows are the summary: printed once, not again.
        assert "Account summary" not in whole and "Invoiced this period" not in whole
        if s.activity.closing > 0:
            slip = whole[whole.index("Remittance advice - please return with your payment") :]
            assert f"Amount due at {day(END)} {gbp(balance)}" in slip
            assert f"Client {s.client}" in slip and f"Reference {s.payment_reference}" in slip
            pay_by = s.activity.pay_by
            assert pay_by is not None
            when = f"now (due {day(pay_by)})" if pay_by < END else day(pay_by)
            assert f"Pay by {when}" in slip
            assert s.activity.overdue == (pay_by < END)
            assert f"How to pay {data.firm.payment_details}" in slip
        checked += 1
    assert checked >= 4


def test_how_to_pay_only_where_something_is_owed(
    data: ReportData, rendered: dict[str, Path]
) -> None:
    for s in kinds(data):
        text = text_of(rendered[s.key])
        owed = s.balance is not None and s.balance > 0
        assert ("How to pay" in text) == owed, s.client
        assert ("Remittance advice" in text) == owed, s.client
        assert ("Nothing is owed at 31 Oct 2026." in text) == (s.balance == 0), s.client
        if owed:
            # Once, on the slip: the body repeats neither the amount nor how to pay it.
            assert text.count(f"Amount due at 31 Oct 2026 {gbp(s.balance or D(0))}") == 1
            assert text.count("How to pay") == 1 and "Please pay" not in text


def test_a_mobility_statement_is_an_expenses_statement(
    data: ReportData, rendered: dict[str, Path]
) -> None:
    s = kinds(data)[-1]
    assert s.kind is StatementKind.EXPENSES
    path = rendered[s.key]
    text = text_of(path)
    assert text.count("Expenses statement") == 1  # the heading, beside the client
    assert f"expenses statement for {s.client}, October 2026" in text  # the running header
    assert "not a request for payment" in text
    for absent in ("How to pay", "Remittance advice", "quote", "Nothing is owed", "Amount due"):
        assert absent not in text
    metadata = PdfReader(path).metadata
    assert (
        metadata is not None
        and metadata.title == f"Expenses statement for {s.client}, October 2026"
    )


def test_no_column_is_printed_empty(data: ReportData, tmp_path: Path) -> None:
    """WillSuite's cases have no status: no statement prints a Status column for them; a
    source whose cases have one does."""
    ws = willsuite(data)[0]
    assert ws.cases["status"].is_null().all()
    mobility = next(s for s in data.statements if s.source == "mobility")
    assert mobility.cases["status"].is_not_null().any()
    bare = replace(
        mobility, key="mobility-bare", cases=mobility.cases.with_columns(status=pl.lit(None))
    )
    done = write_statements(data, tmp_path, statements=[ws, mobility, bare])
    texts = [text_of(Path(r.path)) for r in done]
    assert "Status Opened" not in texts[0] and "Your cases" not in texts[0]
    assert "Reference Case Status Opened" in texts[1]
    assert "Reference Case Opened" in texts[2] and "Status Opened" not in texts[2]
    for row in ws.invoices.iter_rows(named=True):
        assert row["status"]  # the invoices' Status column is WillSuite's own, and filled


# ---------------------------------------------------------------- the rules, by hand


def invoice(
    number: str,
    total: str,
    created: str,
    *,
    paid: str | None = None,
    status: str | None = None,
    case: str = "case-1",
) -> dict[str, Any]:
    gross = D(total)
    return {
        "id": f"inv-{number}",
        "customer_case_id": case,
        "invoice_number": number,
        "date_created": f"{created} 00:00:00",
        "date_due": f"{dt.date.fromisoformat(created) + dt.timedelta(days=30)} 00:00:00",
        "date_paid": f"{paid} 00:00:00" if paid else None,
        "subtotal": gross,
        "vat_amount": D(0),
        "total": gross,
        "recipients_name": "A. Client",
        "status": status or ("Paid" if paid else "Not Paid"),
    }


def line(number: str, index: int, amount: str, paid_at: str | None = None) -> dict[str, Any]:
    gross = D(amount)
    return {
        "id": f"line-{number}-{index}",
        "case_invoice_id": f"inv-{number}",
        "customer_case_id": "case-1",
        "quantity": D(1),
        "rate": gross,
        "subtotal": gross,
        "vat_amount": D(0),
        "amount": gross,
        "has_vat": False,
        "paid_at": f"{paid_at} 12:00:00" if paid_at else None,
    }


def context(invoices: list[dict[str, Any]], items: list[dict[str, Any]]) -> ReportContext:
    frame = WILLSUITE_INVOICES.build(invoices)
    lines = vat.invoice_lines(frame, WILLSUITE_INVOICE_ITEMS.build(items))
    empty = pl.DataFrame()
    return ReportContext(
        month=MONTH,
        report_currency="GBP",
        frames={},
        stated_expenses=empty,
        expenses=empty,
        month_expenses=empty,
        invoices=frame,
        lines=lines,
        payments=invoicing.line_payments(lines, END),
    )


def statement_of(
    invoices: list[dict[str, Any]], items: list[dict[str, Any]]
) -> tuple[Statement, pl.DataFrame]:
    part = contribution({}, context(invoices, items))
    (statement,) = part.statements
    return statement, pl.concat(part.flags)


def rows(statement: Statement) -> list[tuple[Any, ...]]:
    assert statement.activity is not None
    return statement.activity.rows.select(
        "date", "kind", "invoice_number", "paid", "balance"
    ).rows()


def test_an_invoice_paid_in_part_before_the_period_and_in_part_in_it() -> None:
    statement, flags = statement_of(
        [invoice("A", "300.00", "2026-09-10")],
        [line("A", 1, "100.00", "2026-09-20"), line("A", 2, "200.00", "2026-10-12")],
    )
    a = statement.activity
    assert a is not None
    assert (a.opening, a.invoiced, a.paid, a.closing) == (D("200"), D(0), D("200"), D(0))
    assert rows(statement) == [(dt.date(2026, 10, 12), "Payment", "A", D("200"), D(0))]
    assert statement.standing is Standing.SETTLED and a.pay_by is None
    assert flags.height == 0


def test_a_payment_in_the_period_for_an_earlier_invoice() -> None:
    statement, _ = statement_of(
        [
            invoice("A", "500.00", "2026-08-01", paid="2026-10-05"),
            invoice("B", "120.00", "2026-10-20"),
        ],
        [line("A", 1, "500.00", "2026-10-05"), line("B", 1, "120.00")],
    )
    a = statement.activity
    assert a is not None
    assert (a.opening, a.invoiced, a.paid, a.closing) == (D(500), D(120), D(500), D(120))
    assert rows(statement) == [
        (dt.date(2026, 10, 5), "Payment", "A", D(500), D(0)),
        (dt.date(2026, 10, 20), "Invoice", "B", None, D(120)),
    ]
    assert a.pay_by == dt.date(2026, 11, 19) and not a.overdue
    assert statement.totals.paid_this_period == D(500)


def test_a_whole_invoice_paid_on_its_date_whatever_its_lines_say() -> None:
    """`date_paid` pays the header total that day, even where a line was paid before."""
    statement, _ = statement_of(
        [invoice("A", "300.00", "2026-10-01", paid="2026-10-25")],
        [line("A", 1, "100.00", "2026-10-08"), line("A", 2, "150.00")],  # lines short by 50
    )
    assert [(r[0], r[1], r[3], r[4]) for r in rows(statement)] == [
        (dt.date(2026, 10, 1), "Invoice", None, D(300)),
        (dt.date(2026, 10, 8), "Payment", D(100), D(200)),
        (dt.date(2026, 10, 25), "Payment", D(200), D(0)),
    ]


def test_a_credit_note_is_a_credit_line_reducing_the_balance() -> None:
    statement, flags = statement_of(
        [
            invoice("A", "400.00", "2026-10-02"),
            invoice("CN1", "-120.00", "2026-10-09"),  # not paid, no date_paid
        ],
        [line("A", 1, "400.00"), line("CN1", 1, "-120.00")],
    )
    a = statement.activity
    assert a is not None
    assert rows(statement) == [
        (dt.date(2026, 10, 2), "Invoice", "A", None, D(400)),
        (dt.date(2026, 10, 9), "Credit note", "CN1", None, D(280)),
    ]
    assert (a.opening, a.invoiced, a.paid, a.closing) == (D(0), D(280), D(0), D(280))
    assert statement.totals.outstanding == D(280) and statement.totals.owed_current == D(280)
    credit = statement.invoices.filter(pl.col("invoice_number") == "CN1").row(0, named=True)
    assert (credit["status"], credit["outstanding"], credit["paid_to_date"]) == (
        "credit",
        D(-120),
        D(0),
    )
    assert flags.select("record", "check").rows() == [("CN1", "credit note not refunded")]
    # The debt figures count it as the statement does: a credit, owing its negative total.
    positions = invoicing.invoice_positions(
        context([invoice("CN1", "-120.00", "2026-10-09")], []).invoices, END
    )
    assert positions.select("paid", "outstanding").rows() == [(False, D(-120))]


def test_a_credit_alone_is_in_credit_and_a_refund_raises_the_balance() -> None:
    credit, _ = statement_of([invoice("CN1", "-75.00", "2026-09-15")], [])
    assert credit.activity is not None and credit.activity.opening == D(-75)
    assert credit.standing is Standing.IN_CREDIT and credit.credit == D(75)
    refunded, _ = statement_of([invoice("CN1", "-75.00", "2026-09-15", paid="2026-10-03")], [])
    assert rows(refunded) == [(dt.date(2026, 10, 3), "Refund", "CN1", D(-75), D(0))]
    assert refunded.standing is Standing.SETTLED


def test_odd_records_still_balance_and_are_flagged() -> None:
    statement, flags = statement_of(
        [
            # Paid three days before it was issued: shown paid on its own date.
            invoice("A", "90.00", "2026-10-10", paid="2026-10-07"),
            # "Paid", with no date to count the payment by: still owed.
            invoice("B", "60.00", "2026-09-01", status="Paid"),
        ],
        [line("A", 1, "90.00", "2026-10-07"), line("B", 1, "60.00")],
    )
    a = statement.activity
    assert a is not None
    assert rows(statement) == [
        (dt.date(2026, 10, 10), "Invoice", "A", None, D(150)),
        (dt.date(2026, 10, 10), "Payment", "A", D(90), D(60)),
    ]
    assert a.opening + a.invoiced - a.paid == a.closing == D(60)
    assert a.overdue and a.pay_by == dt.date(2026, 10, 1)
    assert sorted(flags.select("record", "check", "action").rows()) == [
        (
            "A",
            "paid before its invoice date",
            "on its client's statement, paid on its invoice date",
        ),
        (
            "B",
            "paid with no payment date",
            "owed on its client's statement until a payment date is recorded",
        ),
    ]


DAYS = st.dates(dt.date(2026, 8, 1), dt.date(2026, 11, 30))


@st.composite
def ledgers(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    invoices, items = [], []
    for n in range(draw(st.integers(1, 5))):
        number = f"N{n}"
        created = draw(DAYS)
        paid = draw(st.none() | DAYS)
        amounts = draw(st.lists(st.integers(-20_000, 90_000), min_size=1, max_size=3))
        header = draw(st.sampled_from(["lines", "more", "less"]))
        total = sum(amounts) + {"lines": 0, "more": 500, "less": -500}[header]
        record = invoice(number, f"{D(total) / 100:.2f}", created.isoformat())
        record.update(
            date_paid=f"{paid} 00:00:00" if paid else None,
            customer_case_id=draw(st.sampled_from(["c1", "c2"])),
        )
        invoices.append(record)
        for index, pennies in enumerate(amounts):
            paid_at = draw(st.none() | DAYS)
            items.append(
                line(number, index, f"{D(pennies) / 100:.2f}", str(paid_at) if paid_at else None)
            )
    return invoices, items


@settings(max_examples=60, deadline=None)
@given(ledgers())
def test_any_records_balance(ledger: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
    """Whatever the dates and amounts (paid before issued, lines that do not add up to the
    header, credit notes, refunds), every account's lines chain from its opening balance to
    its closing one, which is what its invoices owe at the end."""
    invoices, items = ledger
    frame = WILLSUITE_INVOICES.build(invoices)
    lines = vat.invoice_lines(frame, WILLSUITE_INVOICE_ITEMS.build(items))
    account = activity.account_activity(frame, lines, START, END)
    opening = dict(account.opening.iter_rows())
    closing = dict(account.after.group_by("case_id").agg(pl.col("outstanding").sum()).iter_rows())
    assert set(opening) == set(closing)
    for case, owed in closing.items():
        events = account.events.filter(pl.col("account") == case)
        moved = (events["invoiced"].fill_null(0) - events["paid"].fill_null(0)).sum()
        assert opening[case] + moved == owed
        assert events["balance"].to_list()[-1:] in ([], [owed])
        assert events["date"].is_between(START, END).all()


def test_a_client_in_credit_is_told_so_and_not_how_to_pay(data: ReportData, tmp_path: Path) -> None:
    statement, _ = statement_of(
        [
            invoice("A", "100.00", "2026-09-01", paid="2026-09-20"),
            invoice("CN1", "-75.00", "2026-10-15"),
        ],
        [line("A", 1, "100.00", "2026-09-20"), line("CN1", 1, "-75.00")],
    )
    assert statement.standing is Standing.IN_CREDIT
    (done,) = write_statements(data, tmp_path, statements=[statement])
    text = text_of(Path(done.path))
    assert "15 Oct 2026 Credit note CN1 -£75.00 -£75.00" in text
    assert text.count("In credit") == 1 and "In credit: £75.00 at 31 Oct 2026." in text
    for absent in ("How to pay", "Remittance advice", "Nothing is owed", "Amount due"):
        assert absent not in text


def test_the_ageing_and_the_invoice_total_only_where_they_add_to_the_rows(
    data: ReportData, tmp_path: Path
) -> None:
    """What is owed by days overdue is printed where it is owed in more than one band, and
    the invoices' total row where there is more than one invoice: otherwise each repeats
    what the rows above already say."""
    spread, _ = statement_of(
        [invoice("A", "100.00", "2026-07-01"), invoice("B", "50.00", "2026-10-20")],
        [line("A", 1, "100.00"), line("B", 1, "50.00")],
    )
    single, _ = statement_of([invoice("A", "100.00", "2026-07-01")], [line("A", 1, "100.00")])
    single = replace(single, key="willsuite-single")
    done = write_statements(data, tmp_path, statements=[spread, single])
    spread_text, single_text = (text_of(Path(r.path)) for r in done)
    assert "Amount due at 31 Oct 2026, by days overdue" in spread_text
    assert "£50.00 £0.00 £0.00 £0.00 £100.00" in spread_text  # current, 1-30, ..., over 90
    assert "Total £150.00 £0.00 £150.00 £0.00 £150.00" in spread_text
    assert "by days overdue" not in single_text and "Total £" not in single_text
    assert "overdue by 92 days" in single_text  # the invoice's status names its band
