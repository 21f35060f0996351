#!/usr/bin/env bash
# System packages the test suite and the reports need, installed from Debian's archive where
# missing: LibreOffice Calc (headless) recalculates every workbook we write; Pango renders PDFs
# for WeasyPrint, with HarfBuzz subsetting fonts into them; DejaVu gives it fonts to use;
# Chromium (headless) opens the web report in the browser tests, driven by Playwright;
# SpamAssassin (its local rules, no network) scores every kind of email we send; qpdf checks
# the structure of every PDF we write, and Poppler (pdfinfo, pdftoppm) reads back its tags and
# metadata and renders its pages to pictures.
set -euo pipefail
missing=()
command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-calc-nogui)
# grep -c reads all its input: `grep -q` would stop at the first match, and the writer's
# SIGPIPE would fail the pipeline (pipefail), so a package present would count as missing.
fc-list 2>/dev/null | grep -ci dejavu >/dev/null || missing+=(fonts-dejavu-core)
ldconfig -p 2>/dev/null | grep -c 'libpangoft2-1.0.so.0' >/dev/null || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
ldconfig -p 2>/dev/null | grep -c 'libharfbuzz-subset.so.0' >/dev/null || missing+=(libharfbuzz-subset0)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v spamassassin >/dev/null 2>&1 || missing+=(spamassassin)
command -v qpdf >/dev/null 2>&1 || missing+=(qpdf)
command -v pdfinfo >/dev/null 2>&1 || missing+=(poppler-utils)
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
$sudo apt-get update -qq || { sleep 10; $sudo apt-get update -qq; }
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
