"""Hostile and malformed records the sandbox can serve on request, one named scenario each.

Each scenario changes the generated data the way a real vendor's data has been seen to go
wrong (a null total, an id served twice, a name with a right-to-left override, ...), so
that the whole report can be run against it over real sockets: `Sandbox(hostile=[...])`,
or `reports sandbox --hostile NAME`. `HOSTILE_MONTH` is the month whose report shows them.

The records touched are picked deterministically, so a test can look them up again with
`target()`; what each scenario did is described in `SCENARIOS`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from reports.sandbox.data import SandboxData

HOSTILE_MONTH = "2026-10"
_MONTH_PREFIX = "2026-10"

#: Two WillSuite clients called John Smith whose uuid1-style ids share their last 12 digits.
SMITH_IDS = ("6f1c2a10-8b1e-11ef-9c4b-0242ac120002", "7a3d4b20-8b1e-11ef-9c4b-0242ac120002")
SMITH_TOTALS = (Decimal("120.00"), Decimal("600.00"))
#: Mobility client ids that differ only in case, or in a character a file name cannot hold.
LOOKALIKE_CLIENT_IDS = ("ACME", "acme", "12/34", "12-34")
PATH_ID = "../../mobility/v1/cases"
#: A name that would forge a log line and recolour a terminal if printed raw.
FORGING_ID = "9999\r\nerror: forged line \x1b[31m"
RTL_NAME = "Evil \u202eCorp Ltd"
#: Three mobility clients whose names differ only in Unicode form or an invisible character:
#: "José Ltd" composed (NFC), decomposed (NFD), and with a zero-width space.
JOSE_NAMES = ("Jos\u00e9 Ltd", "Jose\u0301 Ltd", "Jos\u00e9\u200b Ltd")
MISFILED_TITLE = "Courier (listed under another case)"
LONG_TITLE = "Notes " + "x" * 40_000
#: An expense stated finer than its currency's minor unit, in a currency with cents and one
#: with none.
FINE_AMOUNTS = (("EUR", Decimal("10.005")), ("JPY", Decimal("2500.5")))
IDN_ADDRESS = "anna@b\u00fccher.example"
NON_ASCII_LOCAL_ADDRESS = "j\u00f6rg@example.co.uk"
NUL_NAME = "Nul\x00 Byte"
SURROGATE_NAME = "Broken \ud800 Name"
#: Markup a page would run or follow if it printed a vendor's text unescaped.
MARKUP_NAME = '<script>alert("name")</script><img src=x onerror="alert(1)"> Ltd'
MARKUP_LINE = '<a href="javascript:alert(2)">Wills</a> & <b>trusts</b>'
#: The slot whose client owes `CREDIT_NOTE_INVOICE` and holds a credit note not refunded.
CREDIT_NOTE_SLOT = 19
CREDIT_NOTE_ID = "c7ed17e0-0000-4000-8000-000000000001"
CREDIT_NOTE_INVOICE, CREDIT_NOTE_TOTAL = Decimal("540.00"), Decimal("-120.00")


def _slots(data: SandboxData) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(case, its first invoice of the month) for each WillSuite case that has one, in the
    cases' order: a scenario changes only its own slots, so scenarios combine."""
    slots = []
    for case in data.willsuite_cases:
        invoices = data.willsuite_invoices.get(str(case.get("id")), [])
        october = [i for i in invoices if str(i["date_created"]).startswith(_MONTH_PREFIX)]
        if october:
            slots.append((case, october[0]))
    return slots


def target(data: SandboxData, index: int = 0) -> tuple[str, dict[str, Any]]:
    """(case id, invoice) of the `index`-th slot: the invoice a scenario changes."""
    case, invoice = _slots(data)[index]
    return case["id"], invoice


def _unpaid(invoice: dict[str, Any]) -> None:
    invoice["date_paid"] = None
    invoice["status"] = "Not Paid"
    for item in invoice["items"]:
        item["paid_at"] = None


def null_invoice_total(data: SandboxData) -> None:
    """An unpaid invoice of the month whose header total is null."""
    _, invoice = target(data, 0)
    _unpaid(invoice)
    invoice["total"] = None


def duplicate_invoice(data: SandboxData) -> None:
    """An invoice of the month served twice, identical, in its case's list."""
    case_id, invoice = target(data, 1)
    data.willsuite_invoices[case_id].append(copy.deepcopy(invoice))


def conflicting_invoice(data: SandboxData) -> None:
    """An invoice id served twice with different totals: no figure can be chosen."""
    case_id, invoice = target(data, 2)
    twin = copy.deepcopy(invoice)
    twin["total"] = invoice["total"] + Decimal("100.00")
    data.willsuite_invoices[case_id].append(twin)


