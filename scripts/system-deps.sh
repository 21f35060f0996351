#!/usr/bin/env bash
# System packages the reports and the test suite need, installed from Debian's archive where
# missing. `system-deps.sh demo` installs only what `make demo` uses: Pango renders PDFs for
# WeasyPrint, with HarfBuzz subsetting fonts into them, and DejaVu gives it fonts to use (the
# workbook is written by xlsxwriter, so no LibreOffice). `system-deps.sh` (or `test`) adds what
# the tests use: LibreOffice Calc (headless) recalculates every workbook we write; Chromium
# (headless) opens the web report in the browser tests, driven by Playwright; SpamAssassin
# (its local rules, no network) scores every kind of email we send; qpdf checks the structure
# of every PDF we write, and Poppler (pdfinfo, pdftoppm) reads back its tags and metadata and
# renders its pages to pictures; Java runs the Nu HTML Checker (vnu.jar) over the web pages.
set -euo pipefail
scope="${1:-test}"
case "$scope" in
  demo | test) ;;
  *)
    echo "usage: $0 [demo|test]" >&2
    exit 2
    ;;
esac
missing=()
# grep -c reads all its input: `grep -q` would stop at the first match, and the writer's
# SIGPIPE would fail the pipeline (pipefail), so a package present would count as missing.
fc-list 2>/dev/null | grep -ci dejavu >/dev/null || missing+=(fonts-dejavu-core)
ldconfig -p 2>/dev/null | grep -c 'libpangoft2-1.0.so.0' >/dev/null || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
ldconfig -p 2>/dev/null | grep -c 'libharfbuzz-subset.so.0' >/dev/null || missing+=(libharfbuzz-subset0)
if [ "$scope" = test ]; then
  command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v spamassassin >/dev/null 2>&1 || missing+=(spamassassin)
  command -v qpdf >/dev/null 2>&1 || missing+=(qpdf)
  command -v pdfinfo >/dev/null 2>&1 || missing+=(poppler-utils)
  command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
fi
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing system packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
  sudo=""
elif command -v sudo >/dev/null 2>&1; then
  sudo="sudo"
else
  echo "error: install these Debian packages first: ${missing[*]}" >&2
  exit 1
fi

# On a fresh machine unattended-upgrades often holds apt's locks for minutes. apt 2.6 waits
# for dpkg's lock itself given DPkg::Lock::Timeout, but `apt-get update` fails at once on the
# lists lock, so every apt-get is retried while it fails for a lock, up to LOCK_WAIT seconds.
LOCK_WAIT="${SYSTEM_DEPS_LOCK_WAIT:-300}"
# Seconds between tries; the test shortens it.
LOCK_POLL="${SYSTEM_DEPS_LOCK_POLL:-5}"
deadline=$((SECONDS + LOCK_WAIT))
said_waiting=""
apt() {
  local err status
  err="$(mktemp)"
  while true; do
    status=0
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$LOCK_WAIT" "$@" 2>"$err" || status=$?
    if [ "$status" -eq 0 ]; then
      rm -f "$err"
      return 0
    fi
    if ! grep -Eqi 'could not get lock|unable to (acquire|lock)' "$err" || [ "$SECONDS" -ge "$deadline" ]; then
      cat "$err" >&2
      rm -f "$err"
      return "$status"
    fi
    if [ -z "$said_waiting" ]; then
      echo "waiting for another package manager (apt) to finish, up to $((LOCK_WAIT / 60)) minutes..."
      said_waiting=1
    fi
    sleep "$LOCK_POLL"
  done
}
# A second try after a pause, for a mirror that failed once (the test shortens the pause).
apt update -qq || { sleep "${SYSTEM_DEPS_RETRY_PAUSE:-10}"; apt update -qq; }
apt install -y -qq "${missing[@]}" >/dev/null
