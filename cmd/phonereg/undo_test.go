package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/phonereg/phonereg/graphclient/graphsim"
	"github.com/phonereg/phonereg/pipeline"
)

// undoInput is the run's input of the undo command tests: a number to
// replace, phones to add, and a mobile that becomes the default method.
const undoInput = "userPrincipalName,mobile,office\n" +
	"upd@contoso.com,+1 206 555 0100,\n" +
	"new@contoso.com,+1 206 555 0101,+1 425 555 0101\n" +
	"default@contoso.com,+1 206 555 0102,\n"

// undoRows reads a result file into its rows by number.
func undoRows(t *testing.T, path string) map[int]pipeline.Result {
	t.Helper()
	rows := map[int]pipeline.Result{}
	for _, r := range readResultFile(t, path) {
		rows[r.Row] = r
	}
	return rows
}

// TestUndoCommandAgainstEmulator: `phonereg run --on-existing update` then
// `phonereg undo`, a dry run first, against one emulator through the
// environment and --auth secret: the dry run writes nothing, the undo puts
// every user back as before the run, with its own result file beside the
// run's and its summary.
func TestUndoCommandAgainstEmulator(t *testing.T) {
	st := simEnv(t, graphsim.Options{AutoCreateUsers: true, Users: []graphsim.User{
		{UserPrincipalName: "upd@contoso.com", Phones: map[string]string{graphsim.TypeMobile: "+1 2065550190"}},
	}})
	users := []string{"upd@contoso.com", "new@contoso.com", "default@contoso.com"}
	before := map[string][]graphsim.PhoneMethod{}
	for _, u := range users {
		before[u], _ = st.srv.Methods(u)
	}
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", undoInput)
	ctx := context.Background()
	if code, _, stderr := st.cli(t, ctx, "run", "--auth", "secret", "--in", in, "--on-existing", "update", "--progress", "none"); code != 0 {
		t.Fatalf("run: got exit %d\n%s", code, stderr)
	}
	results := filepath.Join(dir, "in.results.csv")
	writes := st.srv.Writes()
	plan := filepath.Join(dir, "plan.csv")
	code, _, stderr := st.cli(t, ctx, "undo", "--auth", "secret", "--in", in, "--results", results, "--dry-run", "--out", plan, "--progress", "none", "--log-format", "console")
	if code != 0 || !strings.Contains(stderr, "phonereg undo --dry-run") || st.srv.Writes() != writes {
		t.Fatalf("undo --dry-run: got exit %d, %d writes\n%s", code, st.srv.Writes()-writes, stderr)
	}
	if rows := undoRows(t, plan); rows[1].Phones.Mobile != pipeline.OutcomeWouldRestore || rows[2].Phones.Office != pipeline.OutcomeWouldRemove {
		t.Errorf("dry run: got %+v; want would-restore and would-remove", rows)
	}

	sj := filepath.Join(dir, "undo.json")
	code, _, stderr = st.cli(t, ctx, "undo", "--auth", "secret", "--in", in, "--results", results, "--summary-json", sj, "--progress", "none", "--log-format", "console")
	if code != 0 || !strings.Contains(stderr, "phonereg undo\n") || !strings.Contains(stderr, "restored 1") {
		t.Fatalf("undo: got exit %d\n%s", code, stderr)
	}
	rows := undoRows(t, filepath.Join(dir, "in.results.undo.csv"))
	if len(rows) != 3 || rows[2].Phones.Mobile != pipeline.OutcomeRemoved || rows[2].Phones.Office != pipeline.OutcomeRemoved {
		t.Errorf("undo's result file: got %+v; want 3 rows, new@'s phones removed", rows)
	}
	for _, u := range users {
		if ms, _ := st.srv.Methods(u); !slices.Equal(ms, before[u]) {
			t.Errorf("%s after undo: got %+v; want as before the run %+v", u, ms, before[u])
		}
	}
	var doc map[string]any
	b, err := os.ReadFile(sj)
	if err != nil || json.Unmarshal(b, &doc) != nil || doc["command"] != "undo" || doc["rows"] != float64(3) {
		t.Errorf("summary JSON: got %s, %v; want command undo, 3 rows", b, err)
	}
	if b, err := os.ReadFile(results); err != nil || !strings.Contains(string(b), "updated") {
		t.Errorf("the run's result file: got %q, %v; want it as the run left it", b, err)
	}
}

