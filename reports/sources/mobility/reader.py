"""The global-mobility (relocation) case platform: cases, services, tasks, managers, expenses.

Confirmed by its documentation (`shared/api-docs/mobility-cases-tasks-expenses.txt`, the
only one there is): every list answers `{"success": true, "result": {"currentPage",
"perPage", "lastPage", "total", "items"}}`; expenses and managers exist only per case (and
per task), so they are a fan-out; a case's detail adds fields the list lacks.

Still a guess: the largest page the server allows (the docs set none). We ask for
`page_size` (100 unless `REPORTS_MOBILITY_PAGE_SIZE` says otherwise) and follow the
`perPage` and `lastPage` the server answers with, so a smaller cap costs pages, not records.
Also a guess: the expense statuses besides the documented `pending` (`approved`,
`invoiced`, `rejected`, the platform's workflow); any other is flagged by the report and
counted in no total (`compute.invoicing.expense_state`).

Ours, not the vendor's: an expense belongs to the case it was listed under (`case_id`). Its
own `expat_case_id` is kept as `stated_case_id`, and the report flags a disagreement.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import httpx
import polars as pl

from reports.errors import IncompleteDataError, SourceError
from reports.http import (
    ApiClient,
    HttpLimits,
    ProgressCallback,
    ResultItems,
    RetryPolicy,
    fetch_pages,
    record_id,
    segment,
)
from reports.schema import TypedRecords
from reports.sources.base import HttpSource, Parent, Role, SourceFrames
from reports.sources.mobility.frames import (
    CASE_SUMMARY,
    MOBILITY_CASE_MANAGERS,
    MOBILITY_CASES,
    MOBILITY_EXPENSES,
    MOBILITY_SERVICES,
    MOBILITY_TASK_MANAGERS,
    MOBILITY_TASKS,
)
from reports.sources.mobility.settings import SPEC, MobilitySettings

if TYPE_CHECKING:
    from reports.contribution import Contribution, ReportContext

SOURCE = "mobility"
# The docs set no maximum `per_page`: we ask for `MobilitySettings.page_size` (100 unless
# set) and follow the `perPage` and `lastPage` the server reports, so a lower server-side
# cap only means more pages, never missed records.


def connect(
    settings: MobilitySettings,
    limits: HttpLimits,
    on_progress: ProgressCallback | None = None,
    transport: httpx.BaseTransport | None = None,
) -> ApiClient:
    return ApiClient(
        SOURCE,
        settings.url,
        headers={"Authorization": f"Bearer {settings.token.reveal()}"},
        concurrency=limits.concurrency,
        timeout_seconds=limits.timeout_seconds,
        retry=RetryPolicy(backoff_seconds=limits.retry_backoff_seconds),
        transport=transport,
        on_progress=on_progress,
    )


#: Every list answers `{"success": true, "result": {...}}`.
read_page = ResultItems(SOURCE).read


def list_cases(
    api: ApiClient,
    page_size: int = 100,
    on_page: Callable[[list[dict[str, Any]]], None] | None = None,
) -> list[dict[str, Any]]:
    return fetch_pages(
        api,
        "/v1/cases",
        read_page,
        page_size=page_size,
        size_param="per_page",
        label="cases",
        on_page=on_page,
    )


def list_tasks(api: ApiClient, page_size: int = 100) -> list[dict[str, Any]]:
    return fetch_pages(
        api, "/v1/cases/tasks", read_page, page_size=page_size, size_param="per_page", label="tasks"
    )


def case_detail(api: ApiClient, case_id: Any) -> dict[str, Any]:
    def read(body: Any) -> dict[str, Any]:
        result = body.get("result") if isinstance(body, dict) else None
        case = result.get("case") if isinstance(result, dict) else None
        if not isinstance(case, dict):
            raise SourceError(f"{SOURCE}: unexpected answer for case {case_id} (no result.case)")
        return case

    detail: dict[str, Any] = api.get(_case_path(case_id), expect=read)
    return detail


def case_managers(api: ApiClient, case_id: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = api.get(
        f"{_case_path(case_id)}/managers",
        expect=lambda body: manager_rows("case", case_id, body),
    )
    return rows


def case_expenses(api: ApiClient, case_id: Any, page_size: int = 100) -> list[dict[str, Any]]:
    records = fetch_pages(
        api,
        f"{_case_path(case_id)}/expenses",
        read_page,
        page_size=page_size,
        size_param="per_page",
        parallel=False,
    )
    # An expense belongs to the case it was listed under, whatever its own `expat_case_id`
    # says (kept as `stated_case_id`; the report flags a disagreement), so that no
    # expense can move to another client's statement.
    return [
        {**record, "expat_case_id": case_id, "stated_case_id": record.get("expat_case_id")}
        for record in records
    ]


def manager_rows(parent_type: str, parent_id: Any, body: Any) -> list[dict[str, Any]]:
    """Rows from a managers answer: a list for cases, an object keyed by user id for tasks."""
    if not isinstance(body, dict):
        raise SourceError(f"{SOURCE}: unexpected managers response for {parent_type} {parent_id}")
    result = body.get("result")
    users = list(result.values()) if isinstance(result, dict) else list(result or [])
    total = body.get("total")
    if isinstance(total, int) and total != len(users):
        raise IncompleteDataError(
            f"{SOURCE}: {parent_type} {parent_id} reports {total} managers but lists {len(users)}"
        )
    rows = []
    for user in users:
        models = user.get("models") or [{}]
        for model in models:
            rows.append(
                {**user, "parent_type": parent_type, "parent_id": parent_id, "model": model}
            )
    return rows


@dataclass(frozen=True)
class CaseReads:
    """What is read for one case beyond the list: its detail (or its list record), and its
    managers and expenses, typed, where they are wanted."""

    case: dict[str, Any]
    managers: TypedRecords | None
    expenses: TypedRecords | None


class MobilitySource(HttpSource[MobilitySettings]):
    """The mobility platform as a `Source`. It documents no change filter, so
    `fetch_since` reads nothing and the platform is read in full each time."""

    name = SOURCE
    entities: tuple[str, ...] = (
        "cases",
        "services",
        "tasks",
        "case_managers",
        "task_managers",
        "expenses",
    )

    title = "the mobility platform"
    schemas = MappingProxyType(
        {
            "cases": MOBILITY_CASES,
            "services": MOBILITY_SERVICES,
            "tasks": MOBILITY_TASKS,
            "case_managers": MOBILITY_CASE_MANAGERS,
            "task_managers": MOBILITY_TASK_MANAGERS,
            "expenses": MOBILITY_EXPENSES,
        }
    )
    settings_spec = SPEC
    roles = MappingProxyType({Role.EXPENSES: "expenses", Role.TASKS: "tasks"})
    case_summary = ("cases", CASE_SUMMARY)
    parents = (Parent("expenses", "expense", "case", "case_id"),)

    def connect(
        self,
        settings: MobilitySettings,
        limits: HttpLimits,
        on_progress: ProgressCallback | None = None,
    ) -> ApiClient:
        return connect(settings, limits, on_progress, self.transport)

    def contribute(self, frames: SourceFrames, context: ReportContext) -> Contribution:
        from reports.sources.mobility.report import contribution

        return contribution(frames, context)

    def read(
        self, api: ApiClient, settings: MobilitySettings, wanted: set[str]
    ) -> dict[str, pl.DataFrame]:
        frames: dict[str, pl.DataFrame] = {}
        if wanted & {"cases", "services", "case_managers", "expenses"}:
            details = settings.case_details and bool(wanted & {"cases", "services"})
            managers = "case_managers" in wanted
            expenses = "expenses" in wanted

            # A case's own reads start as soon as its page of the list has come, and each
            # answer is typed in the thread that read it while others wait on the network.
            def each_case(case: dict[str, Any]) -> CaseReads:
                cid = record_id(SOURCE, "case", case)
                return CaseReads(
                    case_detail(api, cid) if details else case,
                    MOBILITY_CASE_MANAGERS.typed(case_managers(api, cid)) if managers else None,
                    MOBILITY_EXPENSES.typed(case_expenses(api, cid, settings.page_size))
                    if expenses
                    else None,
                )

            read_for_each = [
                name
                for name, wanted_too in (
                    ("details", details),
                    ("managers", managers),
                    ("expenses", expenses),
                )
                if wanted_too
            ]
            if read_for_each:
                _, reads = api.fan_out_as_listed(
                    lambda on_page: list_cases(api, settings.page_size, on_page),
                    each_case,
                    # Named as the list names a record with no id, wherever it is met first.
                    key=lambda case: record_id(SOURCE, "/v1/cases", case),
                    label="cases' " + ", ".join(read_for_each),
                )
            else:
                reads = [
                    CaseReads(case, None, None) for case in list_cases(api, settings.page_size)
                ]
            cases = [read.case for read in reads]
            if "cases" in wanted:
                frames["cases"] = MOBILITY_CASES.build(cases)
            if "services" in wanted:
                services = [
                    {**service, "expat_case_id": record_id(SOURCE, "case", case)}
                    for case in cases
                    for service in case.get("services") or []
                ]
                frames["services"] = MOBILITY_SERVICES.build(services)
            if managers:
                frames["case_managers"] = MOBILITY_CASE_MANAGERS.frame(
                    read.managers for read in reads if read.managers is not None
                )
            if expenses:
                frames["expenses"] = MOBILITY_EXPENSES.frame(
                    read.expenses for read in reads if read.expenses is not None
                )
        if wanted & {"tasks", "task_managers"}:
            tasks = list_tasks(api, settings.page_size)
            if "tasks" in wanted:
                frames["tasks"] = MOBILITY_TASKS.build(tasks)
            if "task_managers" in wanted:
                task_managers = api.fan_out(
                    lambda tid: MOBILITY_TASK_MANAGERS.typed(
                        api.get(
                            f"/v1/cases/tasks/{segment(SOURCE, 'task id', tid)}/managers",
                            expect=lambda body: manager_rows("task", tid, body),
                        )
                    ),
                    [record_id(SOURCE, "task", task) for task in tasks],
                    "task managers",
                )
                frames["task_managers"] = MOBILITY_TASK_MANAGERS.frame(task_managers)
        return frames


source = MobilitySource()


def _case_path(case_id: Any) -> str:
    return f"/v1/cases/{segment(SOURCE, 'case id', case_id)}"
