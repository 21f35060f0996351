"""Generate `docs/frames.md` from the frame schemas: `python -m reports.docs > docs/frames.md`."""

from __future__ import annotations

from reports.frames import SCHEMAS, combined_cases_schema
from reports.schema import Column
from reports.sources import REGISTRY

HEADER = """# Frames

Generated from each source's `frames.py` (`reports/sources/<source>/`) by
`python -m reports.docs`; do not edit by hand (a test fails when this file and the code
disagree).

Conventions for every frame:

- ids are strings, whatever type the API sends;
- money is `Decimal(38, 4)`, exact, in major units (pounds, euros), beside a currency column:
  amounts sent in minor units (pennies) are divided by the currency's ISO 4217 minor units,
  exactly;
- dates are `Date`; timestamps are `Datetime(us, UTC)`: offsets are converted to UTC, and
  naive timestamps are read in the zone their source writes them in first (its column says
  which). A date sent as a timestamp
  at midnight (`2026-05-01T00:00:00Z`) is the date it writes; any other timestamp in a date
  column is an instant, and its date is the firm's (UK) day of it (`2026-04-30T23:30:00Z`
  is 1 May);
- currency codes are ISO 4217, stripped and upper-cased as they are typed (`" eur"` is
  `EUR`; `as_sent` keeps what was changed, and the report flags it); a code that is not
  ISO 4217 then is refused, shown escaped (`'EUR\\u200b'`);
- a record fetched under a parent (an expense under its case, an invoice under its case, a
  line item under its invoice) belongs to that parent: its parent column is the one it was
  listed under, and the parent id the record itself names is kept beside it as
  `stated_...` (the report flags a disagreement, never follows it);
- columns are named by us, one name per thing across the sources (`case_id`, `client_id`,
  `client_name`, `invoice_id`, `paid_at`...); where the vendor's field is named otherwise,
  its meaning ends with the vendor's name for it, and only the source's own package
  (`reports/sources/<source>/`) and the sandbox use that name;
- enums stay strings as the vendor spells them;
- values of undocumented shape are kept as JSON text;
- an empty result has the full schema.

`fetch_cases()` stacks the case frames of every source into one with `source` ({sources})
and `case_id`, then the union of their columns ({count} in all), null where a source has no
such field. Every other entity comes from one system.
"""


HISTORY = """
## History: `reports.report.build_history`

`build_history(frames, month, history_months=12, *, rates, report_currency="GBP", vat_stagger=1,
financial_year_start=4, targets=(), sent=None)` returns a `History`, and
`build_report_data(..., history_months=12)` puts one on the report (`ReportData.history`);
its rules are in docs/calculations.md, "History, targets, alerts and commentary".

### `History.by_month`

One row a month, oldest first: `month` (Date, the month's first day), then one column a
figure, named by its key: {figures}. Counts are `Int64`, money and days `Decimal(38, 4)`.

### `History.comparison`

One row a figure, as of the report month.

| column | type | meaning |
|---|---|---|
{comparison}
### `History.restated`

A month's figure as its report sent it and as the records give it now, where they differ.

| column | type | meaning |
|---|---|---|
{restated}"""


def _history() -> str:
    from reports.report import history

    def table(schema: dict[str, object], docs: dict[str, str]) -> str:
        return "".join(f"| `{name}` | {dtype} | {docs[name]} |\n" for name, dtype in schema.items())

    return HISTORY.format(
        figures=", ".join(f"`{figure.key}`" for figure in history.HISTORY_FIGURES),
        comparison=table(dict(history.COMPARISON_SCHEMA), history.COMPARISON_DOCS),
        restated=table(dict(history.RESTATED_SCHEMA), history.RESTATED_DOCS),
    )


def _sent_as(column: Column) -> str:
    names = " or ".join(f"`{name}`" for name in column.vendor_names)
    return f" (the vendor's {names})" if names else ""


def render() -> str:
    sources = ", ".join(
        f"`{source.name}`" for source in REGISTRY.values() if source.case_summary is not None
    )
    parts = [HEADER.format(count=len(combined_cases_schema()), sources=sources)]
    for (source, entity), schema in SCHEMAS.items():
        parts.append(f"\n## `{source}_{entity}`\n\n{schema.doc}\n")
        parts.append("\n| column | type | meaning |\n|---|---|---|\n")
        for column in schema.columns:
            parts.append(f"| `{column.name}` | {column.dtype} | {column.doc}{_sent_as(column)} |\n")
    parts.append(_history())
    return "".join(parts)


if __name__ == "__main__":
    print(render(), end="")
