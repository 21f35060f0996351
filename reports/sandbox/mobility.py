"""The mobility platform's sandbox: its generated cases, services, tasks, managers and expenses,
and its routes (`/mobility/v1/...`), shaped as `shared/api-docs/mobility-*.txt` shows."""

from __future__ import annotations

import datetime as dt
import math
import random
import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from reports.sandbox.common import Answer, Host, Response, VendorApi, page_of, positive
from reports.sandbox.data import (
    ANCHOR,
    COMPANIES,
    FIRST,
    LAST,
    START,
    SandboxData,
    Sizes,
    busy_day,
    day_in,
    iso_micro,
    midnight_z,
    person,
    stamp,
)

MOBILITY_TOKEN = "sandbox-mobility-token"

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
#: How an expense's status depends on its age at the sandbox's "today", as a firm's would:
#: old expenses are mostly invoiced, this month's mostly pending or approved; a few of any
#: age are rejected. (age in days at most, then weights of pending, approved, invoiced,
#: rejected.)
EXPENSE_STATUSES = ("pending", "approved", "invoiced", "rejected")
STATUS_WEIGHTS_BY_AGE = (
    (30, (44, 35, 15, 6)),
    (60, (8, 25, 60, 7)),
    (10**6, (1, 4, 88, 7)),
)


def minor_units(currency: str) -> int:
    """ISO 4217 minor units of the sandbox's currencies (its own table, not the client's)."""
    return 0 if currency == "JPY" else 2


def _money_text(amount: Decimal, currency: str) -> str:
    return str(amount.quantize(Decimal(1).scaleb(-minor_units(currency))))


def convert(amount: Decimal, source: str, target: str) -> Decimal:
    value = amount / Decimal(RATES_PER_EUR[source]) * Decimal(RATES_PER_EUR[target])
    return value.quantize(Decimal(1).scaleb(-minor_units(target)), ROUND_HALF_UP)


