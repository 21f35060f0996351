"""Each headline figure's history: trends worked out by hand on a small fixed data set,
the history's months equal to those months' own reports, restated figures, targets and
their thresholds, alerts, and the commentary's placeholders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from factories import sandbox_month

from reports import archive, rates, snapshot
from reports.app import load_config
from reports.compute import invoicing, vat
from reports.errors import ConfigError, TemplateError
from reports.periods import Month
from reports.render.commentary import alert_sentence, briefing, firm_commentary, observations
from reports.report import build_history, build_report_data
from reports.report.figures import FIGURES
from reports.report.history import BEHAVIOUR
from reports.report.model import Frames
from reports.schema import FrameSchema
from reports.sources.mobility import MOBILITY_CASES, MOBILITY_EXPENSES
from reports.sources.willsuite import WILLSUITE_CASES, WILLSUITE_INVOICE_ITEMS, WILLSUITE_INVOICES
from reports.targets import AlertKind, AlertRule, Better, Status, Target, parse_alerts

UTC = dt.UTC


def frame(schema: FrameSchema, rows: list[dict[str, Any]]) -> pl.DataFrame:
    """`rows` as `schema`'s frame, every column they do not give empty."""
    types = schema.polars_schema
    return pl.DataFrame(
        [{name: row.get(name) for name in types} for row in rows], schema=types, orient="row"
    )


def at(day: str) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)


def invoice(ident: str, created: str, net: str, due: str, paid: str | None) -> dict[str, Any]:
    vat = Decimal(net) / 5
    return {
        "id": ident,
        "case_id": "c1",
        "invoice_number": ident,
        "issued_at": at(created),
        "due_at": at(due),
        "paid_at": at(paid) if paid else None,
        "subtotal": Decimal(net),
        "vat_amount": vat,
        "total": Decimal(net) + vat,
        "currency": "GBP",
        "client_name": "A Client",
        "status": "paid" if paid else "sent",
    }


def item(invoice_id: str, net: str) -> dict[str, Any]:
    vat = Decimal(net) / 5
    return {
        "id": f"{invoice_id}-1",
        "invoice_id": invoice_id,
        "case_id": "c1",
        "quantity": Decimal(1),
        "rate": Decimal(net),
        "subtotal": Decimal(net),
        "vat_amount": vat,
        "amount": Decimal(net) + vat,
        "currency": "GBP",
        "has_vat": True,
    }


@pytest.fixture(scope="module")
def fixed() -> Frames:
    """Three invoices (August, September, October 2026; the first paid in September, the
    second never), two cases (one open August to 20 September, one from October) and three
    expenses in pounds (one of them rejected)."""
    invoices = [
        invoice("A", "2026-08-10", "100.00", "2026-09-10", "2026-09-05"),
        invoice("B", "2026-09-15", "200.00", "2026-10-15", None),
        invoice("C", "2026-10-03", "50.00", "2026-11-03", "2026-10-20"),
    ]
    items = [item("A", "100.00"), item("B", "200.00"), item("C", "50.00")]
    cases = [
        {
            "id": "m1",
            "name": "Move one",
            "status": "completed",
            "created_at": at("2026-08-01"),
            "end_date": dt.date(2026, 9, 20),
        },
        {"id": "m2", "name": "Move two", "status": "in_progress", "created_at": at("2026-10-05")},
    ]
    expenses = [
        {
            "id": "e1",
            "case_id": "m1",
            "amount": Decimal("30.00"),
            "currency_code": "GBP",
            "incurred_at": dt.date(2026, 8, 12),
            "status": "approved",
            "invoice_id": "inv-1",
        },
        {
            "id": "e2",
            "case_id": "m1",
            "amount": Decimal("45.50"),
            "currency_code": "GBP",
            "incurred_at": dt.date(2026, 10, 2),
            "status": "approved",
        },
        {
            "id": "e3",
            "case_id": "m2",
            "amount": Decimal("12.00"),
            "currency_code": "GBP",
            "incurred_at": dt.date(2026, 10, 9),
            "status": "rejected",
        },
    ]
    return {
        ("willsuite", "invoices"): frame(WILLSUITE_INVOICES, invoices),
        ("willsuite", "invoice_items"): frame(WILLSUITE_INVOICE_ITEMS, items),
        ("mobility", "cases"): frame(MOBILITY_CASES, cases),
        ("mobility", "expenses"): frame(MOBILITY_EXPENSES, expenses),
    }


