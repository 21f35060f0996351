"""Delivery: getting finished reports to the people they are for."""