class Generator:
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
        first, last = person(rng)
        expat = f"{first} {last}"
        manager = person(rng)
        manager_id = 500 + rng.randrange(20)
        hr = (588 + rng.randrange(5), f"{rng.choice(FIRST)} HR")
        client_id = 70 + rng.randrange(len(COMPANIES))
        client = COMPANIES[client_id - 70]
        entity_id, entity_name, entity_currency = rng.choice(LEGAL_ENTITIES)
        created = busy_day(rng, START, ANCHOR - dt.timedelta(days=10))
        start = created + dt.timedelta(days=rng.randrange(2, 20))
        end = start + dt.timedelta(days=rng.randrange(60, 200))
        status, label = rng.choice(CASE_STATUSES)
        home, host = rng.sample(CITIES, 2)
        created_at = stamp(created, rng)
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
            "start_date": midnight_z(start),
            "end_date": midnight_z(end),
            "forecast_end_date": midnight_z(end - dt.timedelta(days=7)),
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
            "processed_at": iso_micro(created_at + dt.timedelta(days=2)),
            "created_at": iso_micro(created_at),
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
            # Spread over the case's first five months; those after the sandbox's "today"
            # have not happened yet (never piled on its last day).
            incurred = start + dt.timedelta(days=rng.randrange(0, 150))
            if incurred > ANCHOR:
                continue
            age = (ANCHOR - incurred).days
            weights = next(w for limit, w in STATUS_WEIGHTS_BY_AGE if age <= limit)
            status = rng.choices(EXPENSE_STATUSES, weights)[0]
            invoiced = status == "invoiced"
            invoice_date = (
                day_in(rng, incurred, min(ANCHOR, incurred + dt.timedelta(days=30)))
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
                    "created_at": stamp(incurred, rng).isoformat(),
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
    """The platform's percent invoiced: of the billable (not rejected) expenses' amounts in
    its own conversion, the share on an invoice."""
    rows = [r for r in rows if r["status"] != "rejected"]
    total = sum((Decimal(r["converted_amount"]) for r in rows), Decimal(0))
    done = sum((Decimal(r["converted_amount"]) for r in rows if r["invoice_id"]), Decimal(0))
    share = (
        (done / total * 100).quantize(Decimal("0.01"), ROUND_HALF_UP) if total else Decimal("0.00")
    )
    return str(share)


# --------------------------------------------------------------------------- plannr


class MobilityApi(VendorApi):
    prefix = "/mobility"

    def __init__(self, host: Host, max_per_page: int = 500) -> None:
        super().__init__(host)
        #: The most items a page holds, whatever `per_page` asks: the server's own cap.
        self.max_per_page = max_per_page

    def page(self, items: list[dict[str, Any]], query: dict[str, str]) -> dict[str, Any]:
        return _mobility_page(items, query, self.max_per_page)

    def handle(
        self, method: str, path: str, query: dict[str, str], headers: Any, payload: Any
    ) -> Answer:
        if headers.get("Authorization") != f"Bearer {MOBILITY_TOKEN}":
            raise Response(401, {"success": False, "message": "Unauthenticated."})
        if method != "GET":
            raise Response(405, {"success": False, "message": "Method not allowed."})
        data = self.data
        if path == "/v1/cases":
            return 200, self.page(data.mobility_cases, query), {}
        if path == "/v1/cases/tasks":
            tasks = data.mobility_tasks
            if "case_id" in query:
                tasks = [t for t in tasks if str(t["expat_case_id"]) == query["case_id"]]
            return 200, self.page(tasks, query), {}
        if match := re.fullmatch(r"/v1/cases/tasks/(\d+)/managers", path):
            task_managers = data.mobility_task_managers.get(int(match[1]))
            if task_managers is None:
                raise Response(404, {"success": False, "message": "Task not found."})
            return 200, {"success": True, "result": task_managers}, {}
        if match := re.fullmatch(r"/v1/cases/tasks/(\d+)", path):
            task = next((t for t in data.mobility_tasks if t["id"] == int(match[1])), None)
            if task is None:
                raise Response(404, {"success": False, "message": "Task not found."})
            return 200, {"success": True, "result": {"task": task}}, {}
        if match := re.fullmatch(r"/v1/cases/(\d+)(/.*)?", path):
            case_id = int(match[1])
            if case_id not in data.mobility_expenses:
                raise Response(404, {"success": False, "message": "Case not found."})
            rest = match[2] or ""
            if rest == "":
                return 200, {"success": True, "result": {"case": _case_detail(self, case_id)}}, {}
            if rest == "/managers":
                managers = data.mobility_case_managers[case_id]
                return (
                    200,
                    {
                        "result": managers,
                        "allowed_actions": {"create": True},
                        "total": len(managers),
                    },
                    {},
                )
            if rest == "/expenses":
                return 200, self.page(data.mobility_expenses[case_id], query), {}
            if expense := re.fullmatch(r"/expenses/(\d+)", rest):
                found = next(
                    (e for e in data.mobility_expenses[case_id] if e["id"] == int(expense[1])), None
                )
                if found is None:
                    raise Response(404, {"success": False, "message": "Expense not found."})
                return 200, {"success": True, "result": {"expense": found}}, {}
        raise Response(404, {"success": False, "message": "Not found."})


def _mobility_page(
    items: list[dict[str, Any]], query: dict[str, str], max_per_page: int = 500
) -> dict[str, Any]:
    per_page = min(max_per_page, positive(query.get("per_page"), 20))
    page = positive(query.get("page"), 1)
    last = max(1, math.ceil(len(items) / per_page))
    return {
        "success": True,
        "result": {
            "currentPage": page,
            "perPage": per_page,
            "lastPage": last,
            "total": len(items),
            "items": page_of(items, page, per_page),
            "filters": [],
            "resource_columns": [],
        },
    }


def _case_detail(sandbox: MobilityApi, case_id: int) -> dict[str, Any]:
    case = next(c for c in sandbox.data.mobility_cases if c["id"] == case_id)
    tasks = [t for t in sandbox.data.mobility_tasks if t["expat_case_id"] == case_id]
    services = []
    for service in case["services"]:
        own = [t for t in tasks if t["case_service_id"] == service["id"]]
        done = sum(1 for t in own if t["status"] == "completed")
        services.append(
            {
                **service,
                "total_tasks": len(own),
                "total_subtasks": 0,
                "completed_tasks": done,
                "completed_subtasks": 0,
                "completion_rate": round(100 * done / len(own)) if own else 0,
            }
        )
    return {
        **case,
        "services": services,
        "permissions": ["create case", "view case", "update case", "update service start date"],
        "allowed_actions": {"create_follower": True, "can_add_task": True, "update": True},
        "order": {"id": case["order_id"], "entity_id": case["client_id"], "entity_type": "client"},
    }
