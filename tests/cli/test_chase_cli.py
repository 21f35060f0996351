"""`reports chase`, `reports approve --chase` and `reports email --chase` on the command
line, in process, on a small sandbox: drafted, approved, sent once, and a rerun sends
nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import MakeSandbox

from reports.cli import main
from reports.sandbox import Sizes

SMALL = Sizes(mobility_cases=10, plannr_cases=5, plannr_clients=5, willsuite_cases=40)
SETTINGS = """
[credit_control]
steps = [
  { days = -3, template = "reminder-before" },
  { days = 7, template = "overdue-1" },
  { days = 21, template = "overdue-2" },
  { days = 45, template = "final" },
]
minimum = 10.00
"""


def invoke(args: list[str], env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, args, env=env)


@pytest.fixture(autouse=True)
def _no_settings_of_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in __import__("os").environ if n.startswith("REPORTS_")]:
        monkeypatch.delenv(name)


def test_chase_approve_and_email_send_each_reminder_once(
    tmp_path: Path, make_sandbox: MakeSandbox
) -> None:
    server = make_sandbox(seed=4, sizes=SMALL)
    settings = tmp_path / "reports.toml"
    settings.write_text(SETTINGS)
    out = str(tmp_path / "out")
    common = ["--config", str(settings), "--out", out]
    env = server.environment()

    drafted = invoke(["chase", "--as-of", "2026-10-31", *common], env=env)
    assert drafted.exit_code == 0, drafted.output
    count = int(drafted.stdout.split()[1])
    assert count > 0 and drafted.stdout.rstrip().endswith(f"{count} reminders drafted")
    assert "reports approve --chase 2026-10-31 --by NAME" in drafted.stderr

    unapproved = invoke(["email", "--chase", "2026-10-31", *common], env=env)
    assert unapproved.exit_code == 1
    assert unapproved.stderr.startswith("error: the reminders of 2026-10-31 are not approved")

    approved = invoke(["approve", "--chase", "2026-10-31", "--by", "Jo Partner", *common])
    assert approved.exit_code == 0, approved.output
    assert f"{count} reminders approved by Jo Partner" in approved.stdout

    sent = invoke(["email", "--chase", "2026-10-31", *common], env=env)
    assert sent.exit_code == 0, sent.output
    assert sent.stdout.rstrip().endswith(f"sent {count}")
    outbox = list((tmp_path / "out" / "chase" / "2026-10-31" / "outbox").glob("*.eml"))
    assert len(outbox) == count

    again = invoke(["email", "--chase", "2026-10-31", *common], env=env)
    assert again.exit_code == 0, again.output
    assert again.stdout.rstrip().endswith(f"sent 0, {count} sent before")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["email"], "give --month YYYY-MM or --chase YYYY-MM-DD (one of them)"),
        (
            ["email", "--month", "2026-10", "--chase", "2026-10-31"],
            "give --month YYYY-MM or --chase YYYY-MM-DD (one of them)",
        ),
        (["approve", "--by", "Jo"], "give --month YYYY-MM or --chase YYYY-MM-DD (one of them)"),
        (["chase", "--as-of", "31/10/2026"], "'31/10/2026' is not a day: give it as YYYY-MM-DD"),
        (
            ["chase", "--as-of", "2026-10-31"],
            "no [credit_control] in the settings: give its steps to chase",
        ),
    ],
)
def test_what_to_chase_or_send_is_asked_for_in_one_line(
    args: list[str], message: str, tmp_path: Path
) -> None:
    empty = tmp_path / "reports.toml"
    empty.write_text("")
    result = invoke([*args, "--config", str(empty), "--out", str(tmp_path / "out")])
    assert result.exit_code in (1, 2)
    assert message in result.stderr and "Traceback" not in result.output