// TestUndoCommandWithSim: `phonereg undo --sim` end to end through run, the
// emulator seeded as the run left the users (--sim-users): a replaced number
// is restored, added phones removed, a default method not-removable (exit 1)
// with an error that says what to do.
func TestUndoCommandWithSim(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", undoInput)
	beforeRun := writeFile(t, dir, "before.csv", "userPrincipalName,mobile,defaultMethod\nupd@contoso.com,+1 2065550190,\ndefault@contoso.com,,mobile\n")
	ctx := context.Background()
	if code, _, stderr := cli(t, ctx, "run", "--sim", "--sim-users", beforeRun, "--in", in, "--on-existing", "update", "--progress", "none"); code != 0 {
		t.Fatalf("run --sim: got exit %d\n%s", code, stderr)
	}
	afterRun := writeFile(t, dir, "after.csv", "userPrincipalName,mobile,office,defaultMethod\n"+
		"upd@contoso.com,+1 2065550100,,\nnew@contoso.com,+1 2065550101,+1 4255550101,\ndefault@contoso.com,+1 2065550102,,mobile\n")
	results := filepath.Join(dir, "in.results.csv")
	code, _, stderr := cli(t, ctx, "undo", "--sim", "--sim-users", afterRun, "--in", in, "--results", results, "--progress", "none", "--log-format", "json")
	if code != exitRowsFailed {
		t.Fatalf("undo --sim: got exit %d; want %d (a row not removable)\n%s", code, exitRowsFailed, stderr)
	}
	rows := undoRows(t, filepath.Join(dir, "in.results.undo.csv"))
	want := map[int]pipeline.Phones[pipeline.Outcome]{
		1: {Mobile: pipeline.OutcomeRestored},
		2: {Mobile: pipeline.OutcomeRemoved, Office: pipeline.OutcomeRemoved},
		3: {Mobile: pipeline.OutcomeNotRemovable},
	}
	for n, w := range want {
		if rows[n].Phones != w {
			t.Errorf("row %d: got %+v; want %+v", n, rows[n], w)
		}
	}
	if r := rows[3]; r.Status != pipeline.StatusPartial || r.Retryable || !strings.Contains(r.Error, "change the user's default sign-in method") {
		t.Errorf("row 3: got %s retryable=%v %q; want partial, not retryable, saying what to do", r.Status, r.Retryable, r.Error)
	}
	if strings.Contains(stderr, "2065550102") {
		t.Errorf("a phone number is logged unmasked:\n%s", stderr)
	}
}

