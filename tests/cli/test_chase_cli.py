"""`reports chase`, `reports approve --chase` and `reports email --chase` on the command
line, in process, on a small sandbox: drafted, approved, sent once, and a rerun sends
nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import MakeSandbox

from reports.cli import main
from reports.sandbox import Sandbox, Sizes

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


@pytest.fixture(scope="module")
def server(make_sandbox: MakeSandbox) -> Sandbox:
    return make_sandbox(seed=4, sizes=SMALL)


def test_chase_approve_and_email_send_each_reminder_once(tmp_path: Path, server: Sandbox) -> None:
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


def test_approval_auto_sends_as_it_drafts_and_a_rerun_sends_nothing(
    tmp_path: Path, server: Sandbox
) -> None:
    settings = tmp_path / "reports.toml"
    settings.write_text('[delivery]\napproval = "auto"\n' + SETTINGS)
    out = tmp_path / "out"
    common = ["--config", str(settings), "--out", str(out)]
    env = server.environment()

    first = invoke(["chase", "--as-of", "2026-10-31", *common], env=env)
    assert first.exit_code == 0, first.output
    count = int(first.stdout.split()[1])
    assert count > 0 and f"sent {count}" in first.stdout
    assert "reports approve" not in first.stderr
    outbox = out / "chase" / "2026-10-31" / "outbox"
    assert len(list(outbox.glob("*.eml"))) == count

    # cron runs it again the same day: nothing is due, nothing goes.
    again = invoke(["chase", "--as-of", "2026-10-31", *common], env=env)
    assert again.exit_code == 0, again.output
    assert "0 reminders drafted" in again.stdout
    assert len(list(outbox.glob("*.eml"))) == count


def test_resend_names_an_uncertain_reminder_of_the_day(tmp_path: Path, server: Sandbox) -> None:
    settings = tmp_path / "reports.toml"
    settings.write_text('[delivery]\napproval = "auto"\n' + SETTINGS)
    common = ["--config", str(settings), "--out", str(tmp_path / "out")]
    env = server.environment()
    assert invoke(["chase", "--as-of", "2026-10-31", *common], env=env).exit_code == 0

    result = invoke(["email", "--chase", "2026-10-31", "--resend", "0123abcd", *common], env=env)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: --resend 0123abcd: no uncertain reminder of 2026-10-31 has this key; "
        "reports email --chase 2026-10-31 lists them"
    )


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
