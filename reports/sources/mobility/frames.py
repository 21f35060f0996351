"""The mobility platform: every frame it gives, defined once (columns, types, meaning).

Column names are the vendor's field names in snake_case, nested objects flattened with
their parent's name as prefix (`assignment.home_country` -> `assignment_home_country`),
except where the platform names a thing the other sources share: those columns take our
name, and their path is the vendor's (`expat_case_id` -> `case_id`).
"""

from __future__ import annotations

import polars as pl

from reports.periods import local_date
from reports.schema import (
    BOOL,
    CURRENCY,
    DATE,
    DECIMAL,
    ENUM,
    ID,
    INT,
    JSON,
    TEXT,
    TEXT_LIST,
    TIMESTAMP,
    Column,
    FrameSchema,
    as_sent_column,
    col,
)
from reports.schema import MONEY_KIND as MONEY


def _side(side: str) -> list[Column]:
    p = f"assignment.{side}_"
    n = f"assignment_{side}_"
    where = "home (origin)" if side == "home" else "host (destination)"
    return [
        col(f"{n}country", TEXT, f"{where} country, ISO 3166 alpha-2", f"{p}country"),
        col(f"{n}city", TEXT, f"{where} city", f"{p}city"),
        col(f"{n}manager_id", ID, f"{where} manager user id (0 = none)", f"{p}manager_id"),
        col(f"{n}manager_name", TEXT, f"{where} manager name", f"{p}manager_name"),
        col(f"{n}manager_email", TEXT, f"{where} manager email", f"{p}manager_email"),
        col(f"{n}segment_id", ID, f"{where} segment id", f"{p}segment_id"),
        col(f"{n}segment_name", TEXT, f"{where} segment", f"{p}segment_name"),
        col(f"{n}department_id", ID, f"{where} department id", f"{p}department_id"),
        col(f"{n}department_name", TEXT, f"{where} department", f"{p}department_name"),
        col(f"{n}company_id", ID, f"{where} company id", f"{p}company_id"),
        col(f"{n}company_name", TEXT, f"{where} company", f"{p}company_name"),
        col(f"{n}office_id", ID, f"{where} office id (0 = none)", f"{p}office_id"),
        col(f"{n}office_name", TEXT, f"{where} office", f"{p}office_name"),
        col(f"{n}cost_center", TEXT, f"{where} cost centre", f"{p}cost_center"),
        col(f"{n}business_unit", TEXT, f"{where} business unit", f"{p}business_unit"),
        col(f"{n}address", JSON, f"{where} address (shape undocumented: JSON text)", f"{p}address"),
    ]


