"""The fetched records settled once, as of a last day, before anything is computed from
them: copies counted once, amounts stated finer than their currency's minor unit rounded
once, records that name another parent than the one they were listed under kept with
that parent, expenses put in their states and converted; each step flags what it did.
One month's report (`build`) and its history (`history`) both start from here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from reports.compute import fx, invoicing, quality, vat
from reports.compute.invoicing import EXPENSE_STATUSES
from reports.frames import CASE_SUMMARY_SCHEMA, case_summaries
from reports.periods import local_date
from reports.report.model import Frames
from reports.schema import AS_SENT, FrameSchema, concat_sources
from reports.sources import REGISTRY, provider
from reports.sources.base import Role


def frame_of(frames: Frames, schema: FrameSchema) -> pl.DataFrame:
    return frames.get((schema.source, schema.entity), schema.empty())


def role_schema(role: Role) -> FrameSchema:
    """The schema of the frame that plays `role` (the report reads it through it)."""
    schema = provider(role)
    if schema is None:
        raise AssertionError(f"no registered source plays {role.value}")
    return schema


@dataclass(frozen=True)
class Settled:
    """The fetched records settled once, as of a last day: copies counted once, amounts
    finer than their currency's minor unit rounded, expenses put in their states and
    converted (those incurred by that day), invoices with their lines and totals; and the
    flags of each of those steps. One month's report and its history both start here."""

    #: Every source's cases in one shape (`frames.CASE_SUMMARY_SCHEMA`).
    cases: pl.DataFrame
    #: The expenses as stated, each with its `state`, whatever its date.
    stated_expenses: pl.DataFrame
    #: Those incurred by the last day, with `report_amount` in the report currency.
    expenses: pl.DataFrame
    incomes: pl.DataFrame
    #: Every invoice, its total filled from its lines where the header has none.
    invoices: pl.DataFrame
    #: Each invoice checked against its lines (`vat.check_lines`), with its `invoice_date`.
    checked: pl.DataFrame
    lines: pl.DataFrame
    flags: tuple[pl.DataFrame, ...]


@dataclass(frozen=True)
class SettledInvoices:
    """The invoices alone, settled as `settle` settles them (`Settled`'s fields of the same
    names), with the flags of their steps."""

    invoices: pl.DataFrame
    checked: pl.DataFrame
    lines: pl.DataFrame
    flags: tuple[pl.DataFrame, ...]


def _unique(
    frames: Frames, schema: FrameSchema, key: str, record: str, flags: list[pl.DataFrame]
) -> pl.DataFrame:
    """The frame with copies counted once and currency codes as typed flagged."""
    frame, found = quality.unique_records(frame_of(frames, schema), key, schema.source, record)
    flags.append(found)
    if AS_SENT in frame.columns:
        flags.append(_normalised(frame, schema.source, record, key))
    return frame


def _rounded(
    frame: pl.DataFrame,
    schema: FrameSchema,
    record: str,
    amounts: dict[str, str],
    flags: list[pl.DataFrame],
) -> pl.DataFrame:
    frame, found = quality.rounded_to_minor_units(frame, schema.source, record, "id", amounts)
    flags.append(found)
    return frame


def settle_invoices(frames: Frames) -> SettledInvoices:
    """The invoices of `frames` settled: copies counted once, amounts rounded to their
    currency's minor unit, each checked against its lines, and a total where the header
    states none filled from them."""
    flags: list[pl.DataFrame] = []
    invoice_schema = role_schema(Role.INVOICES)
    stated_invoices = _rounded(
        _unique(frames, invoice_schema, "id", "invoice", flags),
        invoice_schema,
        "invoice",
        {"subtotal": "currency", "vat_amount": "currency", "total": "currency"},
        flags,
    )
    all_items = _unique(frames, role_schema(Role.INVOICE_ITEMS), "id", "invoice item", flags)
    lines = vat.invoice_lines(stated_invoices, all_items)
    checked = vat.check_lines(stated_invoices, lines).with_columns(
        invoice_date=local_date("issued_at")
    )
    # An invoice whose header states no total is owed what its own lines add up to; the
    # check above flags it ("header total missing (lines give ...)").
    checked = checked.with_columns(total=pl.coalesce("total", "recomputed_total"))
    all_invoices = stated_invoices.drop("total").join(
        checked.select("id", "total"), on="id", how="left"
    )
    return SettledInvoices(all_invoices, checked, lines, tuple(flags))