def no_due_date(data: SandboxData) -> None:
    """An unpaid invoice of the month with no due date."""
    _, invoice = target(data, 3)
    _unpaid(invoice)
    invoice["date_due"] = None


def same_name_clients(data: SandboxData) -> None:
    """Two WillSuite clients named John Smith (ids alike in their last 12 digits), owing £120
    and £600; and mobility clients whose ids are `ACME`/`acme` and `12/34`/`12-34`."""
    for (case, invoice), new_id, total in zip(
        _slots(data)[4:6], SMITH_IDS, SMITH_TOTALS, strict=True
    ):
        case_id = case["id"]
        case.update(id=new_id, full_names="John Smith", first_names="John", last_names="Smith")
        case["email"] = f"john.smith.{new_id[:8]}@example.co.uk"
        _unpaid(invoice)
        _single_line(invoice, total)
        data.willsuite_invoices[new_id] = data.willsuite_invoices.pop(case_id)
        for each in data.willsuite_invoices[new_id]:  # the case's invoices move with it
            each["customer_case_id"] = new_id
            for item in each["items"]:
                item["customer_case_id"] = new_id
    companies: dict[Any, list[dict[str, Any]]] = {}
    for case in data.mobility_cases:
        companies.setdefault(case["client_id"], []).append(case)
    for client_id, cases in zip(LOOKALIKE_CLIENT_IDS, list(companies.values())[:4], strict=True):
        for case in cases:
            case["client_id"] = client_id
            case["client_name"] = "Acme Ltd" if client_id.lower() == "acme" else "Twelve Ltd"
        for case in cases:
            for expense in data.mobility_expenses[case["id"]]:
                expense["client_name"] = case["client_name"]


def _expense_of_month(data: SandboxData, index: int) -> dict[str, Any]:
    found = [
        expense
        for expenses in data.mobility_expenses.values()
        for expense in expenses
        if str(expense["incurred_at"]).startswith(_MONTH_PREFIX)
    ]
    return found[index]


def _incomes(data: SandboxData) -> list[dict[str, Any]]:
    return [income for incomes in data.plannr_incomes.values() for income in incomes]


def _live_income(data: SandboxData, index: int) -> dict[str, Any]:
    """The `index`-th recurring income with no end date: it counts in every period."""
    live = [
        income
        for income in _incomes(data)
        if income["end_date"] is None
        and (income.get("start_date") or "") <= "2026-10-01"
        and income["frequency"] not in ("adhoc", "one_off")
    ]
    return live[index]


def missing_values(data: SandboxData) -> None:
    """An expense with no amount, one with no currency; an income with no amount, one with
    no frequency."""
    _expense_of_month(data, 0)["amount"] = None
    _expense_of_month(data, 1)["currency_code"] = None
    _live_income(data, 0)["amount"] = None
    _live_income(data, 1)["frequency"] = None


def foreign_incomes(data: SandboxData) -> None:
    """A monthly income of €1,000.00 and an annual one of ¥40,000 (JPY has no minor unit)."""
    euro = _live_income(data, 2)
    euro.update(frequency="monthly", amount_type="net")
    euro["amount"] = {"amount": "100000", "currency": "EUR", "formatted": "€1,000.00"}
    yen = _live_income(data, 3)
    yen.update(frequency="annually", amount_type="net")
    yen["amount"] = {"amount": "40000", "currency": "JPY", "formatted": "¥40,000"}


def pipeline_currencies(data: SandboxData) -> None:
    """Two Plannr cases of one status and type, worth GBP 100 and EUR 100."""
    first, second = data.plannr_cases[0], data.plannr_cases[1]
    second["status"], second["type"] = dict(first["status"]), dict(first["type"])
    first["value"] = {"amount": "10000", "currency": "GBP", "formatted": "£100.00"}
    second["value"] = {"amount": "10000", "currency": "EUR", "formatted": "€100.00"}


def huge_amount(data: SandboxData) -> None:
    """An expense of 10**20 whose id would forge a log line if printed raw."""
    expense = _expense_of_month(data, 2)
    expense["amount"] = Decimal(10) ** 20
    expense["id"] = FORGING_ID


def path_id(data: SandboxData) -> None:
    """A WillSuite case whose id climbs out of its URL path."""
    case = data.willsuite_cases[0]
    data.willsuite_invoices[PATH_ID] = data.willsuite_invoices.pop(case["id"])
    case["id"] = PATH_ID


def missing_id(data: SandboxData) -> None:
    """A WillSuite case with no id."""
    case = data.willsuite_cases[0]
    del case["id"]