def series(frames: Frames, key: str, months: int = 3) -> list[Decimal]:
    history = build_history(frames, "2026-10", months, rates=rates.embedded())
    return [value for _, value in history.trend(key).months]


def test_trends_equal_sums_worked_by_hand(fixed: Frames) -> None:
    history = build_history(fixed, "2026-10", 3, rates=rates.embedded())
    assert history.months == (Month(2026, 8), Month(2026, 9), Month(2026, 10))
    d = Decimal
    # Flows: each month's records by their UK dates.
    assert series(fixed, "invoices") == [1, 1, 1]
    assert series(fixed, "invoiced_total") == [d("120"), d("240"), d("60")]
    assert series(fixed, "cases_opened") == [1, 0, 1]
    assert series(fixed, "cases_closed") == [0, 1, 0]
    assert series(fixed, "expenses_converted") == [d("30"), d("0"), d("45.50")]
    assert series(fixed, "expenses_invoiced") == [d("30"), d("0"), d("0")]
    assert series(fixed, "expenses_to_be_invoiced") == [d("0"), d("0"), d("45.50")]
    assert series(fixed, "expenses_rejected") == [d("0"), d("0"), d("12")]
    # Stocks, as at each month's end: A is owed at the end of August, paid on 5 September;
    # B is owed from 15 September on; C was paid within October.
    assert series(fixed, "outstanding") == [d("120"), d("240"), d("240")]
    assert series(fixed, "open_cases") == [1, 0, 1]
    # VAT on sales, its quarter to the month's end (stagger 1: July-September, then
    # October-December): 20 in August, 20 + 40 by September, 10 in October's new quarter.
    assert series(fixed, "vat_box1") == [d("20"), d("60"), d("10")]
    # The financial year from April: flows add up, VAT adds each month's own.
    invoiced = history.trend("invoiced_total")
    assert history.year_start == Month(2026, 4)
    assert invoiced.ytd == d("420")
    assert history.trend("vat_box1").ytd == d("70")
    assert history.trend("outstanding").ytd is None  # a stock has no year to date
    assert invoiced.previous == d("240")
    assert invoiced.change == d("-180")
    assert invoiced.change_pct == d("-75.0")
    assert invoiced.last_year == 0 and invoiced.last_year_change_pct is None


def test_revenue_is_the_fees_net_of_vat_credit_notes_negative(fixed: Frames) -> None:
    """Fees invoiced net of VAT: each invoice's total less its VAT, by its UK month; a
    credit note (-£20.00 net, -£4.00 VAT) counts negative. The gross stays its own figure."""
    credit = {**invoice("D", "2026-10-20", "-20.00", "2026-10-20", None), "status": "sent"}
    frames = {
        **fixed,
        ("willsuite", "invoices"): pl.concat(
            [fixed["willsuite", "invoices"], frame(WILLSUITE_INVOICES, [credit])]
        ),
        ("willsuite", "invoice_items"): pl.concat(
            [
                fixed["willsuite", "invoice_items"],
                frame(WILLSUITE_INVOICE_ITEMS, [item("D", "-20.00")]),
            ]
        ),
    }
    d = Decimal
    assert series(frames, "invoiced_net") == [d("100"), d("200"), d("30")]
    assert series(frames, "invoiced_total") == [d("120"), d("240"), d("36")]
    history = build_history(frames, "2026-10", 3, rates=rates.embedded())
    net = history.trend("invoiced_net")
    assert (net.ytd, net.previous, net.last_year) == (d("330"), d("200"), d(0))
    headline = build_report_data(frames, "2026-10", rates=rates.embedded()).headline
    assert (headline.invoiced_net, headline.invoiced_total) == (d("30"), d("36"))


