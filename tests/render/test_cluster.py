"""Statements rendered on a real Dask cluster (`distributed.LocalCluster`, started here): the
templates travel with each task, a worker killed mid-batch loses and doubles nothing, and
`reports monthly --dask ADDRESS` sends the rendering there."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import MakeSandbox
from factories import sandbox_month
from helpers import invoke, pdf_pages

from reports.errors import ConfigError
from reports.monthly import statement_executor
from reports.render.pdf import write_statements
from reports.render.templates import DEFAULT_TEMPLATES, Templates
from reports.report import ReportData
from reports.sandbox import Sizes


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as started:
        yield started


@pytest.fixture(scope="module")
def data() -> ReportData:
    # More statements than the batch below (both kinds of them), built in well under a second.
    sizes = Sizes(mobility_cases=20, plannr_cases=5, plannr_clients=5, willsuite_cases=120)
    built = sandbox_month(sizes=sizes).report("2026-10", firm="Cluster & Co")
    assert len(built.statements) > 30
    return built


def test_the_templates_travel_with_each_task(
    cluster: Any, data: ReportData, tmp_path: Path
) -> None:
    from distributed import Client

    own = tmp_path / "templates"
    own.mkdir()
    css = (DEFAULT_TEMPLATES / "statement.css").read_text()
    (own / "statement.css").write_text(css + '\nh1::after { content: " (shipped style)"; }\n')
    with Client(cluster) as client:
        rendered = write_statements(
            data,
            tmp_path / "out",
            Templates(own),
            executor=client.get_executor(),
            statements=data.statements[:3],
            ship_templates=True,
        )
    for item in rendered:
        text = "\n".join(pdf_pages(Path(item.path)))
        # The worker read no file: the page's base is an address no host answers, and its
        # style came in the task.
        assert "(shipped style)" in text and item.entry.client in text


def test_a_worker_killed_mid_batch_loses_and_doubles_no_statement(
    cluster: Any, data: ReportData, tmp_path: Path
) -> None:
    from distributed import Client

    chosen = list(data.statements[:30])
    killed: list[int] = []
    with Client(cluster) as client:
        pids = list(client.run(os.getpid).values())

        def progress(label: str, done: int, total: int) -> None:
            if done == 3 and not killed:
                os.kill(pids[0], signal.SIGKILL)
                killed.append(pids[0])

        rendered = write_statements(
            data,
            tmp_path,
            executor=client.get_executor(),
            statements=chosen,
            ship_templates=True,
            on_progress=progress,
        )
        assert killed and pids[0] not in client.run(os.getpid).values()
    assert [r.entry.key for r in rendered] == [s.key for s in chosen]
    files = sorted(tmp_path.glob("*.pdf"))
    assert len(files) == len(chosen)
    index = json.loads((tmp_path / "statements.json").read_text())
    assert len({entry["key"] for entry in index}) == len(chosen)
    for item, statement in zip(rendered, chosen, strict=True):
        assert statement.client in "\n".join(pdf_pages(Path(item.path)))


def test_reports_monthly_renders_statements_on_the_cluster_it_is_given(
    cluster: Any, make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    sandbox = make_sandbox(
        sizes=Sizes(mobility_cases=8, plannr_cases=4, plannr_clients=4, willsuite_cases=12)
    )
    result = invoke(
        [
            "monthly",
            "--month",
            "2026-10",
            "--out",
            str(tmp_path),
            "--dask",
            cluster.scheduler_address,
        ],
        env=sandbox.environment(),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    index = json.loads((tmp_path / "2026-10" / "statements" / "statements.json").read_text())
    assert len(index) == len(list((tmp_path / "2026-10" / "statements").glob("*.pdf")))


def test_a_scheduler_that_is_not_there_is_a_clear_error() -> None:
    with (
        pytest.raises(ConfigError) as error,
        statement_executor("tcp://127.0.0.1:9", None, connect_seconds=1),
    ):
        pass
    assert str(error.value).startswith("cannot reach the Dask scheduler at tcp://127.0.0.1:9 (")
    assert str(error.value).endswith(
        "check [render] dask_scheduler, REPORTS_DASK_SCHEDULER or --dask"
    )
