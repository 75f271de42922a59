#!/bin/sh
# demo.sh: `make demo-recipes`. Runs each recipe's phonereg command on its
# sample input against one `phonereg sim` process, reached through sim.env as a
# tenant is. Only phonereg and a POSIX shell are needed: no kubectl, systemd or
# cron. The Kubernetes and systemd commands are read out of the manifests
# themselves (cronjob.yaml's args, phonereg.service's ExecStart) and the cron
# command out of the crontab line, so what runs here is what runs there, with
# two changes, printed with each command: their paths are mapped into the
# demo's folder, and --auth is replaced by --auth auto, which signs in with
# sim.env's client secret (the emulator has no workload identity or
# certificate). The nightly script runs as it is, its paths from the
# environment.
#
#     PHONEREG=bin/phonereg DEMO_DIR=demo-recipes sh samples/recipes/demo.sh
set -eu
recipes=$(cd "$(dirname "$0")" && pwd)
PHONEREG=$(cd "$(dirname "${PHONEREG:?set PHONEREG to the phonereg binary}")" && pwd)/$(basename "$PHONEREG")
work=${DEMO_DIR:-demo-recipes}
rm -rf "$work"
mkdir -p "$work"
work=$(cd "$work" && pwd)

# The emulator: one process for every recipe, users created on first use.
"$PHONEREG" sim --state-dir "$work/sim" --auto-users >"$work/sim.log" 2>&1 &
sim=$!
trap 'kill "$sim" 2>/dev/null' EXIT INT TERM
for _ in $(seq 100); do grep -qs SSL_CERT_FILE "$work/sim/sim.env" && break; sleep 0.1; done
grep -qs SSL_CERT_FILE "$work/sim/sim.env" || { echo "phonereg sim did not start: see $work/sim.log" >&2; exit 1; }
. "$work/sim/sim.env"

# inbox DIR DOMAIN DIGIT: the recipes' sample input as DIR/inbox/users.csv,
# its users in DOMAIN and its numbers 555-0DNN, so that each recipe's users
# are new to the emulator and their mobiles unique (SMS sign-in needs that).
inbox() {
    mkdir -p "$1/inbox"
    sed -e "s/@contoso\.com/@$2/" -e "s/555\([- ]\{0,1\}\)03/555\10$3/g" "$recipes/users.csv" >"$1/inbox/users.csv"
}

# for_sim: the arguments, one per line, with --auth's value replaced by auto
# and --certificate (a file the emulator has no use for) dropped.
for_sim() {
    want=
    for a in "$@"; do
        case $want in
        auth) echo auto; want=; continue ;;
        drop) want=; continue ;;
        esac
        case $a in
        --auth=*) echo --auth=auto ;;
        --auth) echo --auth; want=auth ;;
        --certificate=*) ;;
        --certificate) want=drop ;;
        *) echo "$a" ;;
        esac
    done
}

