package pipeline

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSummaryGolden pins the summary a person reads (issue 12): each scope
// labelled (the result file; this run), plurals right, and for an
// interrupted run what is left and the command that resumes.
// go test -run TestSummaryGolden -update rewrites the golden files.
func TestSummaryGolden(t *testing.T) {
	tests := map[string]*Summary{
		"finished": {Command: "run", ResultFile: "users.results.csv", Rows: 2000,
			ByStatus:  map[Status]int{StatusSucceeded: 1990, StatusFailed: 9, StatusInvalid: 1},
			Processed: 280, Skipped: 1720, RetryableRows: 1,
			Outcomes:     Outcomes{"mobile": {"added": 270, "exists": 10}, "smsSignIn": {"enabled": 270, "already-enabled": 10}},
			ForeignLines: 1, Backup: "users.results.csv.bak", Elapsed: 2*time.Minute + 3*time.Second},
		"interrupted": {Command: "run", ResultFile: "users.results.csv", Rows: 101,
			ByStatus: map[Status]int{StatusSucceeded: 100, StatusPartial: 1}, Processed: 101,
			Outcomes:     Outcomes{"mobile": {"added": 101}, "smsSignIn": {"enabled": 100, "not-allowed-by-policy": 1}},
			DroppedLines: 1, Interrupted: true, InputRows: 300, ResumeCommand: "phonereg run --in users.csv",
			Elapsed: 41 * time.Second},
		"export": {Command: "export", ResultFile: "users.snapshot.csv", Rows: 1, ByStatus: map[Status]int{StatusSucceeded: 1},
			Processed: 1, Outcomes: Outcomes{"mobile": {"found": 1}}, Elapsed: time.Second},
		"dry-run": {Command: "run", DryRun: true, ResultFile: "users.plan.csv", Rows: 2,
			ByStatus: map[Status]int{StatusPlanned: 1, StatusFailed: 1}, Processed: 2,
			Outcomes: Outcomes{"mobile": {"would-add": 1, "conflict": 1}}, Elapsed: time.Second},
	}
	for name, sum := range tests {
		t.Run(name, func(t *testing.T) {
			golden := filepath.Join("testdata", "summary", name+".golden")
			got := sum.String()
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test -run TestSummaryGolden -update writes it)", err)
			}
			if got != string(want) {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// One of a thing reads as one (issue 12 quoted "1 rows a rerun…" from the
// report): the report's counts take the noun's number.
func TestReportTextPlurals(t *testing.T) {
	r := &Report{Rows: 1, ByStatus: map[Status]int{StatusFailed: 1}, Retryable: 1, NeedAdmin: 1, Torn: 1}
	got := r.String()
	for _, want := range []string{"retryable: 1 row a rerun", "admin:     1 row failed", "torn:      1 line that"} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "1 rows") || strings.Contains(got, "1 lines") {
		t.Errorf("report has a singular count with a plural noun:\n%s", got)
	}
}