def test_invoicing_in_targets_alerts_and_commentary_means_the_net_figure(
    frames: Frames, tmp_path: Path
) -> None:
    config = load_config(
        _config(
            tmp_path,
            "[targets.invoiced]\nmonthly = 5000\n[targets.invoiced_total]\nmonthly = 6000\n"
            "[[alerts]]\nfigure = 'invoicing'\nbelow = 1\n",
        ),
        {},
    )
    assert {t.figure: t.monthly[0] for t in config.targets} == {
        "invoiced_net": Decimal(5000),
        "invoiced_total": Decimal(6000),
    }
    assert [rule.figure for rule in config.alerts] == ["invoiced_net"]
    with pytest.raises(ConfigError, match=r"has a target already, as \[targets.invoiced\]"):
        load_config(
            _config(
                tmp_path, "[targets.invoiced]\nmonthly = 1\n[targets.invoiced_net]\nmonthly = 1\n"
            ),
            {},
        )
    data = build_report_data(frames, "2026-10", rates=rates.embedded(), history_months=12)
    headline = data.headline
    assert headline.invoiced_net < headline.invoiced_total
    written = firm_commentary(
        "{{ invoiced }} | {{ invoicing.label }} | {{ invoiced_net }} | {{ invoiced_total }} | "
        "{{ invoiced_total.label }}",
        data,
        "test.md",
    )
    net, gross = f"£{headline.invoiced_net:,.2f}", f"£{headline.invoiced_total:,.2f}"
    assert written.text == (
        f"{net} | Fees invoiced this month, net of VAT | {net} | {gross} | "
        "Invoiced this month, gross (VAT included)"
    )


def test_open_cases_count_only_the_sources_that_record_closing(fixed: Frames) -> None:
    """WillSuite's cases never close: its case opened in August is in no month's open
    cases, and the figure's label names the configured sources it covers."""
    will = frame(WILLSUITE_CASES, [{"id": "w1", "ref": "W1", "created_at": at("2026-08-02")}])
    frames = {**fixed, ("willsuite", "cases"): will}
    assert series(frames, "open_cases") == [1, 0, 1]  # as without it
    assert series(frames, "cases_opened") == [2, 0, 1]  # it was opened, all the same
    data = build_report_data(frames, "2026-10", rates=rates.embedded(), history_months=3)
    assert data.headline.open_cases == 1
    assert data.cases.filter(pl.col("source") == "willsuite")["open_at_end"].to_list() == [False]
    (figure,) = [f for f in FIGURES if f.key == "open_cases"]
    assert figure.label_for(data) == "Cases open at month end (mobility platform)"
    assert figure.title_in("GBP", "") == "Cases open at month end (mobility platform, Plannr)"
    alone = {("willsuite", "cases"): will, **{k: v for k, v in fixed.items() if k[0] != "mobility"}}
    data = build_report_data(alone, "2026-10", rates=rates.embedded())
    assert data.headline.open_cases == 0
    assert figure.label_for(data) == (
        "Cases open at month end (no configured source records a case's closing)"
    )


def test_a_financial_year_from_january_adds_the_calendar_year(fixed: Frames) -> None:
    history = build_history(fixed, "2026-10", 3, rates=rates.embedded(), financial_year_start=1)
    assert history.year_start == Month(2026, 1)
    assert history.trend("invoiced_total").ytd == Decimal("420")


@pytest.fixture(scope="module")
def frames() -> Frames:
    return sandbox_month().fetched()


@pytest.mark.parametrize("month", ["2026-10", "2026-06", "2025-12"])
def test_each_months_history_is_that_months_own_report(frames: Frames, month: str) -> None:
    """The report month's value, the month before and the same month last year are what
    those months' reports show, figure by figure."""
    history = build_history(frames, month, rates=rates.embedded())
    target = Month.parse(month)
    for other, read in (
        (target, lambda t: t.value),
        (target.previous, lambda t: t.previous),
        (target.shifted(-12), lambda t: t.last_year),
    ):
        headline = build_report_data(frames, other, rates=rates.embedded()).headline
        for key in BEHAVIOUR:
            assert read(history.trend(key)) == getattr(headline, key), (other, key)


def test_the_sandbox_has_two_years_with_seasons_and_bad_months(frames: Frames) -> None:
    history = build_history(frames, "2026-10", 24, rates=rates.embedded())
    opened = dict(history.trend("cases_opened").months)
    assert all(opened[m.start] > 0 for m in history.months)
    # A bad month (June 2025) and a quiet August open fewer cases than the months around.
    assert opened[dt.date(2025, 6, 1)] < min(
        opened[dt.date(2025, 5, 1)], opened[dt.date(2025, 7, 1)]
    )
    assert history.trend("open_cases").last_year is not None
    assert history.trend("invoiced_total").ytd_last_year is not None


