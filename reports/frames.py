"""Every frame this package produces, defined once: columns, types and meaning.

`docs/frames.md` is generated from these definitions (`python -m reports.docs`), and a test
keeps it current. Column names are the vendor's field names in snake_case, nested objects
flattened with their parent's name as prefix (`assignment.home_country` ->
`assignment_home_country`).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from reports.schema import Column, FrameSchema, Kind, col, money_object_columns

# Short names keep the column tables below readable, one column a line.
ID, T, E, N, B, D, TS, M, DEC, L, J = (
    Kind.ID,
    Kind.TEXT,
    Kind.ENUM,
    Kind.INT,
    Kind.BOOL,
    Kind.DATE,
    Kind.DATETIME,
    Kind.MONEY,
    Kind.DECIMAL,
    Kind.TEXT_LIST,
    Kind.JSON,
)

# --------------------------------------------------------------------------- mobility


def _side(side: str) -> list[Column]:
    p = f"assignment.{side}_"
    n = f"assignment_{side}_"
    where = "home (origin)" if side == "home" else "host (destination)"
    return [
        col(f"{n}country", T, f"{where} country, ISO 3166 alpha-2", f"{p}country"),
        col(f"{n}city", T, f"{where} city", f"{p}city"),
        col(f"{n}manager_id", ID, f"{where} manager user id (0 = none)", f"{p}manager_id"),
        col(f"{n}manager_name", T, f"{where} manager name", f"{p}manager_name"),
        col(f"{n}manager_email", T, f"{where} manager email", f"{p}manager_email"),
        col(f"{n}segment_id", ID, f"{where} segment id", f"{p}segment_id"),
        col(f"{n}segment_name", T, f"{where} segment", f"{p}segment_name"),
        col(f"{n}department_id", ID, f"{where} department id", f"{p}department_id"),
        col(f"{n}department_name", T, f"{where} department", f"{p}department_name"),
        col(f"{n}company_id", ID, f"{where} company id", f"{p}company_id"),
        col(f"{n}company_name", T, f"{where} company", f"{p}company_name"),
        col(f"{n}office_id", ID, f"{where} office id (0 = none)", f"{p}office_id"),
        col(f"{n}office_name", T, f"{where} office", f"{p}office_name"),
        col(f"{n}cost_center", T, f"{where} cost centre", f"{p}cost_center"),
        col(f"{n}business_unit", T, f"{where} business unit", f"{p}business_unit"),
        col(f"{n}address", J, f"{where} address (shape undocumented: JSON text)", f"{p}address"),
    ]


MOBILITY_CASES = FrameSchema(
    "mobility",
    "cases",
    "Relocation cases, `GET /v1/cases` (one row per case). Services are in `services`. The"
    " columns marked *case detail only* are filled when `REPORTS_MOBILITY_CASE_DETAILS=true`"
    " (`[mobility] case_details = true`), at one more request per case.",
    (
        col("id", ID, "case id"),
        col("type", E, "case type, e.g. relocation"),
        col("provider_id", ID, "provider id"),
        col("provider_name", T, "provider name"),
        col("client_id", ID, "client (the paying company) id"),
        col("client_name", T, "client name"),
        col("expat_id", ID, "expat (the person relocating) id"),
        col("expat_name", T, "expat name"),
        col("case_manager_id", ID, "case manager user id"),
        col("case_manager_name", T, "case manager name"),
        col("case_manager_profile_image", T, "case manager image URL (may be empty)"),
        col("start_date", D, "start date (sent as midnight UTC)"),
        col("end_date", D, "end date"),
        col("forecast_end_date", D, "forecast end date"),
        col("order_id", ID, "order id"),
        col("order_number", T, "order number"),
        col("order_legal_entity_id", ID, "legal entity that holds the order"),
        col("order_legal_entity_name", T, "legal entity name"),
        col("status", E, "case status, e.g. in_progress"),
        col("status_label", T, "status as displayed"),
        col("archived_at", TS, "when archived, UTC"),
        col("archived", B, "archived flag"),
        col("deadline", D, "deadline"),
        col("completion_rate", N, "percent of tasks complete, 0-100"),
        col("assignment_id", ID, "assignment id", "assignment_id", "assignment.id"),
        col("assignment_author_id", ID, "assignment author user id", "assignment.author_id"),
        col("assignment_client_id", ID, "assignment client id", "assignment.client_id"),
        col("assignment_expat_id", ID, "assignment expat id", "assignment.expat_id"),
        col("assignment_expat_name", T, "assignment expat name", "assignment.expat_name"),
        col("assignment_requested_by_name", T, "who requested it", "assignment.requested_by_name"),
        *_side("home"),
        *_side("host"),
        col("assignment_payroll", J, "payroll (shape undocumented)", "assignment.payroll"),
        col("assignment_number_adults", N, "adults relocating", "assignment.number_adults"),
        col("assignment_number_children", N, "children relocating", "assignment.number_children"),
        col("assignment_type", E, "assignment type", "assignment.type"),
        col("assignment_type_label", T, "assignment type as displayed", "assignment.type_label"),
        col("assignment_status", E, "assignment status", "assignment.status"),
        col("assignment_status_id", E, "assignment status id", "assignment.status_id"),
        col(
            "assignment_review_approved_count",
            N,
            "approved reviews",
            "assignment.review_approved_count",
        ),
        col(
            "assignment_review_rejected_count",
            N,
            "rejected reviews",
            "assignment.review_rejected_count",
        ),
        col("assignment_review_total_count", N, "all reviews", "assignment.review_total_count"),
        col("assignment_start_date", D, "assignment start", "assignment.start_date"),
        col("assignment_end_date", D, "assignment end", "assignment.end_date"),
        col("assignment_notes", T, "assignment notes", "assignment.notes"),
        col(
            "assignment_cancelled_by",
            J,
            "who cancelled (shape undocumented)",
            "assignment.cancelled_by",
        ),
        col("assignment_is_confidential", B, "confidential flag", "assignment.is_confidential"),
        col("assignment_sponsor", J, "sponsor (shape undocumented)", "assignment.sponsor"),
        col("assignment_created_at", TS, "assignment created, UTC", "assignment.created_at"),
        col("assignment_archived_at", TS, "assignment archived, UTC", "assignment.archived_at"),
        col("assignment_archived", B, "assignment archived flag", "assignment.archived"),
        col("assignment_flow_id", ID, "assignment flow id"),
        col("tags", L, "tags"),
        col("subject_id", ID, "subject id", "subject.id"),
        col("subject_name", T, "subject name", "subject.name"),
        col(
            "subject_reference_type", E, "what the subject is, e.g. expat", "subject.reference_type"
        ),
        col("subject_reference_id", ID, "id of that subject", "subject.reference_id"),
        col("label", T, "display label"),
        col("name", T, "case name"),
        col("percent_invoiced", DEC, "percent of the case invoiced, per the platform"),
        col("hr_manager_id", ID, "HR manager user id", "hr_manager.id"),
        col("hr_manager_name", T, "HR manager name", "hr_manager.name"),
        col("processed_at", TS, "processed, UTC"),
        col("created_at", TS, "created, UTC"),
        # Only `GET /v1/cases/{id}` returns these; null when fetched from the list.
        col("permissions", L, "caller's permissions (case detail only)"),
        col(
            "allowed_actions_create_follower",
            B,
            "case detail only",
            "allowed_actions.create_follower",
        ),
        col("allowed_actions_can_add_task", B, "case detail only", "allowed_actions.can_add_task"),
        col("allowed_actions_update", B, "case detail only", "allowed_actions.update"),
        col("order_entity_id", ID, "order's entity id (case detail only)", "order.entity_id"),
        col("order_entity_type", E, "order's entity type (case detail only)", "order.entity_type"),
    ),
)

MOBILITY_SERVICES = FrameSchema(
    "mobility",
    "services",
    "Services of each case (the `services` array of a case), one row per service.",
    (
        col("id", ID, "case service id"),
        col("expat_case_id", ID, "case id"),
        col("service_id", ID, "service catalogue id"),
        col("service_name", T, "service name"),
        col("processed_at", D, "processed date"),
        col("tags", L, "tags"),
        col("percent_invoiced", DEC, "percent of the service invoiced, per the platform"),
        col("status", E, "service status"),
        col("forecast_start_date", D, "forecast start"),
        col("forecast_end_date", D, "forecast end"),
        col("total_tasks", N, "tasks (case detail only)"),
        col("total_subtasks", N, "subtasks (case detail only)"),
        col("completed_tasks", N, "completed tasks (case detail only)"),
        col("completed_subtasks", N, "completed subtasks (case detail only)"),
        col("completion_rate", N, "percent complete (case detail only)"),
    ),
)

MOBILITY_TASKS = FrameSchema(
    "mobility",
    "tasks",
    "Case tasks, `GET /v1/cases/tasks`.",
    (
        col("id", ID, "task id"),
        col("case_service_id", ID, "case service id"),
        col("expat_case_id", ID, "case id"),
        col("name", T, "task name"),
        col("description", T, "description"),
        col("assignee_id", ID, "assignee user id", "assignee_id", "assignee.id"),
        col("assignee_name", T, "assignee name", "assignee_name", "assignee.name"),
        col("status", E, "task status"),
        col("status_label", T, "status as displayed"),
        col("parent_id", ID, "parent task id"),
        col("dependent_task_id", ID, "task this one depends on"),
        col("start_date", D, "start"),
        col("end_date", D, "end"),
        col("forecast_duration", N, "forecast duration, days"),
        col("forecast_start_date", D, "forecast start"),
        col("forecast_end_date", D, "forecast end"),
        col("custom_start_date", D, "custom start"),
        col("custom_end_date", D, "custom end"),
        col("duration", N, "duration, days"),
        col("initial_duration", N, "initial duration, days"),
        col("initial_start_date", D, "initial start"),
        col("initial_end_date", D, "initial end"),
        col("team_id", ID, "team id"),
        col("computed_start_date", D, "computed start"),
        col("computed_end_date", D, "computed end"),
        col("computed_duration", N, "computed duration, days"),
        col("tags", L, "tags"),
        col("subtask_total", N, "number of subtasks"),
        col("is_parent", B, "has subtasks"),
        col("expat_name", T, "expat name"),
        col("client_name", T, "client name"),
        col("label", T, "display label"),
        col("allowed_actions", L, "caller's allowed actions"),
        col("milestone_name", T, "milestone"),
        col("milestone_id", ID, "milestone id"),
        col("workflow_id", ID, "workflow id"),
    ),
)

_MANAGER_COLUMNS: tuple[Column, ...] = (
    col("parent_type", E, "`case` or `task`: whose managers these are"),
    col("parent_id", ID, "the case or task id the list was fetched for"),
    col("user_id", ID, "user id"),
    col("user_name", T, "user name"),
    col("user_image", T, "user image URL (task managers only)"),
    col("model_type", E, "model the role is held on", "model.model_type"),
    col("model_id", ID, "that model's id", "model.model_id"),
    col("roles", L, "roles, e.g. manager, follower", "model.roles"),
    col("permissions", L, "permissions", "model.permissions"),
    col("allowed_actions_delete", B, "caller may remove this user", "allowed_actions.delete"),
    col("allowed_actions_update", B, "caller may update this user", "allowed_actions.update"),
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
        col("expat_case_id", ID, "case id"),
        col("task_id", ID, "task id"),
        col("title", T, "title"),
        col("amount", M, "amount in `currency_code`, exact"),
        col("currency_code", T, "ISO 4217 currency of `amount`"),
        col(
            "converted_amount",
            M,
            "the platform's own conversion, in `converted_amount_currency_code`",
        ),
        col("converted_amount_currency_code", T, "currency of `converted_amount`"),
        col("cost_category_id", ID, "cost category id"),
        col("cost_category_name", T, "cost category"),
        col("incurred_at", D, "date incurred"),
        col("covered_by_id", ID, "who bears the cost, id"),
        col("covered_by_name", T, "who bears the cost, e.g. Client"),
        col("entity_id", ID, "entity charged"),
        col("status", E, "expense status"),
        col("invoice_id", ID, "invoice id, null while not invoiced"),
        col("invoice_date", D, "invoice date"),
        col("order_number", T, "order number"),
        col("expat_name", T, "expat name"),
        col("client_name", T, "client name"),
        col("legal_entity_name", T, "legal entity"),
        col("service_name", T, "service"),
        col("task_name", T, "task"),
        col("created_at", TS, "created, UTC"),
        col("file", J, "attached file (shape undocumented; JSON text, null when empty)"),
    ),
)

# --------------------------------------------------------------------------- plannr
# Plannr timestamps carry an offset (`2025-05-14T18:27:12+01:00`); all become UTC.


def _uuids(path: str, key: str = "uuid"):
    def getter(record: dict[str, Any]) -> list[str] | None:
        values = record.get(path)
        if values is None:
            return None
        return [str(v.get(key)) if isinstance(v, dict) else str(v) for v in values]

    return getter


PLANNR_CASES = FrameSchema(
    "plannr",
    "cases",
    "Cases, `GET /api/v1/cases?include=status,type,plans,participants`.",
    (
        col("uuid", ID, "case uuid"),
        col("name", T, "case name"),
        *money_object_columns("value", "value", "expected value of the case"),
        col("status_uuid", ID, "status uuid", "status.uuid"),
        col("status_name", T, "status name", "status.name"),
        col("type_uuid", ID, "case type uuid", "type.uuid"),
        col("type_name", T, "case type name", "type.name"),
        col("review_at", TS, "review date, UTC"),
        col("completed_at", TS, "completed, UTC (null while open)"),
        col("plan_uuids", L, "linked plans", getter=_uuids("plans")),
        col("plan_names", L, "linked plans' names", getter=_uuids("plans", "name")),
        col("participant_uuids", L, "participant accounts", getter=_uuids("participants")),
        col("participant_names", L, "participants' names", getter=_uuids("participants", "name")),
        col("assigned_to_uuids", L, "assigned users", getter=_uuids("assigned_to")),
        col("group_uuids", L, "assigned groups", getter=_uuids("groups")),
        col("created_at", TS, "created, UTC"),
        col("updated_at", TS, "updated, UTC"),
    ),
)

PLANNR_CLIENTS = FrameSchema(
    "plannr",
    "clients",
    "Client accounts, `GET /api/v1/account?filter[type]=client`.",
    (
        col("uuid", ID, "account uuid"),
        col("name", T, "full name"),
        col("first_name", T, "first name"),
        col("last_name", T, "last name"),
        col("email", T, "email"),
        col("role", E, "role, e.g. client"),
        col("type", E, "account type, e.g. client"),
        col("photo_url", T, "avatar URL"),
        col("with_login", B, "has a portal login"),
        col("has_joint_account", B, "has a joint account"),
        col("can_be_deleted", B, "may be deleted"),
        col("inactive_at", D, "inactive since"),
        col("first_contact_date", TS, "first contact, UTC"),
        col("next_review_date", TS, "next review, UTC"),
        col("previous_review_date", TS, "previous review, UTC"),
        col("anniversary_review_date", TS, "anniversary review, UTC"),
        col("created_at", TS, "created, UTC"),
        col("updated_at", TS, "updated, UTC"),
    ),
)

_EMP = "employment"
PLANNR_INCOMES = FrameSchema(
    "plannr",
    "incomes",
    "Incomes of every client, `GET /api/v1/client/{client_uuid}/income`.",
    (
        col("uuid", ID, "income uuid"),
        col("client_uuid", ID, "the client the income was fetched for"),
        col("name", T, "income name"),
        col("type", E, "salary, dividend, bonus, benefit, other, investment, rental or pension"),
        *money_object_columns("amount", "amount", "amount per `frequency`"),
        col("amount_type", E, "net or gross"),
        col("frequency", E, "daily ... annually, adhoc or one_off"),
        col("is_taxable", B, "taxable"),
        col("start_date", D, "start"),
        col("end_date", D, "end"),
        col("created_at", TS, "created, UTC"),
        col("updated_at", TS, "updated, UTC"),
        col("account_uuid", ID, "owning account uuid", "account.uuid"),
        col("account_name", T, "owning account name", "account.name"),
        col("account_email", T, "owning account email", "account.email"),
        col("shared_owner_type", E, "individual or ..."),
        col("shared_owner_uuid", ID, "shared owner uuid", "shared_owner.uuid"),
        col("shared_owner_name", T, "shared owner name", "shared_owner.name"),
        col(
            "shared_owner_ownership_percentage",
            DEC,
            "shared owner's share, percent",
            "shared_owner.ownership_percentage",
        ),
        col("employment_uuid", ID, "linked employment", f"{_EMP}.uuid"),
        col("employment_status", E, "employment status", f"{_EMP}.status"),
        col("employment_primary", B, "primary employment", f"{_EMP}.primary"),
        col("employment_employer", T, "employer", f"{_EMP}.employer"),
        col("employment_job_title", T, "job title", f"{_EMP}.job_title"),
        col("employment_occupation", T, "occupation", f"{_EMP}.occupation"),
        col("employment_occupation_code", T, "occupation code", f"{_EMP}.occupation_code"),
        col("employment_directors", T, "directors", f"{_EMP}.directors"),
        col("employment_started_at", TS, "employment start, UTC", f"{_EMP}.started_at"),
        col("employment_ended_at", TS, "employment end, UTC", f"{_EMP}.ended_at"),
        col("employment_is_business_owner", B, "owns the business", f"{_EMP}.is_business_owner"),
        col("employment_business_name", T, "business name", f"{_EMP}.business_name"),
        col("employment_business_year_end", D, "business year end", f"{_EMP}.business_year_end"),
        col(
            "employment_percentage_of_business_shared",
            DEC,
            "percent of business shared",
            f"{_EMP}.percentage_of_business_shared",
        ),
        *money_object_columns("employment_profit", f"{_EMP}.profit", "business profit"),
        *money_object_columns(
            "employment_business_value", f"{_EMP}.business_value", "business value"
        ),
        *money_object_columns(
            "employment_last_salary_increase",
            f"{_EMP}.last_salary_increase",
            "last salary increase",
        ),
        *money_object_columns(
            "employment_shareholding_in_business",
            f"{_EMP}.shareholding_in_business",
            "shareholding value",
        ),
        col(
            "employment_accountant_company_name",
            T,
            "accountant firm",
            f"{_EMP}.accountant_company_name",
        ),
        col("employment_accountant_email", T, "accountant email", f"{_EMP}.accountant_email"),
        col(
            "employment_accountant_telephone_number",
            T,
            "accountant phone",
            f"{_EMP}.accountant_telephone_number",
        ),
        col("employment_accountant_address", T, "accountant address", f"{_EMP}.accountant_address"),
        col(
            "employment_shared_owner_type",
            E,
            "employment shared owner type",
            f"{_EMP}.shared_owner_type",
        ),
    ),
)

# --------------------------------------------------------------------------- willsuite
# WillSuite is a UK system: its naive timestamps (`2024-05-20 00:00:00`) are UK local time,
# as its create response shows (`2024-05-17` stored as `2024-05-16T23:00:00Z`, BST).
# Amounts are pounds as JSON numbers; we decode them as Decimal and add `currency` = GBP.
UK = "Europe/London"


def _gbp(_record: dict[str, Any]) -> str:
    return "GBP"


WILLSUITE_CASES = FrameSchema(
    "willsuite",
    "cases",
    "Will-writing cases, `GET /cases`.",
    (
        col("id", ID, "case uuid"),
        col("ref", T, "case reference"),
        col("first_names", T, "customers' first names"),
        col("last_names", T, "customers' last names"),
        col("full_names", T, "customers' full names"),
        col("email", T, "email"),
        col("postcode", T, "customer postcode"),
        col("notes", T, "notes"),
        col("meta", J, "custom fields by uuid (JSON text)"),
        col("created_at", TS, "created, UTC", naive_zone=UK),
        col("updated_at", TS, "updated, UTC", naive_zone=UK),
    ),
)

WILLSUITE_INVOICES = FrameSchema(
    "willsuite",
    "invoices",
    "Invoices of every case, `GET /cases/{caseId}/invoices?show_cancelled_items=true`.",
    (
        col("id", ID, "invoice uuid"),
        col("customer_case_id", ID, "case uuid"),
        col("invoice_number", T, "invoice number, unique within the case"),
        col("ref", T, "reference"),
        col("notes", T, "notes"),
        col("terms", T, "terms"),
        col("payment_terms", T, "payment terms"),
        col("date_created", TS, "invoice date, UTC", naive_zone=UK),
        col("date_due", TS, "due, UTC", naive_zone=UK),
        col("date_sent", TS, "sent, UTC", naive_zone=UK),
        col("date_paid", TS, "paid, UTC", naive_zone=UK),
        col("subtotal", M, "net total as the header states it"),
        col("vat_amount", M, "VAT as the header states it"),
        col("total", M, "gross total as the header states it"),
        col("currency", T, "always GBP", getter=_gbp),
        col("recipients_name", T, "addressee"),
        col("status", E, "e.g. Paid, Not Paid"),
        col("mail_sent", B, "emailed to the customer"),
        col("payable_online", B, "payable online"),
        col("formatted_recurring_interval", T, "recurrence, if any"),
    ),
)

WILLSUITE_INVOICE_ITEMS = FrameSchema(
    "willsuite",
    "invoice_items",
    "Line items of every invoice, cancelled ones included (see `status`).",
    (
        col("id", ID, "item uuid"),
        col("case_invoice_id", ID, "invoice uuid"),
        col("customer_case_id", ID, "case uuid"),
        col("description", T, "description"),
        col("quantity", DEC, "quantity"),
        col("rate", M, "unit price excluding VAT"),
        col("subtotal", M, "line net"),
        col("vat_amount", M, "line VAT"),
        col("amount", M, "line gross, including VAT"),
        col("currency", T, "always GBP", getter=_gbp),
        col("has_vat", B, "VAT applies"),
        col("status", E, "null, or cancelled"),
        col("paid_at", TS, "paid, UTC", naive_zone=UK),
    ),
)

SCHEMAS: dict[tuple[str, str], FrameSchema] = {
    (s.source, s.entity): s
    for s in (
        MOBILITY_CASES,
        MOBILITY_SERVICES,
        MOBILITY_TASKS,
        MOBILITY_CASE_MANAGERS,
        MOBILITY_TASK_MANAGERS,
        MOBILITY_EXPENSES,
        PLANNR_CASES,
        PLANNR_CLIENTS,
        PLANNR_INCOMES,
        WILLSUITE_CASES,
        WILLSUITE_INVOICES,
        WILLSUITE_INVOICE_ITEMS,
    )
}

#: Entity names in the order the CLI writes them.
ENTITIES = (
    "cases",
    "services",
    "tasks",
    "case_managers",
    "task_managers",
    "expenses",
    "clients",
    "incomes",
    "invoices",
    "invoice_items",
)


def combined_cases_schema() -> pl.Schema:
    """`source` plus every source's case columns; a name shared by sources has one type."""
    merged: dict[str, pl.DataType] = {"source": pl.String(), "case_id": pl.String()}
    for source in ("mobility", "plannr", "willsuite"):
        for column in SCHEMAS[source, "cases"].columns:
            existing = merged.setdefault(column.name, column.dtype)
            if existing != column.dtype:
                raise AssertionError(f"cases.{column.name}: {existing} vs {column.dtype}")
    return pl.Schema(merged)