# summary FILE: what the last run's --summary-json says it did.
summary() {
    field() { sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p" "$2"; }
    line="   summary.json: $(field processed "$1") row(s) processed now, $(field skipped "$1") finished earlier"
    left=$(field left "$1")
    [ -z "$left" ] || line="$line, $left left for the next run (--limit)"
    gone=$(field foreignLines "$1")
    [ -z "$gone" ] || line="$line; $gone line(s) of rows not in tonight's export (people gone, numbers changed) dropped, kept in .bak"
    echo "$line"
}

# run_args LABEL ARGS...: runs phonereg with ARGS, printing the command and
# its exit code; the exit code is in $code.
run_args() {
    label=$1; shift
    echo "-- $label: phonereg $*"
    set +e
    "$PHONEREG" "$@" 2>>"$work/$label.log"
    code=$?
    set -e
    echo "   exit code $code"
}

kubernetes() {
    echo "== 1. Kubernetes CronJob (kubernetes/cronjob.yaml): the container's args, /data on the PersistentVolume"
    echo "   mapped to $work/k8s; --auth=workload-identity replaced by --auth=auto (sim.env's secret)"
    inbox "$work/k8s" k8s.contoso.com 4
    set --
    while IFS= read -r a; do
        set -- "$@" "$(printf '%s' "$a" | sed "s|=/data/|=$work/k8s/|")"
    done <<EOF
$(awk '/^[[:space:]]*args:[[:space:]]*$/ {on=1; next} on && /^[[:space:]]*- / {sub(/^[[:space:]]*- /, ""); print; next} on {exit}' "$recipes/kubernetes/cronjob.yaml")
EOF
    set -- $(for_sim "$@")
    run_args k8s "$@"
    echo "   the Job: 0 Complete; 1 retried once (backoffLimit), then Failed; 2 and 3 FailJob at once (podFailurePolicy)"
    summary "$work/k8s/summary.json"
    run_args k8s "$@"
    echo "   a retry, or tomorrow's Job, on the same PersistentVolume resumes: nothing left to send"
    summary "$work/k8s/summary.json"
}

systemd_unit() {
    echo
    echo "== 2. systemd service (systemd/phonereg.service): its ExecStart, /var/lib/phonereg mapped to $work/systemd;"
    echo "   --auth certificate --certificate \${CREDENTIALS_DIRECTORY}/phonereg.pem replaced by --auth auto"
    inbox "$work/systemd" systemd.contoso.com 5
    exec_start=$(awk '/^ExecStart=/ {sub(/^ExecStart=/, ""); l = $0; while (l ~ /\\$/) {sub(/\\$/, "", l); getline n; l = l n} print l; exit}' "$recipes/systemd/phonereg.service")
    set -- $exec_start
    shift # /usr/local/bin/phonereg
    set -- $(for_sim "$@" | sed "s|^/var/lib/phonereg/|$work/systemd/|")
    run_args systemd "$@"
    case $code in
    0 | 1) echo "   the unit: succeeded (SuccessExitStatus=1: rows that failed are in the result file and the journal)" ;;
    2 | 3) echo "   the unit: failed, not restarted (RestartPreventExitStatus=2 3): an admin must act" ;;
    *) echo "   the unit: failed; Restart=on-failure starts it again, and it resumes" ;;
    esac
    summary "$work/systemd/summary.json"
}

cron_line() {
    echo
    echo "== 3. cron (cron/phonereg.cron): the crontab line's command, with its variables PHONEREG=$PHONEREG,"
    echo "   PHONEREG_DIR=$work/cron and PHONEREG_ENV=sim.env (its --auth is the default, auto)"
    inbox "$work/cron" cron.contoso.com 6
    line=$(grep -E '^[0-9*]' "$recipes/cron/phonereg.cron" | head -n 1)
    cmd=$(printf '%s\n' "$line" | cut -d ' ' -f 7-)
    echo "-- cron: $cmd"
    bin=$PHONEREG
    mail=$(
        while IFS= read -r kv; do export "$kv"; done <<EOF
$(grep -E '^[A-Z_]+=' "$recipes/cron/phonereg.cron")
EOF
        export PHONEREG="$bin" PHONEREG_DIR="$work/cron" PHONEREG_ENV="$work/sim/sim.env" MAILTO=
        sh -c "$cmd"
    )
    if [ -n "$mail" ]; then echo "   cron mails: $mail"; else echo "   exit code 0: cron mails nothing"; fi
    summary "$work/cron/summary.json"
}

nightly() {
    echo
    echo "== 4. the HR nightly delta (nightly/hr-nightly.sh): one result file across nights, then phonereg report"
    n=$work/nightly
    mkdir -p "$n"
    night() {
        label=$1; shift
        echo "-- $label: hr-nightly.sh $(echo "$*" | sed "s|$recipes/|samples/recipes/|g")"
        set +e
        PHONEREG="$PHONEREG" PHONEREG_DIR="$n" sh "$recipes/nightly/hr-nightly.sh" "$@" >"$n/stdout"
        code=$?
        set -e
        sed 's/^/   | /' "$n/stdout"
        echo "   exit code $code"
        summary "$n/summary.json"
    }
    night "night 1, a canary first" "$recipes/nightly/hr-export.night1.csv" --limit 2
    night "night 1, the rest" "$recipes/nightly/hr-export.night1.csv"
    echo "   night 2: rows reordered, a new hire, one person gone, one mobile changed in HR"
    night "night 2" "$recipes/nightly/hr-export.night2.csv"
    echo "   the changed mobile is a conflict (--on-existing fail): an admin decides HR's number wins, and reruns"
    night "night 2, again" "$recipes/nightly/hr-export.night2.csv" --on-existing update
    echo "-- phonereg report $n/hr.results.csv"
    sed 's/^/   /' "$n/report.txt"
}

kubernetes
systemd_unit
cron_line
nightly
echo
echo "Every recipe ran against one emulator ($work/sim); logs and result files are in $work."