def test_reconstructed_debt_equals_the_snapshot_and_a_later_change_is_restated(
    frames: Frames, tmp_path: Path
) -> None:
    ecb = rates.embedded()
    september = Month(2026, 9)
    sent = build_report_data(frames, september, rates=ecb)
    archive.write_figures(sent, _folder(tmp_path, "2026-09"))
    # A snapshot of August, without figures.json: its figures are rebuilt from it.
    taken = snapshot.Snapshot(Month(2026, 8), frames, {"willsuite": dt.datetime.now(UTC)}, (), ecb)
    snapshot.save(taken, _folder(tmp_path, "2026-08") / "data", {})

    unchanged = build_report_data(
        frames,
        "2026-10",
        rates=ecb,
        history_months=12,
        sent=archive.sent_figures(tmp_path, Month(2026, 10), 12),
    )
    assert unchanged.history is not None
    assert unchanged.history.restated.height == 0
    assert unchanged.history.trend("outstanding").previous == sent.headline.outstanding

    # An invoice owed at the end of September is marked paid on 30 September afterwards.
    invoices = frames["willsuite", "invoices"]
    owed = invoices.filter(
        (pl.col("issued_at") < dt.datetime(2026, 9, 20, tzinfo=UTC)) & pl.col("paid_at").is_null()
    ).sort("issued_at")
    changed_id = owed["id"][-1]
    # What it owed at the end of September (a part-paid invoice owes the rest).
    positions = invoicing.invoice_positions(
        invoices,
        dt.date(2026, 9, 30),
        invoicing.line_payments(_lines(frames), dt.date(2026, 9, 30)),
    )
    changed_owed = positions.filter(id=changed_id)["outstanding"][0]
    paid = invoices.with_columns(
        paid_at=pl.when(pl.col("id") == changed_id)
        .then(pl.lit(dt.datetime(2026, 9, 30, 12, tzinfo=UTC)))
        .otherwise(pl.col("paid_at"))
    )
    later = {**frames, ("willsuite", "invoices"): paid}
    data = build_report_data(
        later,
        "2026-10",
        rates=ecb,
        history_months=12,
        sent=archive.sent_figures(tmp_path, Month(2026, 10), 12),
    )
    assert data.history is not None
    restated = data.history.restated.filter(figure="outstanding").row(0, named=True)
    assert restated["month"] == dt.date(2026, 9, 1)
    assert restated["as_sent"] == sent.headline.outstanding
    assert restated["difference"] == -changed_owed


def _lines(frames: Frames) -> pl.DataFrame:
    return vat.invoice_lines(frames["willsuite", "invoices"], frames["willsuite", "invoice_items"])


def _folder(root: Path, month: str) -> Path:
    folder = root / month
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.mark.parametrize(
    ("better", "value", "status"),
    [
        (Better.HIGHER, "100", Status.ON_TRACK),
        (Better.HIGHER, "90", Status.ON_TRACK),
        (Better.HIGHER, "89.99", Status.BEHIND),
        (Better.HIGHER, "75", Status.BEHIND),
        (Better.HIGHER, "74.99", Status.OFF_TRACK),
        (Better.HIGHER, "-5", Status.OFF_TRACK),
        (Better.LOWER, "0", Status.ON_TRACK),
        (Better.LOWER, "111.11", Status.ON_TRACK),  # 100 / 111.11 is just over 90 %
        (Better.LOWER, "111.12", Status.BEHIND),
        (Better.LOWER, "133.33", Status.BEHIND),
        (Better.LOWER, "133.34", Status.OFF_TRACK),
    ],
)
def test_a_targets_status_at_and_either_side_of_its_thresholds(
    better: Better, value: str, status: Status
) -> None:
    target = Target("invoiced_total", (Decimal(100),) * 12, better)
    assert target.status(Decimal(value), Decimal(100)) is status


def test_a_target_of_zero_is_met_or_missed() -> None:
    lower = Target("overdue_90_plus", (Decimal(0),) * 12, Better.LOWER)
    assert lower.status(Decimal(0), Decimal(0)) is Status.ON_TRACK
    assert lower.status(Decimal("0.01"), Decimal(0)) is Status.OFF_TRACK


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "reports.toml"
    path.write_text(text)
    return path


