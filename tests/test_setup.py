"""scripts/system-deps.sh, run against a fake apt-get that records what it is asked: which
packages the demo and the tests install, and the wait for another package manager's lock."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import ROOT

SCRIPT = ROOT / "scripts" / "system-deps.sh"
DEMO = {"fonts-dejavu-core", "libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0"}
TEST_ONLY = {
    "libreoffice-calc-nogui",
    "chromium",
    "spamassassin",
    "qpdf",
    "poppler-utils",
    "default-jre-headless",
}
LOCK_ERROR = (
    "E: Could not get lock /var/lib/apt/lists/lock. It is held by process 812 (apt-get)\n"
    "E: Unable to lock directory /var/lib/apt/lists/\n"
)


def _tool(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/bash\n" + body, encoding="utf-8")
    path.chmod(0o755)


def _machine(tmp_path: Path, lock_failures: int = 0) -> tuple[Path, dict[str, str]]:
    """A PATH holding the few real tools the script uses and fakes for the rest, on which
    nothing is installed: `apt-get` logs its arguments and fails for a lock
    `lock_failures` times first."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for real in ("grep", "id", "sleep", "cat", "rm", "mktemp", "env"):
        found = shutil.which(real)
        assert found is not None, real
        (bin_dir / real).symlink_to(found)
    log = tmp_path / "apt.log"
    count = tmp_path / "tries"
    count.write_text("0", encoding="utf-8")
    _tool(bin_dir, "fc-list", "exit 0\n")
    _tool(bin_dir, "ldconfig", "exit 0\n")
    _tool(bin_dir, "sudo", 'exec "$@"\n')
    _tool(
        bin_dir,
        "apt-get",
        f"n=$(cat {count}); echo $((n + 1)) > {count}\n"
        f'if [ "$n" -lt {lock_failures} ]; then printf %s "{LOCK_ERROR}" >&2; exit 100; fi\n'
        f'echo "$*" >> {log}\n',
    )
    environ = {
        "PATH": str(bin_dir),
        "HOME": str(tmp_path),
        "SYSTEM_DEPS_LOCK_POLL": "0.05",
        "SYSTEM_DEPS_RETRY_PAUSE": "0",
    }
    return log, environ


def _run(
    tmp_path: Path, *args: str, lock_failures: int = 0, **extra: str
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    log, environ = _machine(tmp_path, lock_failures)
    bash = shutil.which("bash")
    assert bash is not None
    result = subprocess.run(
        [bash, str(SCRIPT), *args],
        env=environ | extra,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    calls = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    return result, calls


def _installed(calls: list[str]) -> set[str]:
    (install,) = [call for call in calls if " install " in f" {call} "]
    return {word for word in install.split() if not word.startswith("-") and "=" not in word} - {
        "install"
    }


def test_demo_installs_only_what_the_demo_needs(tmp_path: Path) -> None:
    result, calls = _run(tmp_path, "demo")
    assert result.returncode == 0, result.stderr
    assert _installed(calls) == DEMO


@pytest.mark.parametrize("args", [(), ("test",)])
def test_tests_install_everything(tmp_path: Path, args: tuple[str, ...]) -> None:
    result, calls = _run(tmp_path, *args)
    assert result.returncode == 0, result.stderr
    assert _installed(calls) == DEMO | TEST_ONLY
    assert calls[0].split()[-2:] == ["update", "-qq"]
    # dpkg's own lock is waited for by apt itself.
    assert all("DPkg::Lock::Timeout=300" in call for call in calls)


def test_waits_for_another_package_manager_saying_so_once(tmp_path: Path) -> None:
    result, calls = _run(tmp_path, "demo", lock_failures=3)
    assert result.returncode == 0, result.stderr
    waiting = "waiting for another package manager (apt) to finish, up to 5 minutes..."
    assert result.stdout.count(waiting) == 1
    assert _installed(calls) == DEMO
    assert "Could not get lock" not in result.stderr


def test_gives_up_on_a_lock_held_past_the_wait(tmp_path: Path) -> None:
    result, calls = _run(tmp_path, "demo", lock_failures=10_000, SYSTEM_DEPS_LOCK_WAIT="1")
    assert result.returncode != 0
    assert "Could not get lock" in result.stderr
    assert calls == []


def test_refuses_an_unknown_scope(tmp_path: Path) -> None:
    result, _ = _run(tmp_path, "everything")
    assert result.returncode == 2
    assert "usage:" in result.stderr
