"""The delivery tests' fixtures: a real SMTP server (aiosmtpd) on loopback, and a small
month of statements to send."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from factories import sandbox_month

from reports.config import SmtpSettings
from reports.render.messages import Plan, plan_messages
from reports.render.pdf import write_monthly_pdf, write_statements
from reports.sandbox import Sizes

# Kept although unused here: pytest imports each conftest.py outside a package as the
# module `conftest`, so once this one is collected, the test modules' `from conftest
# import MakeSandbox` reads this module.
from tests.conftest import MakeSandbox as MakeSandbox
from tests.delivery.mail import Inbox, free_port, fresh_copy, settings_for


@pytest.fixture
def smtp_server():
    controllers = []

    def start(handler: Inbox) -> SmtpSettings:
        controller = Controller(handler, hostname="127.0.0.1", port=free_port())
        controller.start()
        controllers.append(controller)
        return SmtpSettings(
            host="127.0.0.1", port=controller.port, security="none", sender="reports@firm.example"
        )

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture(scope="session")
def month_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Rendered once for every delivery test of the process: each sends from a copy of its
    own (`fresh_copy`), so none changes it."""
    sizes = Sizes(mobility_cases=40, plannr_cases=5, plannr_clients=5, willsuite_cases=60)
    data = sandbox_month(seed=9, sizes=sizes).report("2026-10", firm="Demo & Co")
    folder = tmp_path_factory.mktemp("month")
    write_monthly_pdf(data, folder / "report-2026-10.pdf")
    willsuite = [s for s in data.statements if s.source == "willsuite"][:4]
    mobility = [s for s in data.statements if s.source == "mobility"][:2]
    write_statements(data, folder / "statements", statements=[*willsuite, *mobility])
    return folder


@dataclass(frozen=True)
class Sending:
    """A fresh copy of the month, an SMTP server keeping what it gets, and the plan."""

    folder: Path
    smtp: SmtpSettings
    plan: Plan

    def __iter__(self) -> Iterator[Any]:
        return iter((self.folder, self.smtp, self.plan))


@pytest.fixture
def sending(month_folder: Path, tmp_path: Path, smtp_server) -> Callable[[Inbox], Sending]:  # type: ignore[no-untyped-def]
    def start(inbox: Inbox) -> Sending:
        folder = fresh_copy(month_folder, tmp_path)
        plan = plan_messages(folder, "October 2026", settings_for(folder), firm="Demo & Co")
        return Sending(folder, smtp_server(inbox), plan)

    return start
