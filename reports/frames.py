"""Every frame this package produces, defined once: columns, types and meaning.

`docs/frames.md` is generated from these definitions (`python -m reports.docs`), and a test
keeps it current. Column names are the vendor's field names in snake_case, nested objects
flattened with their parent's name as prefix (`assignment.home_country` ->
`assignment_home_country`).
"""

from __future__ import annotations

from typing import Any

import polars as pl

from reports.periods import local_date
from reports.schema import (
    Column,
    FrameSchema,
    Getter,
    Kind,
    as_sent_column,
    col,
    money_object_columns,
)

# The column kinds by name, so that the tables below read one column a line.
ID, TEXT, ENUM, INT, BOOL, DATE, TIMESTAMP, MONEY, CURRENCY, DECIMAL, TEXT_LIST, JSON = (
    Kind.ID,
    Kind.TEXT,
    Kind.ENUM,
    Kind.INT,
    Kind.BOOL,
    Kind.DATE,
    Kind.DATETIME,
    Kind.MONEY,
    Kind.CURRENCY,
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
        col("expat_case_id", ID, "case id"),
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
        col("expat_case_id", ID, "case id"),
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
        col("expat_case_id", ID, "the case the expense was listed under (its owner)"),
        col(
            "stated_expat_case_id",
            ID,
            "the case id the expense itself names; a different one from `expat_case_id` is"
            " flagged, never followed",
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

# --------------------------------------------------------------------------- plannr
# Plannr timestamps carry an offset (`2025-05-14T18:27:12+01:00`); all become UTC.


def _uuids(path: str, key: str = "uuid", base: str | None = None) -> Getter:
    """The `key` of each object in the included list `path`, or (for uuids) the base array
    `base` when the include was not answered. A value that is not a list is an error naming
    the field, never its keys read as items."""

    def getter(record: dict[str, Any]) -> list[str] | None:
        values = record.get(path)
        if values is None and base is not None:
            values = record.get(base)
        if values is None:
            return None
        if not isinstance(values, list):
            raise ValueError(f"`{path}` should be a list, got {type(values).__name__}")
        return [str(v.get(key)) if isinstance(v, dict) else str(v) for v in values]

    return getter


PLANNR_CASES = FrameSchema(
    "plannr",
    "cases",
    "Cases, `GET /api/v1/cases?include=status,type,plans,participants,groups,assigned_to`.",
    (
        col("uuid", ID, "case uuid"),
        col("name", TEXT, "case name"),
        col("slug", TEXT, "case slug"),
        *money_object_columns("value", "value", "expected value of the case"),
        col("status_uuid", ID, "status uuid", "status.uuid"),
        col("status_name", TEXT, "status name", "status.name"),
        col("status_position", INT, "position of the status in the pipeline"),
        col("type_uuid", ID, "case type uuid", "type.uuid"),
        col("type_name", TEXT, "case type name", "type.name"),
        col("review_at", TIMESTAMP, "review date, UTC"),
        col("completed_at", TIMESTAMP, "completed, UTC (null while open)"),
        col("plan_uuids", TEXT_LIST, "linked plans", getter=_uuids("plans")),
        col("plan_names", TEXT_LIST, "linked plans' names", getter=_uuids("plans", "name")),
        col("participant_uuids", TEXT_LIST, "participant accounts", getter=_uuids("participants")),
        col(
            "participant_names",
            TEXT_LIST,
            "participants' names",
            getter=_uuids("participants", "name"),
        ),
        col("participants_count", INT, "number of participants"),
        col(
            "assigned_to_uuids",
            TEXT_LIST,
            "assigned users (base field, or the `assigned_to` include)",
            getter=_uuids("assigned_to", base="assigned_to_uuids"),
        ),
        col(
            "assigned_to_names",
            TEXT_LIST,
            "assigned users' names (`assigned_to` include)",
            getter=_uuids("assigned_to", "name"),
        ),
        col(
            "group_uuids",
            TEXT_LIST,
            "assigned groups (base field, or the `groups` include)",
            getter=_uuids("groups", base="group_uuids"),
        ),
        col(
            "group_names",
            TEXT_LIST,
            "groups' names (`groups` include)",
            getter=_uuids("groups", "name"),
        ),
        col("custom_fields", JSON, "custom fields (shape varies by firm: JSON text)"),
        col("created_at", TIMESTAMP, "created, UTC"),
        col("updated_at", TIMESTAMP, "updated, UTC"),
        as_sent_column(),
    ),
)

PLANNR_CLIENTS = FrameSchema(
    "plannr",
    "clients",
    "Client accounts, `GET /api/v1/account?filter[type]=client`.",
    (
        col("uuid", ID, "account uuid"),
        col("name", TEXT, "full name"),
        col("first_name", TEXT, "first name"),
        col("last_name", TEXT, "last name"),
        col("email", TEXT, "email"),
        col("role", ENUM, "role, e.g. client"),
        col("type", ENUM, "account type, e.g. client"),
        col("photo_url", TEXT, "avatar URL"),
        col("with_login", BOOL, "has a portal login"),
        col("has_joint_account", BOOL, "has a joint account"),
        col("can_be_deleted", BOOL, "may be deleted"),
        col("inactive_at", DATE, "inactive since"),
        col("first_contact_date", TIMESTAMP, "first contact, UTC"),
        col("next_review_date", TIMESTAMP, "next review, UTC"),
        col("previous_review_date", TIMESTAMP, "previous review, UTC"),
        col("anniversary_review_date", TIMESTAMP, "anniversary review, UTC"),
        col("created_at", TIMESTAMP, "created, UTC"),
        col("updated_at", TIMESTAMP, "updated, UTC"),
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
        col("name", TEXT, "income name"),
        col("type", ENUM, "salary, dividend, bonus, benefit, other, investment, rental or pension"),
        col("type_other", TEXT, "what the income is, for type `other`"),
        *money_object_columns("amount", "amount", "amount per `frequency`"),
        col("amount_type", ENUM, "net or gross"),
        col("frequency", ENUM, "daily ... annually, adhoc or one_off"),
        col("is_taxable", BOOL, "taxable"),
        col("start_date", DATE, "start"),
        col("end_date", DATE, "end"),
        col("created_at", TIMESTAMP, "created, UTC"),
        col("updated_at", TIMESTAMP, "updated, UTC"),
        col("account_uuid", ID, "owning account uuid", "account.uuid"),
        col("account_name", TEXT, "owning account name", "account.name"),
        col("account_email", TEXT, "owning account email", "account.email"),
        col("shared_owner_type", ENUM, "individual or ..."),
        col("shared_owner_uuid", ID, "shared owner uuid", "shared_owner.uuid"),
        col("shared_owner_name", TEXT, "shared owner name", "shared_owner.name"),
        col(
            "shared_owner_ownership_percentage",
            DECIMAL,
            "shared owner's share, percent",
            "shared_owner.ownership_percentage",
        ),
        col("employment_uuid", ID, "linked employment", f"{_EMP}.uuid"),
        col("employment_status", ENUM, "employment status", f"{_EMP}.status"),
        col("employment_primary", BOOL, "primary employment", f"{_EMP}.primary"),
        col("employment_employer", TEXT, "employer", f"{_EMP}.employer"),
        col("employment_job_title", TEXT, "job title", f"{_EMP}.job_title"),
        col("employment_occupation", TEXT, "occupation", f"{_EMP}.occupation"),
        col("employment_occupation_code", TEXT, "occupation code", f"{_EMP}.occupation_code"),
        col("employment_directors", TEXT, "directors", f"{_EMP}.directors"),
        col("employment_started_at", TIMESTAMP, "employment start, UTC", f"{_EMP}.started_at"),
        col("employment_ended_at", TIMESTAMP, "employment end, UTC", f"{_EMP}.ended_at"),
        col("employment_is_business_owner", BOOL, "owns the business", f"{_EMP}.is_business_owner"),
        col("employment_business_name", TEXT, "business name", f"{_EMP}.business_name"),
        col("employment_business_year_end", DATE, "business year end", f"{_EMP}.business_year_end"),
        col(
            "employment_percentage_of_business_shared",
            DECIMAL,
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
            TEXT,
            "accountant firm",
            f"{_EMP}.accountant_company_name",
        ),
        col("employment_accountant_email", TEXT, "accountant email", f"{_EMP}.accountant_email"),
        col(
            "employment_accountant_telephone_number",
            TEXT,
            "accountant phone",
            f"{_EMP}.accountant_telephone_number",
        ),
        col(
            "employment_accountant_address",
            TEXT,
            "accountant address",
            f"{_EMP}.accountant_address",
        ),
        col(
            "employment_shared_owner_type",
            ENUM,
            "employment shared owner type",
            f"{_EMP}.shared_owner_type",
        ),
        as_sent_column(),
    ),
)

# --------------------------------------------------------------------------- willsuite
# WillSuite is a UK system: its naive timestamps (`2024-05-20 00:00:00`) are UK local time,
# as its create response shows (`2024-05-17` stored as `2024-05-16T23:00:00Z`, BST).
# Amounts are pounds as JSON numbers; we decode them as Decimal and add `currency` = GBP.
#: WillSuite writes its naive timestamps in UK local time, whatever the firm's own zone.
WILLSUITE_ZONE = "Europe/London"


#: WillSuite is UK-only: its amounts are pounds, and it sends no currency.
WILLSUITE_CURRENCY = "GBP"


def _gbp(_record: dict[str, Any]) -> str:
    return WILLSUITE_CURRENCY


def _address(record: dict[str, Any]) -> Any:
    return record.get("email") or None


WILLSUITE_CASES = FrameSchema(
    "willsuite",
    "cases",
    "Will-writing cases, `GET /cases`.",
    (
        col("id", ID, "case uuid"),
        col("ref", TEXT, "case reference"),
        col("first_names", TEXT, "customers' first names"),
        col("last_names", TEXT, "customers' last names"),
        col("full_names", TEXT, "customers' full names"),
        col("email", TEXT, 'email (WillSuite sends "" for none: read as null)', getter=_address),
        col("postcode", TEXT, "customer postcode"),
        col("notes", TEXT, "notes"),
        col("meta", JSON, "custom fields by uuid (JSON text)"),
        col("created_at", TIMESTAMP, "created, UTC", naive_zone=WILLSUITE_ZONE),
        col("updated_at", TIMESTAMP, "updated, UTC", naive_zone=WILLSUITE_ZONE),
    ),
)

WILLSUITE_INVOICES = FrameSchema(
    "willsuite",
    "invoices",
    "Invoices of every case, `GET /cases/{caseId}/invoices?show_cancelled_items=true`.",
    (
        col("id", ID, "invoice uuid"),
        col("customer_case_id", ID, "the case the invoice was listed under (its owner)"),
        col(
            "stated_customer_case_id",
            ID,
            "the case uuid the invoice itself names; a different one from `customer_case_id`"
            " is flagged, never followed",
        ),
        col("invoice_number", TEXT, "invoice number, unique within the case"),
        col("ref", TEXT, "reference"),
        col("notes", TEXT, "notes"),
        col("terms", TEXT, "terms"),
        col("payment_terms", TEXT, "payment terms"),
        col("date_created", TIMESTAMP, "invoice date, UTC", naive_zone=WILLSUITE_ZONE),
        col("date_due", TIMESTAMP, "due, UTC", naive_zone=WILLSUITE_ZONE),
        col("date_sent", TIMESTAMP, "sent, UTC", naive_zone=WILLSUITE_ZONE),
        col("date_paid", TIMESTAMP, "paid, UTC", naive_zone=WILLSUITE_ZONE),
        col("subtotal", MONEY, "net total as the header states it"),
        col("vat_amount", MONEY, "VAT as the header states it"),
        col("total", MONEY, "gross total as the header states it"),
        col("currency", TEXT, "always GBP", getter=_gbp),
        col("recipients_name", TEXT, "addressee"),
        col("status", ENUM, "e.g. Paid, Not Paid"),
        col("mail_sent", BOOL, "emailed to the customer"),
        col("payable_online", BOOL, "payable online"),
        col("formatted_recurring_interval", TEXT, "recurrence, if any"),
    ),
)

WILLSUITE_INVOICE_ITEMS = FrameSchema(
    "willsuite",
    "invoice_items",
    "Line items of every invoice, cancelled ones included (see `status`).",
    (
        col("id", ID, "item uuid"),
        col("case_invoice_id", ID, "the invoice the item was listed in (its owner)"),
        col(
            "stated_case_invoice_id",
            ID,
            "the invoice uuid the item itself names; a different one from `case_invoice_id`"
            " is flagged, never followed",
        ),
        col("customer_case_id", ID, "the case of its invoice"),
        col("description", TEXT, "description"),
        col("quantity", DECIMAL, "quantity"),
        col("rate", MONEY, "unit price excluding VAT"),
        col("subtotal", MONEY, "line net"),
        col("vat_amount", MONEY, "line VAT"),
        col("amount", MONEY, "line gross, including VAT"),
        col("currency", TEXT, "always GBP", getter=_gbp),
        col("has_vat", BOOL, "VAT applies"),
        col("status", ENUM, "null, or cancelled"),
        col("paid_at", TIMESTAMP, "paid, UTC", naive_zone=WILLSUITE_ZONE),
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

#: How each source's case reads in the one shape the report lists cases in: its id, name,
#: client, status as displayed, and the UK dates it was opened and closed (a mobility case
#: closes at its end date once completed; a Plannr case when completed; WillSuite's have no
#: closing).
CASE_SUMMARIES: tuple[tuple[FrameSchema, dict[str, pl.Expr]], ...] = (
    (
        MOBILITY_CASES,
        {
            "case_id": pl.col("id"),
            "case_name": pl.coalesce("name", "label"),
            "client": pl.col("client_name"),
            "status": pl.coalesce("status_label", "status"),
            "opened_on": local_date("created_at"),
            "closed_on": pl.when(pl.col("status") == "completed").then(pl.col("end_date")),
        },
    ),
    (
        PLANNR_CASES,
        {
            "case_id": pl.col("uuid"),
            "case_name": pl.col("name"),
            "client": pl.col("participant_names").list.join(", "),
            "status": pl.col("status_name"),
            "opened_on": local_date("created_at"),
            "closed_on": local_date("completed_at"),
        },
    ),
    (
        WILLSUITE_CASES,
        {
            "case_id": pl.col("id"),
            "case_name": pl.col("ref"),
            "client": pl.col("full_names"),
            "status": pl.lit(None, pl.String),
            "opened_on": local_date("created_at"),
            "closed_on": pl.lit(None, pl.Date),
        },
    ),
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
