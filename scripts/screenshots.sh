#!/usr/bin/env bash
# Remake the README's pictures of the PDFs and the workbook (docs/screenshots/) from the
# demo month that `make demo` wrote into output/. The web report's pictures are taken by
# hand in a browser (they show a drill-down opened) and are left as they are.
#
#   make demo && scripts/screenshots.sh [MONTH] [CLIENT]
#
# MONTH defaults to 2026-10; CLIENT, the client whose statement is shown, to the demo's
# Mateo Novak (brought forward, paid, invoiced, overdue and part paid on one page).
set -euo pipefail

month=${1:-2026-10}
client=${2:-Mateo Novak}
folder=output/$month
shots=docs/screenshots
python=${PYTHON:-.venv/bin/python}
report=$folder/report-$month.pdf
[ -f "$report" ] || { echo "error: no $report: run make demo first" >&2; exit 1; }

# The first page of $1 whose text holds $2 (pypdf), or nothing.
page_with() {
    "$python" - "$1" "$2" <<'EOF'
import sys
from pypdf import PdfReader

for number, page in enumerate(PdfReader(sys.argv[1]).pages, start=1):
    if sys.argv[2] in " ".join((page.extract_text() or "").split()):
        print(number)
        break
EOF
}

# Page $2 of $1 as $shots/$3.png, A4 at 64 dpi as the README shows it.
shot() {
    pdftoppm -png -r 64 -f "$2" -l "$2" -singlefile "$1" "$shots/$3"
    echo "$shots/$3.png: page $2 of $1"
}

need() {
    [ -n "$1" ] || { echo "error: no page of $2 holds \"$3\"" >&2; exit 1; }
}

shot "$report" 1 report-cover
trends=$(page_with "$report" "Trends: the")
need "$trends" "$report" "Trends: the"
shot "$report" "$trends" report-trends
compared=$(page_with "$report" "Compared")
need "$compared" "$report" "Compared"
shot "$report" "$compared" report-page-3
book=$(page_with "$report" "Client book")
if [ -n "$book" ]; then shot "$report" "$book" report-client-book; fi

statement=$(for pdf in "$folder"/statements/*.pdf; do
    if [ -n "$(page_with "$pdf" "$client")" ]; then echo "$pdf"; break; fi
done)
need "$statement" "$folder/statements" "$client"
shot "$statement" 1 statement

# The Summary sheet as LibreOffice prints it (its first page).
workbook=$folder/report-$month.xlsx
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
soffice --headless --convert-to pdf --outdir "$scratch" "$workbook" >/dev/null
shot "$scratch/report-$month.pdf" 1 workbook-summary