def test_targets_are_read_monthly_annual_or_month_by_month(tmp_path: Path) -> None:
    months = ", ".join(str(n) for n in range(1, 13))
    config = load_config(
        _config(
            tmp_path,
            "[targets.invoiced_total]\nannual = 1000\n"
            '[targets.outstanding]\nmonthly = 500\nbetter = "lower"\namber = 80\nred = 60\n'
            f"[targets.cases_opened]\nmonths = [{months}]\n",
        ),
        {},
    )
    by_figure = {t.figure: t for t in config.targets}
    assert by_figure["invoiced_total"].monthly == (Decimal("83.33"),) * 12
    assert by_figure["outstanding"].better is Better.LOWER
    assert by_figure["outstanding"].amber == Decimal("0.8")
    assert by_figure["cases_opened"].for_month(Month(2026, 10)) == 10


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[targets.invoicd_total]\nmonthly = 1\n", "did you mean 'invoiced_total'?"),
        ("[targets.outstanding]\nmonthly = 1\nannual = 2\n", "exactly one of monthly"),
        ("[targets.outstanding]\nmonths = [1, 2]\n", "list of 12 values"),
        ("[targets.outstanding]\nmonthly = 1\nbetter = 'less'\n", "'higher' or 'lower'"),
        ("[targets.outstanding]\nmonthly = 1\namber = 70\n", "must not be above amber"),
        ("[[alerts]]\nfigure = 'outstandin'\nabove = 5\n", "did you mean 'outstanding'?"),
        ("[[alerts]]\nfigure = 'outstanding'\nover = 5\n", "figure with above or below"),
        ("[[alerts]]\nclient_overdue_days_above = 30.5\n", "must be whole days"),
    ],
)
def test_a_bad_target_or_alert_says_what_to_fix(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as raised:
        load_config(_config(tmp_path, text), {})
    assert "\n" not in str(raised.value)


def test_alerts_name_their_figure_value_and_level(frames: Frames) -> None:
    data = build_report_data(
        frames,
        "2026-10",
        rates=rates.embedded(),
        history_months=12,
        alert_rules=(
            AlertRule(AlertKind.ABOVE, Decimal(1), "overdue_90_plus"),
            AlertRule(AlertKind.BELOW, Decimal(1), "invoices"),  # not triggered
            AlertRule(AlertKind.CLIENT_OUTSTANDING, Decimal(500)),
            AlertRule(AlertKind.INVOICED_SHARE, Decimal(100)),
        ),
    )
    kinds = [alert.rule.kind for alert in data.alerts]
    assert AlertKind.BELOW not in kinds
    overdue = data.alerts[0]
    assert overdue.subject == "Debt over 90 days past due at month end"
    assert overdue.value == data.headline.overdue_90_plus
    owing = [s for s in data.statements if (s.totals.outstanding or 0) > 500]
    assert kinds.count(AlertKind.CLIENT_OUTSTANDING) == len(owing) > 0
    clients = [a.subject for a in data.alerts if a.rule.kind is AlertKind.CLIENT_OUTSTANDING]
    assert clients == [f"{s.client} ({s.reference or s.key})" for s in owing]  # by reference
    text = briefing(data)
    assert text.startswith(f"Alerts ({len(data.alerts)})")
    assert all(
        text.count(a.subject) == 1
        for a in data.alerts
        if a.rule.kind is AlertKind.CLIENT_OUTSTANDING
    )
    assert "Debt over 90 days past due at month end is £" in text


def test_a_client_overdue_past_its_limit_is_named_with_its_reference(frames: Frames) -> None:
    """`client_overdue_days_above = 90`: each client owing on an invoice more than 90 days
    past its due date at the month's end, by its most overdue one."""
    config_rule = parse_alerts([{"client_overdue_days_above": 90}], "test", [])
    data = build_report_data(
        frames, "2026-10", rates=rates.embedded(), history_months=12, alert_rules=config_rule
    )
    end = data.period_end
    expected = {}
    for statement in data.statements:
        if statement.invoices.is_empty():
            continue
        owing = statement.invoices.filter(
            (pl.col("outstanding") > 0) & (pl.col("total") > 0) & pl.col("due_date").is_not_null()
        )
        if owing.height and (end - owing["due_date"].min()).days > 90:
            expected[f"{statement.client} ({statement.reference or statement.key})"] = (
                end - owing["due_date"].min()
            ).days
    assert expected, "the sandbox has clients over 90 days"
    assert {a.subject: int(a.value) for a in data.alerts} == expected
    first = data.alerts[0]
    assert alert_sentence(first) == (
        f"Alert: {first.subject} owes on an invoice {int(first.value)} days past its due "
        "date, above the limit of 90 days."
    )


def test_commentary_placeholders_read_figures_as_printed(frames: Frames) -> None:
    data = build_report_data(frames, "2026-10", rates=rates.embedded(), history_months=12)
    assert data.history is not None
    trend = data.history.trend("invoiced_total")
    written = firm_commentary(
        "{{ month }}: {{ invoiced_total }} ({{ invoiced_total.change_pct }}), "
        "year to date {{ invoiced_total.ytd }}; {{ open_cases }} open.",
        data,
        "test.md",
    )
    change = f"{'+' if trend.change_pct and trend.change_pct > 0 else ''}{trend.change_pct}%"
    assert written.text == (
        f"October 2026: £{trend.value:,.2f} ({change}), year to date £{trend.ytd:,.2f}; "
        f"{data.headline.open_cases:,} open."
    )
    assert written.html.startswith("<p>")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "{{ outstandng }}",
            r"\{\{ outstandng \}\} is not a figure; did you mean \{\{ outstanding \}\}",
        ),
        ("{{ outstanding.chnage_pct }}", r"did you mean \{\{ outstanding.change_pct \}\}"),
        ("{{ month.__class__ }}", "commentary test.md"),
        ("{% for %}", "line 1"),
    ],
)
def test_a_commentary_error_names_the_placeholder_and_the_nearest(
    frames: Frames, source: str, message: str
) -> None:
    data = build_report_data(frames, "2026-10", rates=rates.embedded(), history_months=12)
    with pytest.raises(TemplateError, match=message):
        firm_commentary(source, data, "test.md")


