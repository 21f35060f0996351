"""The factories' frames are the ones a sandbox serves over real sockets: the report and
render tests built on `tests/factories.py` test what a run over the network would show."""

from __future__ import annotations

from conftest import MakeSandbox
from factories import read_sandbox, sandbox_data, sandbox_month

from reports.fetch import fetch_frames
from reports.sandbox import Sizes

SMALL = Sizes(mobility_cases=40, plannr_cases=20, plannr_clients=20, willsuite_cases=40)


def test_the_month_read_in_process_equals_the_month_fetched_over_loopback(
    make_sandbox: MakeSandbox,
) -> None:
    served = make_sandbox(seed=5, sizes=SMALL)
    fetched = fetch_frames(served.config())
    month = sandbox_month(seed=5, sizes=SMALL)
    assert list(month.frames) == list(fetched)
    for key, frame in fetched.items():
        assert month.frames[key].equals(frame), key
    assert (month.firm, month.email) == (served.firm_settings(), served.email_settings())


def test_records_changed_before_reading_are_the_ones_read() -> None:
    records = sandbox_data(seed=5, sizes=SMALL)
    records.mobility_cases[0]["client_name"] = "Changed & Co"
    changed = read_sandbox(records, sources=("mobility",))
    assert {source for source, _ in changed.frames} == {"mobility"}
    assert "Changed & Co" in changed.report().cases["client"].to_list()
    # The shared month is not the copy changed.
    shared = sandbox_month(seed=5, sizes=SMALL).report()
    assert "Changed & Co" not in shared.cases["client"].to_list()
