"""Pure computations on frames: frames in, frames out, no I/O, exact to the minor unit.

Modules: `vat` (VAT check, periods, boxes 1 and 6), `fx` (ECB conversion), `invoicing`
(invoiced shares, aged debt, pipeline), `incomes` (annualisation), `periods`, `units`
(integer arithmetic with named rounding). See docs/calculations.md.
"""