def test_raw_html_in_a_commentary_is_shown_as_text(frames: Frames) -> None:
    data = build_report_data(frames, "2026-10", rates=rates.embedded(), history_months=12)
    written = firm_commentary("<script>alert(1)</script> **bold**", data, "test.md")
    assert "<script>" not in written.html and "&lt;script&gt;" in written.html


def test_observations_state_their_numbers(frames: Frames) -> None:
    targets = (Target("invoiced_total", (Decimal(1_000_000),) * 12),)
    data = build_report_data(
        frames,
        "2026-10",
        rates=rates.embedded(),
        history_months=12,
        targets=targets,
        alert_rules=(AlertRule(AlertKind.ABOVE, Decimal(1), "outstanding"),),
    )
    said = observations(data)
    sentences = [line for line in said.text.splitlines() if line.startswith("- ")]
    assert data.alerts and not any("Alert" in s for s in sentences)  # listed once, apart
    assert any("off track" in s and "£1,000,000.00" in s for s in sentences)
    assert any(" on September 2026, from " in s for s in sentences)
    assert all(any(ch.isdigit() for ch in s) for s in sentences)


def test_a_month_without_history_asked_has_none(frames: Frames) -> None:
    data = build_report_data(frames, "2026-10", rates=rates.embedded())
    assert data.history is None and data.alerts == () and data.commentary is None


def test_a_year_to_date_target_is_the_annual_target_share_rounded_once() -> None:
    from reports.targets import parse_targets

    (target,) = parse_targets({"invoiced_total": {"annual": 100_000}}, "test", ["invoiced_total"])
    seven = [Month(2026, number) for number in range(4, 11)]  # April to October
    assert target.for_month(seven[0]) == Decimal("8333.33")
    assert target.for_months(seven) == Decimal("58333.33")  # not 7 x 8,333.33 = 58,333.31
    assert target.for_months([Month(2026, n) for n in range(1, 13)]) == Decimal("100000.00")
    (monthly,) = parse_targets({"invoiced_total": {"monthly": 10}}, "test", ["invoiced_total"])
    assert monthly.for_months(seven) == Decimal(70)


def test_a_case_closing_after_today_has_not_closed_yet(frames: Frames) -> None:
    """A mobility case marked completed with an end date still to come is open, and Data
    quality says so, once for each such case."""
    day = dt.date(2026, 11, 6)
    data = build_report_data(frames, "2026-10", rates=rates.embedded(), today=day)
    cases = frames["mobility", "cases"]
    ahead = cases.filter((pl.col("status") == "completed") & (pl.col("end_date").dt.date() > day))
    assert ahead.height > 0
    flagged = data.quality.filter(pl.col("check") == "end date after today")
    assert sorted(flagged["record"]) == sorted(str(i) for i in ahead["id"])
    assert set(flagged["action"]) == {"counted open"}
    later = build_report_data(frames, "2026-10", rates=rates.embedded(), today=dt.date(2028, 1, 1))
    assert later.quality.filter(pl.col("check") == "end date after today").height == 0
    # Counted open at the month's end either way; in the month in progress, never closed.
    assert data.headline.open_cases == later.headline.open_cases
    november = build_report_data(frames, "2026-11", rates=rates.embedded(), today=day)
    closed = november.quality.filter(pl.col("check") == "end date after today")
    assert closed.height == flagged.height