def hostile_names(data: SandboxData) -> None:
    """WillSuite clients whose names hold a right-to-left override, a NUL byte and a lone
    surrogate; each owes an invoice of the month."""
    for (case, invoice), name in zip(
        _slots(data)[6:9], (RTL_NAME, NUL_NAME, SURROGATE_NAME), strict=True
    ):
        _unpaid(invoice)
        case["full_names"] = name


def markup_names(data: SandboxData) -> None:
    """A WillSuite client named with a script and an image that runs one, and a line of its
    October invoice described with a `javascript:` link: text to show, never to run. Its
    case is opened in October, so the month's records list the name (WillSuite's cases are
    in no count of open cases)."""
    case, invoice = _slots(data)[18]
    case["full_names"] = MARKUP_NAME
    case["created_at"] = "2026-10-02 14:29:00"
    invoice["items"][0]["description"] = MARKUP_LINE


def misfiled_invoice(data: SandboxData) -> None:
    """An invoice listed under one customer's case whose own `customer_case_id` names another
    customer's case."""
    _, invoice = target(data, 9)
    other, _ = target(data, 10)
    _unpaid(invoice)
    invoice["customer_case_id"] = other


def misfiled_item(data: SandboxData) -> None:
    """A line item listed in an invoice of the month whose own `case_invoice_id` names an
    invoice of another quarter (July to September)."""
    _, invoice = target(data, 11)
    earlier = next(
        each
        for invoices in data.willsuite_invoices.values()
        for each in invoices
        if str(each["date_created"]).startswith(("2026-07", "2026-08", "2026-09"))
    )
    item = next(i for i in invoice["items"] if i["status"] is None and i["has_vat"])
    item["case_invoice_id"] = earlier["id"]


def misfiled_expense(data: SandboxData) -> None:
    """An expense of the month listed under one case whose own `expat_case_id` names a case
    of another client."""
    expense = _expense_of_month(data, 3)
    own = next(c for c in data.mobility_cases if c["id"] == expense["expat_case_id"])
    other = next(c for c in data.mobility_cases if c["client_id"] != own["client_id"])
    expense["expat_case_id"] = other["id"]
    expense["title"] = MISFILED_TITLE


def lookalike_names(data: SandboxData) -> None:
    """Three mobility clients named "José Ltd" in NFC, in NFD and with a zero-width space."""
    companies: dict[Any, list[dict[str, Any]]] = {}
    for case in data.mobility_cases:
        companies.setdefault(case["client_id"], []).append(case)
    for name, cases in zip(JOSE_NAMES, list(companies.values())[4:7], strict=True):
        for case in cases:
            case["client_name"] = name
            for expense in data.mobility_expenses[case["id"]]:
                expense["client_name"] = name


def expense_statuses(data: SandboxData) -> None:
    """An expense of the month with a status the platform's workflow does not have
    (`on_hold`), and one with no status."""
    _expense_of_month(data, 4)["status"] = "on_hold"
    _expense_of_month(data, 5)["status"] = None


def currency_spellings(data: SandboxData) -> None:
    """Expenses of the month whose currency is written `eur` and ` EUR ` beside `EUR`."""
    for index, spelling in ((6, "eur"), (7, " EUR ")):
        expense = _expense_of_month(data, index)
        expense.update(currency_code=spelling, amount="100.00")


def invisible_currency(data: SandboxData) -> None:
    """An expense whose currency code ends in a zero-width space: no ISO 4217 code."""
    _expense_of_month(data, 8)["currency_code"] = "EUR\u200b"


def fine_amounts(data: SandboxData) -> None:
    """Expenses of EUR 10.005 and JPY 2500.5: finer than their currencies' minor units."""
    for index, (currency, amount) in enumerate(FINE_AMOUNTS, start=9):
        _expense_of_month(data, index).update(currency_code=currency, amount=str(amount))


def undated_invoice(data: SandboxData) -> None:
    """An unpaid invoice of £120 with no `date_created`: the month's last slot, so that the
    slots before it (which other scenarios use) stay where they are."""
    _, invoice = target(data, len(_slots(data)) - 1)
    _unpaid(invoice)
    _single_line(invoice, Decimal("120.00"))
    invoice["date_created"] = None


def unnumbered_invoice(data: SandboxData) -> None:
    """An invoice of the month with no `invoice_number`."""
    _, invoice = target(data, 13)
    invoice["invoice_number"] = None