MOBILITY_CASES = FrameSchema(
    "mobility",
    "cases",
    "Relocation cases, `GET /v1/cases` (one row per case). Services are in `services`. The"
    " columns marked *case detail only* are filled when `REPORTS_MOBILITY_CASE_DETAILS=true`"
    " (`[mobility] case_details = true`), at one more request per case.",
    (
        col("id", ID, "case id"),
        col("type", ENUM, "case type, e.g. relocation"),
        col("provider_id", ID, "provider id"),
        col("provider_name", TEXT, "provider name"),
        col("client_id", ID, "client (the paying company) id"),
        col("client_name", TEXT, "client name"),
        col("expat_id", ID, "expat (the person relocating) id"),
        col("expat_name", TEXT, "expat name"),
        col("case_manager_id", ID, "case manager user id"),
        col("case_manager_name", TEXT, "case manager name"),
        col("case_manager_profile_image", TEXT, "case manager image URL (may be empty)"),
        col("start_date", DATE, "start date (sent as midnight UTC)"),
        col("end_date", DATE, "end date"),
        col("forecast_end_date", DATE, "forecast end date"),
        col("order_id", ID, "order id"),
        col("order_number", TEXT, "order number"),
        col("order_legal_entity_id", ID, "legal entity that holds the order"),
        col("order_legal_entity_name", TEXT, "legal entity name"),
        col("status", ENUM, "case status, e.g. in_progress"),
        col("status_label", TEXT, "status as displayed"),
        col("archived_at", TIMESTAMP, "when archived, UTC"),
        col("archived", BOOL, "archived flag"),
        col("deadline", DATE, "deadline"),
        col("completion_rate", INT, "percent of tasks complete, 0-100"),
        col("assignment_id", ID, "assignment id", "assignment_id", "assignment.id"),
        col("assignment_author_id", ID, "assignment author user id", "assignment.author_id"),
        col("assignment_client_id", ID, "assignment client id", "assignment.client_id"),
        col("assignment_expat_id", ID, "assignment expat id", "assignment.expat_id"),
        col("assignment_expat_name", TEXT, "assignment expat name", "assignment.expat_name"),
        col(
            "assignment_requested_by_name", TEXT, "who requested it", "assignment.requested_by_name"
        ),
        *_side("home"),
        *_side("host"),
        col("assignment_payroll", JSON, "payroll (shape undocumented)", "assignment.payroll"),
        col("assignment_number_adults", INT, "adults relocating", "assignment.number_adults"),
        col("assignment_number_children", INT, "children relocating", "assignment.number_children"),
        col("assignment_type", ENUM, "assignment type", "assignment.type"),
        col("assignment_type_label", TEXT, "assignment type as displayed", "assignment.type_label"),
        col("assignment_status", ENUM, "assignment status", "assignment.status"),
        col("assignment_status_id", ENUM, "assignment status id", "assignment.status_id"),
        col(
            "assignment_review_approved_count",
            INT,
            "approved reviews",
            "assignment.review_approved_count",
        ),
        col(
            "assignment_review_rejected_count",
            INT,
            "rejected reviews",
            "assignment.review_rejected_count",
        ),
        col("assignment_review_total_count", INT, "all reviews", "assignment.review_total_count"),
        col("assignment_start_date", DATE, "assignment start", "assignment.start_date"),
        col("assignment_end_date", DATE, "assignment end", "assignment.end_date"),
        col("assignment_notes", TEXT, "assignment notes", "assignment.notes"),
        col(
            "assignment_cancelled_by",
            JSON,
            "who cancelled (shape undocumented)",
            "assignment.cancelled_by",
        ),
        col("assignment_is_confidential", BOOL, "confidential flag", "assignment.is_confidential"),
        col("assignment_sponsor", JSON, "sponsor (shape undocumented)", "assignment.sponsor"),
        col("assignment_created_at", TIMESTAMP, "assignment created, UTC", "assignment.created_at"),
        col(
            "assignment_archived_at",
            TIMESTAMP,
            "assignment archived, UTC",
            "assignment.archived_at",
        ),
        col("assignment_archived", BOOL, "assignment archived flag", "assignment.archived"),
        col("assignment_flow_id", ID, "assignment flow id"),
        col("tags", TEXT_LIST, "tags"),
        col("subject_id", ID, "subject id", "subject.id"),
        col("subject_name", TEXT, "subject name", "subject.name"),
        col(
            "subject_reference_type",
            ENUM,
            "what the subject is, e.g. expat",
            "subject.reference_type",
        ),
        col("subject_reference_id", ID, "id of that subject", "subject.reference_id"),
        col("label", TEXT, "display label"),
        col("name", TEXT, "case name"),
        col("percent_invoiced", DECIMAL, "percent of the case invoiced, per the platform"),
        col("hr_manager_id", ID, "HR manager user id", "hr_manager.id"),
        col("hr_manager_name", TEXT, "HR manager name", "hr_manager.name"),
        col("processed_at", TIMESTAMP, "processed, UTC"),
        col("created_at", TIMESTAMP, "created, UTC"),
        # Only `GET /v1/cases/{id}` returns these; null when fetched from the list.
        col("permissions", TEXT_LIST, "caller's permissions (case detail only)"),
        col(
            "allowed_actions_create_follower",
            BOOL,
            "case detail only",
            "allowed_actions.create_follower",
        ),
        col(
            "allowed_actions_can_add_task", BOOL, "case detail only", "allowed_actions.can_add_task"
        ),
        col("allowed_actions_update", BOOL, "case detail only", "allowed_actions.update"),
        col("order_entity_id", ID, "order's entity id (case detail only)", "order.entity_id"),
        col(
            "order_entity_type", ENUM, "order's entity type (case detail only)", "order.entity_type"
        ),
    ),
)

MOBILITY_SERVICES = FrameSchema(
    "mobility",
    "services",
    "Services of each case (the `services` array of a case), one row per service.",
    (
        col("id", ID, "case service id"),
        col("case_id", ID, "case id", "expat_case_id"),
        col("service_id", ID, "service catalogue id"),
        col("service_name", TEXT, "service name"),
        col("processed_at", DATE, "processed date"),
        col("tags", TEXT_LIST, "tags"),
        col("percent_invoiced", DECIMAL, "percent of the service invoiced, per the platform"),
        col("status", ENUM, "service status"),
        col("forecast_start_date", DATE, "forecast start"),
        col("forecast_end_date", DATE, "forecast end"),
        col("total_tasks", INT, "tasks (case detail only)"),
        col("total_subtasks", INT, "subtasks (case detail only)"),
        col("completed_tasks", INT, "completed tasks (case detail only)"),
        col("completed_subtasks", INT, "completed subtasks (case detail only)"),
        col("completion_rate", INT, "percent complete (case detail only)"),
    ),
)