def settle(
    frames: Frames, end: dt.date, *, rates: fx.EcbRates, report_currency: str = "GBP"
) -> Settled:
    """The records of `frames` settled as of `end` (see `Settled`)."""
    flags: list[pl.DataFrame] = []
    flags += _misfiled(frames)
    expense_schema = role_schema(Role.EXPENSES)
    stated_expenses = _rounded(
        _unique(frames, expense_schema, "id", "expense", flags),
        expense_schema,
        "expense",
        {"amount": "currency_code", "converted_amount": "converted_amount_currency_code"},
        flags,
    ).with_columns(state=invoicing.expense_state())
    flags.append(
        _unknown_expense_status(
            stated_expenses.filter(_by(end, "incurred_at")), expense_schema.source
        )
    )
    # Expenses incurred after the last day are the business of later reports (and may lie
    # past the rates in use).
    converted, unreportable = _convert_expenses(
        stated_expenses.filter(_by(end, "incurred_at")),
        report_currency,
        rates,
        expense_schema.source,
    )
    flags.append(unreportable)
    income_frame = _unique(frames, role_schema(Role.INCOMES), "id", "income", flags)
    invoices = settle_invoices(frames)
    return Settled(
        cases=case_table(frames),
        stated_expenses=stated_expenses,
        expenses=converted,
        incomes=income_frame,
        invoices=invoices.invoices,
        checked=invoices.checked,
        lines=invoices.lines,
        flags=(*flags, *invoices.flags),
    )


def _by(end: dt.date, column: str) -> pl.Expr:
    """Rows dated on or before `end`, and rows with no date (the report flags those)."""
    return (pl.col(column) <= end).fill_null(True)


def case_table(frames: Frames) -> pl.DataFrame:
    """Every source's cases in one shape (`frames.CASE_SUMMARY_SCHEMA`)."""
    parts = [
        frame_of(frames, schema).select(
            pl.lit(schema.source).alias("source"), *(e.alias(n) for n, e in summary.items())
        )
        for schema, summary in case_summaries()
        if (schema.source, schema.entity) in frames
    ]
    return concat_sources(parts, CASE_SUMMARY_SCHEMA)


def _convert_expenses(
    expenses: pl.DataFrame, currency: str, rates: fx.EcbRates, source: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Expenses with `report_amount` in `currency`, and a flag for each that cannot have one
    (no amount, currency or date): those stay listed, with no converted amount, and out of
    every total."""
    reason = (
        pl.when(pl.col("amount").is_null())
        .then(pl.lit("no amount"))
        .when(pl.col("currency_code").is_null())
        .then(pl.lit("no currency"))
        .when(pl.col("incurred_at").is_null())
        .then(pl.lit("no date incurred"))
    )
    marked = expenses.with_columns(_reason=reason)
    good = fx.convert(marked.filter(pl.col("_reason").is_null()), to=currency, rates=rates)
    bad = marked.filter(pl.col("_reason").is_not_null())
    found = quality.flags(
        bad,
        source,
        "expense",
        "id",
        "left out of totals",
        pl.format("{}: cannot be converted or counted", pl.col("_reason")),
        "listed with no converted amount; left out of every total",
    )
    converted = pl.concat([good, bad], how="diagonal_relaxed").drop("_reason")
    return converted, found


def _misfiled(frames: Frames) -> list[pl.DataFrame]:
    """A flag for each record that names another parent than the one it was listed under:
    it stays with the one it was listed under (a record belongs to the parent it was fetched
    under), so it can never move to another client's statement or another VAT quarter."""
    found = []
    for name, source in REGISTRY.items():
        for parent in source.parents:
            frame = frames.get((name, parent.entity))
            if frame is None:
                continue
            column, stated = parent.column, f"stated_{parent.column}"
            disagree = frame.unique().filter(
                pl.col(stated).is_not_null() & (pl.col(stated) != pl.col(column))
            )
            found.append(
                quality.flags(
                    disagree,
                    name,
                    parent.record,
                    "id",
                    f"names another {parent.parent}",
                    pl.format(
                        f"listed under {parent.parent} {{}} but names {parent.parent} {{}}",
                        column,
                        stated,
                    ),
                    pl.format(
                        f"kept under {parent.parent} {{}}, the one it was listed under", column
                    ),
                )
            )
    return found


def _normalised(frame: pl.DataFrame, source: str, entity: str, key: str) -> pl.DataFrame:
    """A flag for each record whose currency code was stripped or upper-cased when typed."""
    return quality.flags(
        frame.filter(pl.col(AS_SENT).is_not_null()),
        source,
        entity,
        key,
        "currency code normalised",
        pl.format("sent as {}", pl.col(AS_SENT)),
        "read as the ISO 4217 code it spells (upper case, no spaces)",
    )


def _unknown_expense_status(expenses: pl.DataFrame, source: str) -> pl.DataFrame:
    return quality.flags(
        expenses.filter(pl.col("state").is_null()),
        source,
        "expense",
        "id",
        "unknown expense status",
        pl.format(
            "status {} is none of {}",
            pl.col("status").fill_null("(none)"),
            pl.lit(", ".join(EXPENSE_STATUSES)),
        ),
        "left out of every total; listed under Expenses left out",
    )


def convert_incomes(
    annualised: pl.DataFrame, on: dt.date | pl.Expr, currency: str, rates: fx.EcbRates
) -> pl.DataFrame:
    """Annual amounts also in the report currency (`report_annual_amount`), at the ECB rate
    of `on` (a period's last day, or an expression giving each row's), so that incomes in
    several currencies are never added as if they were one."""
    converted = fx.convert(
        annualised.with_columns(_on=on if isinstance(on, pl.Expr) else pl.lit(on)),
        amount="annual_amount",
        currency="amount_currency",
        on="_on",
        to=currency,
        rates=rates,
        into="report_annual",
    )
    return converted.drop("_on")
