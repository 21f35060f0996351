"""Realistic generated data for the three sandbox APIs, shaped field for field like the docs.

Deterministic: the same seed and sizes give the same data (no clock, no global random).
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
import uuid
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from reports.compute.incomes import PER_YEAR
from reports.money import minor_units
from reports.sources.plannr import FREQUENCIES, INCOME_TYPES

#: The sandbox's "today": data runs up to here, so demos and tests do not depend on the clock.
#: It sits inside the embedded ECB rate history, so every expense converts.
ANCHOR = dt.date(2026, 10, 31)
START = dt.date(2025, 11, 1)
UK = ZoneInfo("Europe/London")

FIRST = [
    "Jane",
    "John",
    "Amelia",
    "Oliver",
    "Sofia",
    "Liam",
    "Mia",
    "Noah",
    "Emma",
    "Lucas",
    "Ava",
    "Leo",
    "Isla",
    "Hugo",
    "Ella",
    "Arjun",
    "Chloe",
    "Mateo",
    "Zara",
    "Felix",
    "Priya",
    "Tom",
    "Hannah",
    "Yuki",
]
LAST = [
    "Doe",
    "Smith",
    "Jones",
    "Müller",
    "García",
    "Rossi",
    "Dubois",
    "Novak",
    "Kowalski",
    "Tanaka",
    "Patel",
    "Okafor",
    "Andersson",
    "Silva",
    "Brown",
    "Taylor",
    "Wilson",
    "Evans",
    "O'Brien",
    "Nguyen",
]
COMPANIES = [
    "Example Client Ltd",
    "Northwind Traders plc",
    "Acme Engineering GmbH",
    "Globex Corporation",
    "Initech Ltd",
    "Umbrella Pharma AG",
    "Stark & Wayne LLP",
    "Contoso Bank SA",
]
CITIES = [
    ("DE", "Berlin"),
    ("ES", "Madrid"),
    ("GB", "London"),
    ("US", "New York"),
    ("CH", "Zurich"),
    ("JP", "Tokyo"),
    ("SE", "Stockholm"),
    ("FR", "Paris"),
    ("SG", "Singapore"),
    ("AU", "Sydney"),
]
LEGAL_ENTITIES = [
    (9901, "XPath Germany GmbH", "EUR"),
    (9902, "XPath UK Ltd", "GBP"),
    (9903, "XPath US Inc", "USD"),
]
SERVICES = [
    (4702, "Immigration"),
    (4703, "Home Search"),
    (4704, "School Search"),
    (4705, "Tax Briefing"),
    (4706, "Household Goods Move"),
    (4707, "Settling In"),
]
COST_CATEGORIES = [
    (1, "Travel"),
    (2, "Accommodation"),
    (3, "Immigration"),
    (4, "Removals"),
    (5, "Fees"),
]
COVERED_BY = [(1, "Employee"), (2, "Client"), (3, "Provider")]
#: Units of each currency per 1 EUR (the ECB's of 30 October 2026), which the platform uses
#: for its own `converted_amount` whatever the date; our conversions use each date's ECB rate.
RATES_PER_EUR = {
    "EUR": "1",
    "GBP": "0.8338",
    "USD": "1.1172",
    "CHF": "0.9194",
    "JPY": "175.68",
    "SEK": "10.978",
    "NOK": "10.312",
    "DKK": "7.4735",
    "PLN": "4.4038",
    "CZK": "24.353",
    "AUD": "1.5904",
    "CAD": "1.5606",
    "SGD": "1.4282",
    "HKD": "8.7652",
    "INR": "106.084",
}
CASE_STATUSES = [
    ("in_progress", "In progress"),
    ("completed", "Completed"),
    ("pending", "Pending"),
    ("on_hold", "On hold"),
]
EXPENSE_STATUSES = ["pending", "approved", "invoiced", "invoiced", "rejected"]

PLANNR_STATUSES = ["Lead", "Fact find", "Recommendation", "Implementation", "Completed", "Lost"]
PLANNR_TYPES = [
    "Pension transfer",
    "Investment review",
    "Protection",
    "Mortgage",
    "Estate planning",
]
PLANNR_PLANS = ["ISA", "SIPP", "GIA", "Term life", "Income protection", "Workplace pension"]

WILL_PRODUCTS = [
    ("Single Will", "150.00", True),
    ("Mirror Wills", "250.00", True),
    ("LPA", "300.00", True),
    ("Property Trust", "450.00", True),
    ("Storage (annual)", "25.00", True),
    ("OPG registration fee", "82.00", False),
    ("Land Registry fee", "7.00", False),
    ("1h Meetings", "20.00", True),
]
VAT_RATE = Decimal("0.20")


@dataclass(frozen=True)
class Sizes:
    mobility_cases: int = 300
    plannr_cases: int = 300
    plannr_clients: int = 150
    willsuite_cases: int = 300
    max_expenses_per_case: int = 12


@dataclass
class SandboxData:
    mobility_cases: list[dict[str, Any]] = field(default_factory=list)
    mobility_tasks: list[dict[str, Any]] = field(default_factory=list)
    mobility_case_managers: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    mobility_task_managers: dict[int, dict[str, dict[str, Any]]] = field(default_factory=dict)
    mobility_expenses: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    plannr_cases: list[dict[str, Any]] = field(default_factory=list)
    plannr_clients: list[dict[str, Any]] = field(default_factory=list)
    plannr_incomes: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    willsuite_cases: list[dict[str, Any]] = field(default_factory=list)
    willsuite_invoices: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def generate(seed: int = 1, sizes: Sizes | None = None) -> SandboxData:
    sizes = sizes or Sizes()
    data = SandboxData()
    _Mobility(random.Random(f"mobility-{seed}"), data, sizes).run()
    _Plannr(random.Random(f"plannr-{seed}"), data, sizes).run()
    _WillSuite(random.Random(f"willsuite-{seed}"), data, sizes).run()
    return data


# --------------------------------------------------------------------------- helpers


def _day(rng: random.Random, start: dt.date = START, end: dt.date = ANCHOR) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _stamp(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime(
        day.year,
        day.month,
        day.day,
        rng.randrange(8, 19),
        rng.randrange(60),
        rng.randrange(60),
        tzinfo=dt.UTC,
    )


def _iso_micro(value: dt.datetime) -> str:  # Laravel style: 2026-04-28T10:34:11.000000Z
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _midnight_z(day: dt.date | None) -> str | None:
    return None if day is None else f"{day.isoformat()}T00:00:00.000000Z"


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _mailbox(first: str, last: str, domain: str) -> str:
    """An ASCII address from a name (Müller -> muller), as most mail systems still need."""
    local = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore").decode()
    return f"{local.lower().replace(chr(39), '')}@{domain}"


def _person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST), rng.choice(LAST)


def _money_text(amount: Decimal, currency: str) -> str:
    return str(amount.quantize(Decimal(1).scaleb(-minor_units(currency))))


def convert(amount: Decimal, source: str, target: str) -> Decimal:
    value = amount / Decimal(RATES_PER_EUR[source]) * Decimal(RATES_PER_EUR[target])
    return value.quantize(Decimal(1).scaleb(-minor_units(target)), ROUND_HALF_UP)


# --------------------------------------------------------------------------- mobility


class _Mobility:
    def __init__(self, rng: random.Random, data: SandboxData, sizes: Sizes) -> None:
        self.rng, self.data, self.sizes = rng, data, sizes
        self.next_task = 900
        self.next_expense = 1500
        self.next_service = 430

    def run(self) -> None:
        for index in range(self.sizes.mobility_cases):
            self.case(590 + index)

    def case(self, case_id: int) -> None:
        rng = self.rng
        first, last = _person(rng)
        expat = f"{first} {last}"
        manager = _person(rng)
        manager_id = 500 + rng.randrange(20)
        hr = (588 + rng.randrange(5), f"{rng.choice(FIRST)} HR")
        client_id = 70 + rng.randrange(len(COMPANIES))
        client = COMPANIES[client_id - 70]
        entity_id, entity_name, entity_currency = rng.choice(LEGAL_ENTITIES)
        created = _day(rng, START, ANCHOR - dt.timedelta(days=10))
        start = created + dt.timedelta(days=rng.randrange(2, 20))
        end = start + dt.timedelta(days=rng.randrange(60, 200))
        status, label = rng.choice(CASE_STATUSES)
        home, host = rng.sample(CITIES, 2)
        created_at = _stamp(created, rng)
        services = []
        for service_id, service_name in rng.sample(SERVICES, rng.randrange(1, 4)):
            self.next_service += 1
            services.append(
                {
                    "id": self.next_service,
                    "service_name": service_name,
                    "service_id": service_id,
                    "expat_case_id": case_id,
                    "processed_at": start.isoformat(),
                    "tags": [],
                    "percent_invoiced": "0.00",
                    "status": status,
                    "forecast_start_date": start.isoformat(),
                    "forecast_end_date": (end - dt.timedelta(days=7)).isoformat(),
                }
            )
        assignment = {
            "id": 300 + case_id,
            "author_id": manager_id,
            "client_id": client_id,
            "expat_id": 100 + case_id,
            "expat_name": expat,
            "requested_by_name": " ".join(manager),
            **self.side("home", home),
            **self.side("host", host),
            "payroll": None,
            "number_adults": rng.randrange(1, 3),
            "number_children": rng.randrange(0, 4),
            "type": "relocation",
            "type_label": "Relocation",
            "status": "preparing",
            "status_id": "preparing",
            "review_approved_count": 0,
            "review_rejected_count": 0,
            "review_total_count": 0,
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "notes": None,
            "cancelled_by": None,
            "is_confidential": rng.random() < 0.1,
            "sponsor": None,
            "created_at": (created_at - dt.timedelta(hours=2)).isoformat(),
            "archived_at": None,
            "archived": False,
        }
        case = {
            "id": case_id,
            "type": "relocation",
            "provider_id": 23,
            "provider_name": "Provider Group",
            "client_id": client_id,
            "client_name": client,
            "expat_id": 100 + case_id,
            "expat_name": expat,
            "case_manager_id": manager_id,
            "case_manager_name": " ".join(manager),
            "case_manager_profile_image": "",
            "start_date": _midnight_z(start),
            "end_date": _midnight_z(end),
            "forecast_end_date": _midnight_z(end - dt.timedelta(days=7)),
            "order_id": 3000 + case_id,
            "order_number": f"ORD-{3000 + case_id}",
            "order_legal_entity_id": entity_id,
            "order_legal_entity_name": entity_name,
            "status": status,
            "status_label": label,
            "archived_at": None,
            "archived": False,
            "deadline": None,
            "completion_rate": 100 if status == "completed" else rng.randrange(0, 95),
            "assignment": assignment,
            "assignment_id": assignment["id"],
            "assignment_flow_id": 21,
            "services": services,
            "tags": rng.choice([[], [], ["vip"], ["group-move"]]),
            "subject": {
                "id": 90 + case_id,
                "name": expat,
                "reference_type": "expat",
                "reference_id": 100 + case_id,
            },
            "label": f"Case #{case_id} for {expat}",
            "name": "Relocation Case",
            "percent_invoiced": "0.00",
            "hr_manager": {"id": hr[0], "name": hr[1]},
            "processed_at": _iso_micro(created_at + dt.timedelta(days=2)),
            "created_at": _iso_micro(created_at),
        }
        self.data.mobility_cases.append(case)
        self.data.mobility_case_managers[case_id] = [
            self.manager(manager_id, " ".join(manager), "case", case_id, ["manager"], delete=False),
            self.manager(hr[0], hr[1], "case", case_id, ["follower"], delete=True),
        ]
        tasks = [
            self.task(case, service, expat, client)
            for service in services
            for _ in range(rng.randrange(1, 4))
        ]
        self.expenses(case, tasks, entity_currency, entity_name, services)

    def side(self, side: str, place: tuple[str, str]) -> dict[str, Any]:
        return {
            f"{side}_country": place[0],
            f"{side}_city": place[1],
            f"{side}_manager_id": 0,
            f"{side}_manager_name": None,
            f"{side}_manager_email": None,
            f"{side}_segment_id": None,
            f"{side}_segment_name": None,
            f"{side}_department_id": None,
            f"{side}_department_name": None,
            f"{side}_company_id": None,
            f"{side}_company_name": None,
            f"{side}_office_id": 0,
            f"{side}_office_name": None,
            f"{side}_cost_center": None,
            f"{side}_business_unit": None,
            f"{side}_address": None,
        }

    def manager(
        self,
        user_id: int,
        name: str,
        model: str,
        model_id: int,
        roles: list[str],
        delete: bool,
        image: bool = False,
    ) -> dict[str, Any]:
        permissions = [f"view {model} details"] + (
            [f"update {model} details"] if "manager" in roles else []
        )
        user: dict[str, Any] = {"user_id": user_id, "user_name": name}
        if image:
            user["user_image"] = f"https://cdn.example.com/users/{user_id}.jpg"
        user["allowed_actions"] = (
            {"delete": delete} if image else {"delete": delete, "update": True}
        )
        user["models"] = [
            {"model_type": model, "model_id": model_id, "roles": roles, "permissions": permissions}
        ]
        return user

    def task(
        self, case: dict[str, Any], service: dict[str, Any], expat: str, client: str
    ) -> dict[str, Any]:
        rng = self.rng
        self.next_task += 1
        start = dt.date.fromisoformat(service["forecast_start_date"]) + dt.timedelta(
            days=rng.randrange(0, 20)
        )
        duration = rng.randrange(3, 30)
        end = start + dt.timedelta(days=duration)
        assignee = (600 + rng.randrange(30), f"{rng.choice(FIRST)} {rng.choice(LAST)}")
        status = rng.choice(["in_progress", "completed", "not_started"])
        name = f"{rng.choice(['Collect', 'Review', 'Submit', 'Book', 'Confirm'])} {service['service_name']} Documents"
        task = {
            "id": self.next_task,
            "case_service_id": service["id"],
            "expat_case_id": case["id"],
            "name": name,
            "description": f"{name} for {expat}.",
            "assignee_id": assignee[0],
            "assignee_name": assignee[1],
            "assignee": {"id": assignee[0], "name": assignee[1]},
            "status": status,
            "parent_id": None,
            "dependent_task_id": None,
            "start_date": start.isoformat(),
            "end_date": end.isoformat(),
            "forecast_duration": duration - 2,
            "forecast_start_date": start.isoformat(),
            "forecast_end_date": (end - dt.timedelta(days=2)).isoformat(),
            "custom_start_date": None,
            "custom_end_date": None,
            "duration": duration,
            "initial_duration": duration,
            "initial_start_date": start.isoformat(),
            "initial_end_date": end.isoformat(),
            "team_id": None,
            "computed_start_date": start.isoformat(),
            "computed_end_date": (end - dt.timedelta(days=2)).isoformat(),
            "computed_duration": duration,
            "tags": [],
            "subtask_total": 0,
            "is_parent": False,
            "expat_name": expat,
            "client_name": client,
            "label": name,
            "allowed_actions": ["update", "update_assignee", "update_status"],
            "status_label": status.replace("_", " ").capitalize(),
            "milestone_name": None,
            "milestone_id": None,
            "workflow_id": None,
        }
        self.data.mobility_tasks.append(task)
        self.data.mobility_task_managers[task["id"]] = {
            str(assignee[0]): self.manager(
                assignee[0], assignee[1], "task", task["id"], ["manager"], delete=False, image=True
            )
        }
        return task

    def expenses(
        self,
        case: dict[str, Any],
        tasks: list[dict[str, Any]],
        entity_currency: str,
        entity_name: str,
        services: list[dict[str, Any]],
    ) -> None:
        rng = self.rng
        rows = []
        start = dt.date.fromisoformat(case["assignment"]["start_date"])
        for _ in range(rng.randrange(0, self.sizes.max_expenses_per_case + 1)):
            self.next_expense += 1
            currency = rng.choice(list(RATES_PER_EUR) + ["EUR", "GBP", "USD"] * 3)
            scale = {0: 1, 2: 100}.get(minor_units(currency), 100)
            base_eur = Decimal(rng.randrange(1500, 250000)) / 100
            amount = convert(base_eur, "EUR", currency) if scale else base_eur
            task = rng.choice(tasks) if tasks else None
            category_id, category = rng.choice(COST_CATEGORIES)
            cover_id, cover = rng.choice(COVERED_BY)
            incurred = min(ANCHOR, start + dt.timedelta(days=rng.randrange(0, 150)))
            status = rng.choice(EXPENSE_STATUSES)
            invoiced = status == "invoiced"
            invoice_date = (
                min(ANCHOR, incurred + dt.timedelta(days=rng.randrange(1, 30)))
                if invoiced
                else None
            )
            rows.append(
                {
                    "id": self.next_expense,
                    "expat_case_id": case["id"],
                    "task_id": task["id"] if task else None,
                    "title": rng.choice(
                        ["Visa Fees", "Flight", "Hotel", "Removal van", "Translation", "Deposit"]
                    ),
                    "amount": _money_text(amount, currency),
                    "currency_code": currency,
                    "converted_amount": _money_text(
                        convert(amount, currency, entity_currency), entity_currency
                    ),
                    "converted_amount_currency_code": entity_currency,
                    "cost_category_id": category_id,
                    "cost_category_name": category,
                    "incurred_at": incurred.isoformat(),
                    "covered_by_id": cover_id,
                    "covered_by_name": cover,
                    "entity_id": case["client_id"],
                    "status": status,
                    "invoice_id": 7000 + self.next_expense if invoiced else None,
                    "invoice_date": invoice_date.isoformat() if invoice_date else None,
                    "order_number": case["order_number"],
                    "expat_name": case["expat_name"],
                    "client_name": case["client_name"],
                    "legal_entity_name": entity_name,
                    "service_name": rng.choice(services)["service_name"],
                    "task_name": task["name"] if task else None,
                    "created_at": _stamp(incurred, rng).isoformat(),
                    "file": {},
                }
            )
        self.data.mobility_expenses[case["id"]] = rows
        # The platform's own invoiced shares, from the expenses it holds, in its own currency.
        case["percent_invoiced"] = _invoiced_share(rows)
        for service in services:
            own = [r for r in rows if r["service_name"] == service["service_name"]]
            service["percent_invoiced"] = _invoiced_share(own)


def _invoiced_share(rows: list[dict[str, Any]]) -> str:
    total = sum((Decimal(r["converted_amount"]) for r in rows), Decimal(0))
    done = sum((Decimal(r["converted_amount"]) for r in rows if r["invoice_id"]), Decimal(0))
    share = (
        (done / total * 100).quantize(Decimal("0.01"), ROUND_HALF_UP) if total else Decimal("0.00")
    )
    return str(share)


# --------------------------------------------------------------------------- plannr


def pennies_money(pennies: int, currency: str = "GBP") -> dict[str, str]:
    pounds = Decimal(pennies).scaleb(-2)
    return {"amount": str(pennies), "currency": currency, "formatted": f"£{pounds:,.2f}"}


class _Plannr:
    def __init__(self, rng: random.Random, data: SandboxData, sizes: Sizes) -> None:
        self.rng, self.data, self.sizes = rng, data, sizes
        self.statuses = [{"uuid": _uuid(rng), "name": name} for name in PLANNR_STATUSES]
        self.types = [{"uuid": _uuid(rng), "name": name} for name in PLANNR_TYPES]
        self.advisers = [
            {"uuid": _uuid(rng), "name": f"{a} {b}"} for a, b in (_person(rng) for _ in range(6))
        ]

    def offset_stamp(self, day: dt.date) -> str:
        local = dt.datetime(
            day.year,
            day.month,
            day.day,
            self.rng.randrange(8, 19),
            self.rng.randrange(60),
            self.rng.randrange(60),
            tzinfo=UK,
        )
        return local.isoformat()

    def run(self) -> None:
        for _ in range(self.sizes.plannr_clients):
            self.client()
        for _ in range(self.sizes.plannr_cases):
            self.case()

    def account(self, first: str, last: str, account_uuid: str, created: str) -> dict[str, Any]:
        return {
            "name": f"{first} {last}",
            "role": "client",
            "type": "client",
            "uuid": account_uuid,
            "email": _mailbox(first, last, "example.com"),
            "last_name": last,
            "photo_url": f"https://eu.ui-avatars.com/api/?name={first}+{last}",
            "created_at": created,
            "first_name": first,
            "updated_at": created,
            "external_references": [],
        }

    def client(self) -> None:
        rng = self.rng
        first, last = _person(rng)
        created_day = _day(rng, START - dt.timedelta(days=700), ANCHOR - dt.timedelta(days=30))
        created = self.offset_stamp(created_day)
        client = self.account(first, last, _uuid(rng), created)
        client.update(
            {
                "with_login": rng.random() < 0.5,
                "has_joint_account": rng.random() < 0.3,
                "can_be_deleted": "false",
                "inactive_at": None,
                "first_contact_date": created,
                "next_review_date": self.offset_stamp(
                    ANCHOR + dt.timedelta(days=rng.randrange(10, 300))
                ),
                "previous_review_date": None,
                "anniversary_review_date": None,
            }
        )
        self.data.plannr_clients.append(client)
        incomes = []
        for _ in range(rng.randrange(0, 5)):
            incomes.append(self.income(client))
        self.data.plannr_incomes[client["uuid"]] = incomes

    def income(self, client: dict[str, Any]) -> dict[str, Any]:
        rng = self.rng
        kind = rng.choice(INCOME_TYPES)
        frequency = rng.choice(FREQUENCIES)
        per_year = PER_YEAR.get(frequency, 1)
        pennies = rng.randrange(500_000, 12_000_000) // per_year
        start = _day(rng, START - dt.timedelta(days=900), ANCHOR)
        end = start + dt.timedelta(days=rng.randrange(200, 1500)) if rng.random() < 0.4 else None
        created = self.offset_stamp(start)
        employment = None
        if kind in ("salary", "bonus", "benefit", "dividend") and rng.random() < 0.7:
            employment = {
                "uuid": _uuid(rng),
                "income": None,
                "profit": pennies_money(rng.randrange(0, 9_000_000)),
                "status": "employed",
                "address": None,
                "primary": True,
                "employer": rng.choice(COMPANIES),
                "ended_at": None,
                "directors": None,
                "job_title": rng.choice(["Engineer", "Teacher", "Nurse", "Director", "Analyst"]),
                "created_at": created,
                "occupation": "Professional",
                "started_at": created,
                "updated_at": created,
                "phone_number": None,
                "shared_owner": None,
                "business_name": None,
                "email_address": None,
                "business_value": pennies_money(0),
                "occupation_code": "FAC02774",
                "accountant_email": None,
                "turnover_history": [],
                "business_year_end": None,
                "is_business_owner": kind == "dividend",
                "shared_owner_type": None,
                "accountant_address": None,
                "last_salary_increase": pennies_money(rng.randrange(0, 500_000)),
                "accountant_company_name": None,
                "accountant_telephone_number": None,
                "shareholding_in_business": pennies_money(0),
                "percentage_of_business_shared": 0,
            }
        return {
            "name": f"{kind.replace('_', ' ').title()} ({frequency.replace('_', ' ')})",
            "type": kind,
            "uuid": _uuid(rng),
            "amount": pennies_money(pennies),
            "account": {
                k: client[k]
                for k in (
                    "name",
                    "role",
                    "type",
                    "uuid",
                    "email",
                    "last_name",
                    "photo_url",
                    "created_at",
                    "first_name",
                    "updated_at",
                    "external_references",
                )
            },
            "end_date": end.isoformat() if end else None,
            "frequency": frequency,
            "created_at": created,
            "employment": employment,
            "is_taxable": kind not in ("benefit",) or rng.random() < 0.5,
            "start_date": start.isoformat(),
            "updated_at": created,
            "amount_type": rng.choice(["net", "gross"]),
            "shared_owner": None,
            "shared_owner_type": "individual",
        }

    def case(self) -> None:
        rng = self.rng
        created_day = _day(rng, START, ANCHOR - dt.timedelta(days=5))
        status = rng.choice(self.statuses)
        clients = rng.sample(self.data.plannr_clients, rng.randrange(1, 3))
        completed = None
        if status["name"] == "Completed":
            completed = self.offset_stamp(
                min(ANCHOR, created_day + dt.timedelta(days=rng.randrange(5, 90)))
            )
        plans = [
            {"uuid": _uuid(rng), "name": name}
            for name in rng.sample(PLANNR_PLANS, rng.randrange(0, 3))
        ]
        self.data.plannr_cases.append(
            {
                "uuid": _uuid(rng),
                "name": f"{clients[0]['last_name']} – {rng.choice(PLANNR_TYPES)}",
                "value": pennies_money(rng.randrange(0, 5_000_000)),
                "status": status,
                "type": rng.choice(self.types),
                "review_at": self.offset_stamp(
                    created_day + dt.timedelta(days=rng.randrange(30, 365))
                ),
                "completed_at": completed,
                "plans": plans,
                "participants": [
                    {"uuid": c["uuid"], "name": c["name"], "type": "client"} for c in clients
                ],
                "assigned_to": [rng.choice(self.advisers)],
                "groups": [],
                "created_at": self.offset_stamp(created_day),
                "updated_at": self.offset_stamp(created_day),
            }
        )


# --------------------------------------------------------------------------- willsuite


def line_item(
    rng: random.Random, invoice_id: str, case_id: str, product: tuple[str, str, bool]
) -> dict[str, Any]:
    description, rate_text, has_vat = product
    quantity = rng.randrange(1, 4) if description == "1h Meetings" else 1
    rate = Decimal(rate_text)
    subtotal = rate * quantity
    vat = (
        (subtotal * VAT_RATE).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if has_vat
        else Decimal("0.00")
    )
    return {
        "id": _uuid(rng),
        "description": description,
        "amount": subtotal + vat,
        "quantity": quantity,
        "rate": rate,
        "subtotal": subtotal,
        "vat_amount": vat,
        "status": None,
        "paid_at": None,
        "case_invoice_id": invoice_id,
        "customer_case_id": case_id,
        "has_vat": has_vat,
    }


class _WillSuite:
    def __init__(self, rng: random.Random, data: SandboxData, sizes: Sizes) -> None:
        self.rng, self.data, self.sizes = rng, data, sizes
        self.numbers: dict[str, int] = {}

    def run(self) -> None:
        for _ in range(self.sizes.willsuite_cases):
            self.case()

    def case(self) -> None:
        rng = self.rng
        first, last = _person(rng)
        created = _day(rng, START, ANCHOR - dt.timedelta(days=3))
        updated = min(ANCHOR, created + dt.timedelta(days=rng.randrange(0, 60)))
        case_id = _uuid(rng)
        code = "".join(ch for ch in last.upper() if ch.isalpha())[:5]
        self.numbers[code] = self.numbers.get(code, 0) + 1
        ref = f"{created:%d%m%Y} - {code}{self.numbers[code]:03d}"
        case = {
            "id": case_id,
            "ref": ref,
            "meta": {},
            "email": _mailbox(first, last, "example.co.uk"),
            "notes": None,
            "postcode": rng.choice(["LE11 5FD", "NE46 4TF", "SW1A 1AA", "M1 1AE", "BS1 4DJ"]),
            "full_names": f"{first} {last}",
            "last_names": last,
            "first_names": first,
            "created_at": f"{created.isoformat()} {rng.randrange(9, 18):02d}:{rng.randrange(60):02d}:00",
            "updated_at": f"{updated.isoformat()} 17:00:00",
        }
        self.data.willsuite_cases.append(case)
        invoices = []
        for number in range(1, rng.randrange(0, 4) + 1):
            invoices.append(
                self.invoice(case, f"{code}{self.numbers[code]:04d}-{number}", first, last, created)
            )
        self.data.willsuite_invoices[case_id] = invoices

    def invoice(
        self, case: dict[str, Any], number: str, first: str, last: str, created: dt.date
    ) -> dict[str, Any]:
        rng = self.rng
        invoice_id = _uuid(rng)
        date = min(ANCHOR, created + dt.timedelta(days=rng.randrange(0, 40)))
        due = date + dt.timedelta(days=30)
        items = [
            line_item(rng, invoice_id, case["id"], p)
            for p in rng.sample(WILL_PRODUCTS, rng.randrange(1, 5))
        ]
        for item in items:
            if rng.random() < 0.06:
                item["status"] = "cancelled"
        live = [item for item in items if item["status"] is None]
        subtotal = sum((i["subtotal"] for i in live), Decimal(0))
        vat = sum((i["vat_amount"] for i in live), Decimal(0))
        paid = rng.random() < 0.55 and date < ANCHOR
        paid_on = min(ANCHOR, date + dt.timedelta(days=rng.randrange(0, 45))) if paid else None
        for item in live:
            item["paid_at"] = f"{paid_on.isoformat()} 12:00:00" if paid_on else None
        quirk = rng.random() < 0.03  # WillSuite sometimes states subtotal 0, as its own docs show
        return {
            "id": invoice_id,
            "ref": None,
            "notes": None,
            "terms": "If this invoice is not paid within 30 days, 1% interest shall be added for each week it is overdue.",
            "date_created": f"{date.isoformat()} 00:00:00",
            "date_due": f"{due.isoformat()} 00:00:00",
            "date_sent": f"{date.isoformat()} 00:00:00" if rng.random() < 0.7 else None,
            "date_paid": f"{paid_on.isoformat()} 00:00:00" if paid_on else None,
            "payment_terms": "30 Days Payment Period",
            "subtotal": Decimal(0) if quirk else subtotal,
            "total": subtotal + vat,
            "invoice_number": number,
            "recipients_name": f"{rng.choice(['Mr', 'Mrs', 'Ms', 'Dr'])} {first[0]}. {last}",
            "vat_amount": vat,
            "customer_case_id": case["id"],
            "status": "Paid" if paid else "Not Paid",
            "mail_sent": rng.random() < 0.7,
            "payable_online": True,
            "formatted_recurring_interval": None,
            "items": items,
        }
