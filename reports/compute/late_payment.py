"""Statutory interest and fixed compensation on a late commercial debt, under the Late
Payment of Commercial Debts (Interest) Act 1998, worked per invoice.

Only for a client that is a business: the Act does not apply to consumers. The rate is the
Bank of England base rate (the reference rate the firm gives, `[credit_control] base_rate`)
plus 8 % a year, simple, for each day from the day after the due date to the day stated;
each invoice's interest is rounded to the penny, half up, once. The fixed sum is per
invoice, by the size of the debt: £40 under £1,000, £70 under £10,000, £100 from £10,000.
docs/calculations.md ("Late payment interest") gives worked examples.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

#: Added to the reference rate by the Act (section 4 and the Late Payment of Commercial
#: Debts (Rate of Interest) (No. 3) Order 2002), as a fraction a year.
STATUTORY_MARGIN = Decimal("0.08")
#: The Act's year: interest accrues daily over 365 days, leap years included.
DAYS_A_YEAR = 365
PENNY = Decimal("0.01")

#: (debt below, fixed sum): section 5A of the Act, as amended in 2013.
COMPENSATION_BANDS = ((Decimal(1000), Decimal(40)), (Decimal(10000), Decimal(70)))
COMPENSATION_TOP = Decimal(100)


@dataclass(frozen=True)
class LatePayment:
    """What may be claimed on one late invoice at a day."""

    days_late: int
    #: The annual rate applied (reference rate + 8 %), as a fraction.
    rate: Decimal
    interest: Decimal
    compensation: Decimal

    @property
    def total(self) -> Decimal:
        return self.interest + self.compensation


def fixed_compensation(debt: Decimal) -> Decimal:
    """The fixed sum for recovering a debt of `debt`: £40, £70 or £100 by its size."""
    for below, amount in COMPENSATION_BANDS:
        if debt < below:
            return amount
    return COMPENSATION_TOP


def late_payment(
    outstanding: Decimal, due_date: dt.date, as_of: dt.date, base_rate: Decimal
) -> LatePayment | None:
    """Interest and compensation on `outstanding`, due on `due_date`, at `as_of`; None when
    nothing is late (not yet past due, or nothing owed). `base_rate` is a fraction a year
    (0.04 for 4 %)."""
    days = (as_of - due_date).days
    if days <= 0 or outstanding <= 0:
        return None
    rate = base_rate + STATUTORY_MARGIN
    interest = (outstanding * rate * days / DAYS_A_YEAR).quantize(PENNY, ROUND_HALF_UP)
    return LatePayment(days, rate, interest, fixed_compensation(outstanding))
