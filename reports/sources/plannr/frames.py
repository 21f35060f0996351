"""Plannr: every frame it gives, defined once (columns, types, meaning).

Column names are the vendor's field names in snake_case, nested objects flattened with
their parent's name as prefix (`account.name` -> `account_name`), except a record's
uuid, which is its `id` as in the other sources (`uuid` -> `id`, `account.uuid` ->
`account_id`, `client_uuid` -> `client_id`): its path is the vendor's.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import polars as pl

from reports.money import from_minor_units
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
    Getter,
    as_sent_column,
    col,
    dig,
)
from reports.schema import MONEY_KIND as MONEY

# Plannr timestamps carry an offset (`2025-05-14T18:27:12+01:00`); all become UTC.


def money_object_columns(prefix: str, path: str, doc: str) -> list[Column]:
    """Three columns for a Plannr Money object `{amount (minor units), currency, formatted}`."""

    def major(record: dict[str, Any]) -> Decimal | None:
        money = dig(record, path)
        if not isinstance(money, dict) or money.get("amount") is None:
            return None
        # Plannr documents GBP money; a Money object without its currency is read in pennies,
        # and its `_currency` column stays null so that the report flags it.
        return from_minor_units(money["amount"], str(money.get("currency") or "GBP"), path)

    return [
        col(prefix, MONEY, f"{doc}, in major units (pounds), exact", getter=major),
        col(
            f"{prefix}_currency",
            CURRENCY,
            f"ISO 4217 currency of `{prefix}`",
            f"{path}.currency",
        ),
        col(
            f"{prefix}_formatted",
            TEXT,
            f"`{prefix}` as the vendor formats it",
            f"{path}.formatted",
        ),
    ]


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
        col("id", ID, "case uuid", "uuid"),
        col("name", TEXT, "case name"),
        col("slug", TEXT, "case slug"),
        *money_object_columns("value", "value", "expected value of the case"),
        col("status_id", ID, "status uuid", "status.uuid"),
        col("status_name", TEXT, "status name", "status.name"),
        col("status_position", INT, "position of the status in the pipeline"),
        col("type_id", ID, "case type uuid", "type.uuid"),
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
        col("id", ID, "account uuid", "uuid"),
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
        col("id", ID, "income uuid", "uuid"),
        col("client_id", ID, "the client the income was fetched for", "client_uuid"),
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
        col("account_id", ID, "owning account uuid", "account.uuid"),
        col("account_name", TEXT, "owning account name", "account.name"),
        col("account_email", TEXT, "owning account email", "account.email"),
        col("shared_owner_type", ENUM, "individual or ..."),
        col("shared_owner_id", ID, "shared owner uuid", "shared_owner.uuid"),
        col("shared_owner_name", TEXT, "shared owner name", "shared_owner.name"),
        col(
            "shared_owner_ownership_percentage",
            DECIMAL,
            "shared owner's share, percent",
            "shared_owner.ownership_percentage",
        ),
        col("employment_id", ID, "linked employment", f"{_EMP}.uuid"),
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


#: How a case reads in the report's one shape for cases: it closes when completed.
CASE_SUMMARY = {
    "case_id": pl.col("id"),
    "case_name": pl.col("name"),
    "client": pl.col("participant_names").list.join(", "),
    "status": pl.col("status_name"),
    "opened_on": local_date("created_at"),
    "closed_on": local_date("completed_at"),
}