def uk_midnight(data: SandboxData) -> None:
    """A WillSuite case created at 00:30 on 1 October, UK summer time (30 September 23:30
    UTC), with an invoice that day; and a mobility expense incurred at 30 September 23:30Z,
    which is 1 October in the UK."""
    case, invoice = _slots(data)[14]
    case["created_at"] = "2026-10-01 00:30:00"
    invoice["date_created"] = "2026-10-01 00:00:00"
    expense = next(
        each
        for expenses in data.mobility_expenses.values()
        for each in expenses
        if str(each["incurred_at"]).startswith("2026-09-2")
    )
    expense["incurred_at"] = "2026-09-30T23:30:00Z"


def idn_address(data: SandboxData) -> None:
    """A WillSuite client whose address has a non-ASCII domain (`anna@bücher.example`), and
    one whose address has a non-ASCII local part (`jörg@...`); each owes an invoice."""
    for (case, invoice), address in zip(
        _slots(data)[15:17], (IDN_ADDRESS, NON_ASCII_LOCAL_ADDRESS), strict=True
    ):
        _unpaid(invoice)
        case["email"] = address


def long_text(data: SandboxData) -> None:
    """An expense of the month whose title is longer than a spreadsheet cell holds."""
    _expense_of_month(data, 11)["title"] = LONG_TITLE


def stated_subtotal_zero(data: SandboxData) -> None:
    """An invoice whose header states subtotal 0 beside its VAT and total, as WillSuite's
    documented create answer does."""
    _, invoice = target(data, 17)
    invoice["subtotal"] = Decimal(0)


def credit_note(data: SandboxData) -> None:
    """A client owing an invoice of £540.00 who is given a credit note of -£120.00 in the
    month, neither refunded nor allocated ("Not Paid", no `date_paid`): it owes £420.00."""
    case_id, invoice = target(data, CREDIT_NOTE_SLOT)
    _unpaid(invoice)
    _single_line(invoice, CREDIT_NOTE_INVOICE)
    note = copy.deepcopy(invoice)
    _single_line(note, CREDIT_NOTE_TOTAL)
    note.update(
        id=CREDIT_NOTE_ID,
        invoice_number=f"{invoice['invoice_number']}-CN",
        date_created=invoice["date_created"],
        date_due=invoice["date_created"],
    )
    note["items"] = [
        {**note["items"][0], "id": f"{CREDIT_NOTE_ID}-1", "case_invoice_id": CREDIT_NOTE_ID}
    ]
    data.willsuite_invoices[case_id].append(note)


def _single_line(invoice: dict[str, Any], total: Decimal) -> None:
    """`invoice` with one live line of `total` gross, VAT at 20 % included."""
    vat = (total / 6).quantize(Decimal("0.01"))
    invoice.update(subtotal=total - vat, vat_amount=vat, total=total)
    invoice["items"] = [
        {
            **invoice["items"][0],
            "quantity": 1,
            "rate": total - vat,
            "subtotal": total - vat,
            "vat_amount": vat,
            "amount": total,
            "has_vat": True,
            "status": None,
        }
    ]


Scenario = Callable[[SandboxData], None]
SCENARIOS: dict[str, Scenario] = {
    "null-invoice-total": null_invoice_total,
    "duplicate-invoice": duplicate_invoice,
    "conflicting-invoice": conflicting_invoice,
    "no-due-date": no_due_date,
    "same-name-clients": same_name_clients,
    "missing-values": missing_values,
    "foreign-incomes": foreign_incomes,
    "pipeline-currencies": pipeline_currencies,
    "huge-amount": huge_amount,
    "path-id": path_id,
    "missing-id": missing_id,
    "hostile-names": hostile_names,
    "markup-names": markup_names,
    "misfiled-invoice": misfiled_invoice,
    "misfiled-item": misfiled_item,
    "misfiled-expense": misfiled_expense,
    "lookalike-names": lookalike_names,
    "expense-statuses": expense_statuses,
    "currency-spellings": currency_spellings,
    "invisible-currency": invisible_currency,
    "fine-amounts": fine_amounts,
    "undated-invoice": undated_invoice,
    "unnumbered-invoice": unnumbered_invoice,
    "uk-midnight": uk_midnight,
    "idn-address": idn_address,
    "long-text": long_text,
    "stated-subtotal-zero": stated_subtotal_zero,
    "credit-note": credit_note,
}


def apply(data: SandboxData, names: Iterable[str]) -> SandboxData:
    """`data` with each named scenario applied, in order; an unknown name is a ValueError."""
    for name in names:
        scenario = SCENARIOS.get(name)
        if scenario is None:
            raise ValueError(
                f"unknown hostile scenario {name!r}; choose from {', '.join(SCENARIOS)}"
            )
        scenario(data)
    return data
