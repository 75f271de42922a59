#!/bin/sh
# hr-nightly.sh: tonight's HR export through phonereg, on one result file
# across nights, then a report.
#
#     hr-nightly.sh TONIGHT.csv [phonereg run flags...]
#
# HR exports everyone each night, in whatever order. The result file is the
# same every night (--out), and phonereg resumes by content: a row done on an
# earlier night is skipped wherever it now stands, a new or changed row runs,
# and the lines of people no longer in the export are dropped from the result
# file (kept in its .bak). So each night sends only the delta.
#
# Tonight's export is kept in $PHONEREG_DIR/archive (the run's input is what
# `phonereg undo --in … --results …` needs to revert a night). Extra flags go
# to phonereg run, e.g. `--limit 20` for a canary night, `--on-existing update`
# when HR's numbers should replace the ones users have.
#
# Environment (the same script runs in production and in `make demo-recipes`):
#   PHONEREG           the phonereg binary (default: phonereg on PATH)
#   PHONEREG_DIR       the state folder (default /var/lib/phonereg)
#   PHONEREG_REGION    --default-region for national numbers (default US)
#   AZURE_TENANT_ID, AZURE_CLIENT_ID and a credential, as for any run (README)
#
# Exit code: phonereg run's (0 all rows succeeded, 1 some did not, 2 usage,
# input or result file, 3 credentials or permissions, 130 stopped: run it
# again to resume). The report is in $PHONEREG_DIR/report.txt, and on stdout
# when the run did not exit 0 (cron mails it).
set -u
export_file=${1:?usage: hr-nightly.sh TONIGHT.csv [phonereg run flags...]}
shift
PHONEREG=${PHONEREG:-phonereg}
dir=${PHONEREG_DIR:-/var/lib/phonereg}
region=${PHONEREG_REGION:-US}
results=$dir/hr.results.csv

umask 077
mkdir -p "$dir/archive" || exit 2
tonight=$dir/archive/hr-$(date -u +%Y%m%dT%H%M%SZ).csv
cp "$export_file" "$tonight" || exit 2

"$PHONEREG" run --in "$tonight" --out "$results" --summary-json "$dir/summary.json" \
    --default-region "$region" --log-format json --progress log "$@" 2>>"$dir/phonereg.log"
code=$?

"$PHONEREG" report "$results" >"$dir/report.txt" 2>&1
if [ "$code" -ne 0 ]; then
    echo "phonereg run exited $code; tonight's input: $tonight; log: $dir/phonereg.log"
    cat "$dir/report.txt"
fi
exit "$code"