MOBILITY_TASKS = FrameSchema(
    "mobility",
    "tasks",
    "Case tasks, `GET /v1/cases/tasks`.",
    (
        col("id", ID, "task id"),
        col("case_service_id", ID, "case service id"),
        col("case_id", ID, "case id", "expat_case_id"),
        col("name", TEXT, "task name"),
        col("description", TEXT, "description"),
        col("assignee_id", ID, "assignee user id", "assignee_id", "assignee.id"),
        col("assignee_name", TEXT, "assignee name", "assignee_name", "assignee.name"),
        col("status", ENUM, "task status"),
        col("status_label", TEXT, "status as displayed"),
        col("parent_id", ID, "parent task id"),
        col("dependent_task_id", ID, "task this one depends on"),
        col("start_date", DATE, "start"),
        col("end_date", DATE, "end"),
        col("forecast_duration", INT, "forecast duration, days"),
        col("forecast_start_date", DATE, "forecast start"),
        col("forecast_end_date", DATE, "forecast end"),
        col("custom_start_date", DATE, "custom start"),
        col("custom_end_date", DATE, "custom end"),
        col("duration", INT, "duration, days"),
        col("initial_duration", INT, "initial duration, days"),
        col("initial_start_date", DATE, "initial start"),
        col("initial_end_date", DATE, "initial end"),
        col("team_id", ID, "team id"),
        col("computed_start_date", DATE, "computed start"),
        col("computed_end_date", DATE, "computed end"),
        col("computed_duration", INT, "computed duration, days"),
        col("tags", TEXT_LIST, "tags"),
        col("subtask_total", INT, "number of subtasks"),
        col("is_parent", BOOL, "has subtasks"),
        col("expat_name", TEXT, "expat name"),
        col("client_name", TEXT, "client name"),
        col("label", TEXT, "display label"),
        col("allowed_actions", TEXT_LIST, "caller's allowed actions"),
        col("milestone_name", TEXT, "milestone"),
        col("milestone_id", ID, "milestone id"),
        col("workflow_id", ID, "workflow id"),
    ),
)

_MANAGER_COLUMNS: tuple[Column, ...] = (
    col("parent_type", ENUM, "`case` or `task`: whose managers these are"),
    col("parent_id", ID, "the case or task id the list was fetched for"),
    col("user_id", ID, "user id"),
    col("user_name", TEXT, "user name"),
    col("user_image", TEXT, "user image URL (task managers only)"),
    col("model_type", ENUM, "model the role is held on", "model.model_type"),
    col("model_id", ID, "that model's id", "model.model_id"),
    col("roles", TEXT_LIST, "roles, e.g. manager, follower", "model.roles"),
    col("permissions", TEXT_LIST, "permissions", "model.permissions"),
    col("allowed_actions_delete", BOOL, "caller may remove this user", "allowed_actions.delete"),
    col("allowed_actions_update", BOOL, "caller may update this user", "allowed_actions.update"),
)

MOBILITY_CASE_MANAGERS = FrameSchema(
    "mobility",
    "case_managers",
    "Users assigned to each case, `GET /v1/cases/{caseId}/managers`: a row per user and model.",
    _MANAGER_COLUMNS,
)
MOBILITY_TASK_MANAGERS = FrameSchema(
    "mobility",
    "task_managers",
    "Users assigned to each task, `GET /v1/cases/tasks/{taskId}/managers`: a row per user and model.",
    _MANAGER_COLUMNS,
)

MOBILITY_EXPENSES = FrameSchema(
    "mobility",
    "expenses",
    "Expenses of every case, `GET /v1/cases/{caseId}/expenses`, in their own currency.",
    (
        col("id", ID, "expense id"),
        col("case_id", ID, "the case the expense was listed under (its owner)", "expat_case_id"),
        col(
            "stated_case_id",
            ID,
            "the case id the expense itself names; a different one from `case_id` is flagged,"
            " never followed (the vendor's `expat_case_id` as the expense sent it)",
        ),
        col("task_id", ID, "task id"),
        col("title", TEXT, "title"),
        col("amount", MONEY, "amount in `currency_code`, exact"),
        col("currency_code", CURRENCY, "ISO 4217 currency of `amount`"),
        col(
            "converted_amount",
            MONEY,
            "the platform's own conversion, in `converted_amount_currency_code`",
        ),
        col("converted_amount_currency_code", CURRENCY, "currency of `converted_amount`"),
        col("cost_category_id", ID, "cost category id"),
        col("cost_category_name", TEXT, "cost category"),
        col("incurred_at", DATE, "date incurred"),
        col("covered_by_id", ID, "who bears the cost, id"),
        col("covered_by_name", TEXT, "who bears the cost, e.g. Client"),
        col("entity_id", ID, "entity charged"),
        col("status", ENUM, "expense status"),
        col("invoice_id", ID, "invoice id, null while not invoiced"),
        col("invoice_date", DATE, "invoice date"),
        col("order_number", TEXT, "order number"),
        col("expat_name", TEXT, "expat name"),
        col("client_name", TEXT, "client name"),
        col("legal_entity_name", TEXT, "legal entity"),
        col("service_name", TEXT, "service"),
        col("task_name", TEXT, "task"),
        col("created_at", TIMESTAMP, "created, UTC"),
        col("file", JSON, "attached file (shape undocumented; JSON text, null when empty)"),
        as_sent_column(),
    ),
)


#: How a case reads in the report's one shape for cases: it closes at its end date once
#: completed.
CASE_SUMMARY = {
    "case_id": pl.col("id"),
    "case_name": pl.coalesce("name", "label"),
    "client": pl.col("client_name"),
    "status": pl.coalesce("status_label", "status"),
    "opened_on": local_date("created_at"),
    "closed_on": pl.when(pl.col("status") == "completed").then(pl.col("end_date")),
}