// TestUndoFlagsCheckedUpFront: every bad flag value of undo is a usage error
// (exit 2) found before the first request and before any file is written;
// the run's result file is left as it was.
func TestUndoFlagsCheckedUpFront(t *testing.T) {
	dir := t.TempDir()
	const input = "userPrincipalName,mobile\na@contoso.com,+1 206 555 0100\n"
	in := writeFile(t, dir, "in.csv", input)
	results := writeFile(t, dir, "in.results.csv", strings.Join(pipeline.Columns, ",")+"\n")
	notResults := writeFile(t, dir, "notes.csv", "hello,world\n")
	out, summary := filepath.Join(dir, "out.csv"), filepath.Join(dir, "summary.json")
	var tests []badRunFlag
	for _, tc := range badRunFlags(dir, in, writeFile(t, dir, "secret.txt", "not-the-secret\n")) {
		if tc.has != "--on-existing" { // a flag of run's only
			tests = append(tests, tc)
		}
	}
	tests = append(tests,
		badRunFlag{"--results that does not exist", []string{"--results", filepath.Join(dir, "nope.csv")}, "--results"},
		badRunFlag{"--results is a folder", []string{"--results", dir}, "--results"},
		badRunFlag{"--results is not a result file", []string{"--results", notResults}, "not a phonereg result file"},
		badRunFlag{"--results is standard input", []string{"--results", "-"}, "--results"},
		badRunFlag{"--out is --results", []string{"--out", results}, "--out"},
		badRunFlag{"--out is --in", []string{"--out", in}, "--out"},
		badRunFlag{"--summary-json is --results", []string{"--summary-json", results}, "--summary-json"},
		badRunFlag{"--on-existing is run's", []string{"--on-existing", "update"}, "unknown flag"},
	)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Cleanup(func() { os.Remove(out); os.Remove(summary) })
			st := simEnv(t, graphsim.Options{AutoCreateUsers: true})
			args := append([]string{"undo", "--auth", "secret", "--in", in, "--results", results, "--out", out, "--rate", "0", "--progress", "none"}, tc.flags...)
			code, _, stderr := st.cli(t, context.Background(), args...)
			if code != exitUsage || !strings.Contains(stderr, tc.has) {
				t.Errorf("got exit %d, stderr %q; want %d naming %s", code, stderr, exitUsage, tc.has)
			}
			if n := len(st.srv.Requests()); n != 0 {
				t.Errorf("got %d requests; want none", n)
			}
			for _, p := range []string{out, summary, filepath.Join(dir, "in.results.undo.csv")} {
				if _, err := os.Stat(p); !os.IsNotExist(err) {
					t.Errorf("got %s (%v); want nothing written", p, err)
				}
			}
			if b, err := os.ReadFile(results); err != nil || string(b) != strings.Join(pipeline.Columns, ",")+"\n" {
				t.Errorf("the run's result file: got %q, %v; want it unchanged", b, err)
			}
		})
	}
}

// TestUndoHelpAndRequiredFlags: undo --help explains it with examples;
// --in and --results are required (exit 2).
func TestUndoHelpAndRequiredFlags(t *testing.T) {
	code, out, _ := cli(t, context.Background(), "undo", "--help")
	for _, want := range []string{"Usage:", "Examples:", "phonereg undo --in users.csv --results users.results.csv --dry-run", "--retry-failed", "--sim-users"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("undo --help: got exit %d; want it to show %q:\n%s", code, want, out)
		}
	}
	tests := []struct {
		args []string
		has  string
	}{
		{[]string{"undo", "--sim"}, "required flags --in, --results not set"},
		{[]string{"undo", "--sim", "--in", "x.csv"}, "required flag --results not set"},
		{[]string{"undo", "--sim", "--results", "x.results.csv"}, "required flag --in not set"},
		{[]string{"undo", "--sim", "--in", "x.csv", "--results", "r.csv", "extra"}, "unknown command"},
	}
	for _, tc := range tests {
		code, _, stderr := cli(t, context.Background(), tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.has) {
			t.Errorf("%v: got exit %d, stderr %q; want %d naming %s", tc.args, code, stderr, exitUsage, tc.has)
		}
	}
}

// TestUndoDefaultOut: the undo's result file is the run's with .csv
// replaced by .undo.csv.
func TestUndoDefaultOut(t *testing.T) {
	for in, want := range map[string]string{
		"users.results.csv":        "users.results.undo.csv",
		"dir/users.results.CSV":    "dir/users.results.undo.csv",
		"users.results":            "users.results.undo.csv",
		"/tmp/a.b/nightly.out.tsv": "/tmp/a.b/nightly.out.tsv.undo.csv",
	} {
		if got := defaultUndoOut(in); got != want {
			t.Errorf("defaultUndoOut(%q) = %q; want %q", in, got, want)
		}
	}
}
