package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// reportTenant is an emulator that knows two users (one already has a
// mobile) and creates no others: a third user is not found (404, retryable).
func reportTenant(t *testing.T) *simTenant {
	t.Helper()
	return simEnv(t, graphsim.Options{Users: []graphsim.User{
		{UserPrincipalName: "new@contoso.com"},
		{UserPrincipalName: "taken@contoso.com", Phones: map[string]string{graphsim.TypeMobile: "+1 2065550190"}},
	}})
}

// reportRunInput adds a mobile, conflicts with one, and names a user the
// tenant does not have yet.
const reportRunInput = "userPrincipalName,mobile\n" +
	"new@contoso.com,+1 206 555 0100\n" +
	"taken@contoso.com,+1 206 555 0101\n" +
	"ghost@contoso.com,+1 206 555 0102\n"

// summaryFile is what the tests read of --summary-json.
type summaryFile struct {
	Command       string `json:"command"`
	ExitCode      int    `json:"exitCode"`
	Input         string `json:"input"`
	StartedAt     string `json:"startedAt"`
	FinishedAt    string `json:"finishedAt"`
	RetryableRows int    `json:"retryableRows"`
	Rows          int    `json:"rows"`
	Requests      int    `json:"requests"`
}

// readSummary reads --summary-json at path and checks its times.
func readSummary(t *testing.T, path string) summaryFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc summaryFile
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	start, err1 := time.Parse(time.RFC3339, doc.StartedAt)
	end, err2 := time.Parse(time.RFC3339, doc.FinishedAt)
	if err1 != nil || err2 != nil || end.Before(start) || time.Since(start) > time.Minute {
		t.Errorf("got startedAt %q, finishedAt %q; want RFC 3339 times, in order, of just now", doc.StartedAt, doc.FinishedAt)
	}
	return doc
}

// TestSummaryJSON: run, export and undo write the exit code they end with,
// when they started and finished, their input ("-" for standard input) and
// the rows a rerun retries.
func TestSummaryJSON(t *testing.T) {
	st := reportTenant(t)
	dir := t.TempDir()
	ctx := context.Background()
	in := writeFile(t, dir, "in.csv", reportRunInput)
	sj := filepath.Join(dir, "run.json")
	code, _, stderr := st.cli(t, ctx, "run", "--auth", "secret", "--in", in, "--summary-json", sj, "--progress", "none")
	if code != 1 || !strings.Contains(stderr, "retryable: 1 row; the same command again retries it") {
		t.Fatalf("run: got exit %d; want 1 and the retryable row in the summary\n%s", code, stderr)
	}
	if doc := readSummary(t, sj); doc.Command != "run" || doc.ExitCode != 1 || doc.Input != in || doc.RetryableRows != 1 || doc.Rows != 3 || doc.Requests == 0 {
		t.Errorf("run: got %+v; want exit code 1, input %s, 1 retryable row of 3", doc, in)
	}

	var out, errb bytes.Buffer
	sj = filepath.Join(dir, "export.json")
	err := execute(ctx, []string{"export", "--auth", "secret", "--in", "-", "--out", filepath.Join(dir, "snap.csv"), "--summary-json", sj, "--progress", "none"}, deps{
		stdin: strings.NewReader("userPrincipalName\nnew@contoso.com\ntaken@contoso.com\n"), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return st.env[k] }, rootCAs: st.srv.CertPool(),
	})
	if code := exitCode(err); code != 0 {
		t.Fatalf("export: got exit %d\n%s", code, errb.String())
	}
	if doc := readSummary(t, sj); doc.Command != "export" || doc.ExitCode != 0 || doc.Input != "-" || doc.RetryableRows != 0 || doc.Rows != 2 {
		t.Errorf("export: got %+v; want exit code 0, input -, 2 rows", doc)
	}

	sj = filepath.Join(dir, "undo.json")
	code, _, stderr = st.cli(t, ctx, "undo", "--auth", "secret", "--in", in, "--results", filepath.Join(dir, "in.results.csv"), "--summary-json", sj, "--progress", "none")
	if doc := readSummary(t, sj); doc.Command != "undo" || doc.ExitCode != code || doc.Input != in || doc.Rows != 3 {
		t.Errorf("undo: got %+v; want exit code %d (the command's), input %s, 3 rows\n%s", doc, code, in, stderr)
	}
}

// TestReportUndoResultFile: report reads undo's result file as it reads
// run's: its outcomes, and the undo command that retries its rows.
func TestReportUndoResultFile(t *testing.T) {
	st := reportTenant(t)
	dir := t.TempDir()
	ctx := context.Background()
	in := writeFile(t, dir, "in.csv", reportRunInput)
	if code, _, stderr := st.cli(t, ctx, "run", "--auth", "secret", "--in", in, "--progress", "none"); code != 1 {
		t.Fatalf("run: got exit %d\n%s", code, stderr)
	}
	results := filepath.Join(dir, "in.results.csv")
	st.cli(t, ctx, "undo", "--auth", "secret", "--in", in, "--results", results, "--progress", "none")
	undoFile := filepath.Join(dir, "in.results.undo.csv")
	code, text, stderr := cli(t, ctx, "report", undoFile)
	if code != 0 {
		t.Fatalf("report: got exit %d\n%s", code, stderr)
	}
	for _, h := range []string{"(undo's result file)", "rows:      3", "mobile:    removed 1"} {
		if !strings.Contains(text, h) {
			t.Errorf("report lacks %q:\n%s", h, text)
		}
	}
	code, js, _ := cli(t, ctx, "report", undoFile, "--format", "json")
	var doc struct {
		Kind         string                    `json:"kind"`
		Outcomes     map[string]map[string]int `json:"outcomes"`
		RetryCommand string                    `json:"retryCommand"`
	}
	if code != 0 || json.Unmarshal([]byte(js), &doc) != nil || doc.Kind != "undo" || doc.Outcomes["mobile"]["removed"] != 1 ||
		!strings.HasPrefix(doc.RetryCommand, "phonereg undo --in INPUT --results RUN_RESULTS --out ") {
		t.Errorf("report --format json: exit %d, got %+v\n%s", code, doc, js)
	}
}

// TestReportCommand: the formats through the command line, --out written
// 0600 whatever the file was, and the mistakes that are usage errors.
func TestReportCommand(t *testing.T) {
	st := reportTenant(t)
	dir := t.TempDir()
	ctx := context.Background()
	in := writeFile(t, dir, "in.csv", reportRunInput)
	if code, _, stderr := st.cli(t, ctx, "run", "--auth", "secret", "--in", in, "--progress", "none"); code != 1 {
		t.Fatalf("run: got exit %d\n%s", code, stderr)
	}
	results := filepath.Join(dir, "in.results.csv")
	page := writeFile(t, dir, "change.html", "old") // 0644
	if code, stdout, stderr := cli(t, ctx, "report", results, "--format", "html", "--out", page); code != 0 || stdout != "" {
		t.Fatalf("report --out: got exit %d, stdout %q\n%s", code, stdout, stderr)
	}
	fi, err := os.Stat(page)
	b, _ := os.ReadFile(page)
	if err != nil || fi.Mode().Perm() != 0o600 || !strings.Contains(string(b), "<svg") {
		t.Errorf("--out: got mode %v (%v), %.80q; want 0600 and the page", fi.Mode(), err, b)
	}
	code, csvOut, _ := cli(t, ctx, "report", results, "--format", "csv")
	if code != 0 || csvOut != "row,user,step,outcome,error,requestId\n2,taken@contoso.com,mobile,conflict,\"mobile: the user already has +1 ******0190, not +1 ******0101; rerun with --on-existing update to replace it or skip to keep it\",\n" {
		t.Errorf("--format csv: got exit %d\n%s", code, csvOut)
	}
	if code, md, _ := cli(t, ctx, "report", results, "--format", "markdown", "--top", "0"); code != 0 || !strings.Contains(md, "## Rows to retry") {
		t.Errorf("--format markdown: got exit %d\n%s", code, md)
	}
	snap := filepath.Join(dir, "snap.csv")
	if code, _, stderr := st.cli(t, ctx, "export", "--auth", "secret", "--in", in, "--out", snap, "--progress", "none"); code != 1 {
		t.Fatalf("export: got exit %d\n%s", code, stderr)
	}
	for _, tc := range []struct {
		name string
		args []string
		has  string
	}{
		{"unknown format", []string{results, "--format", "pdf"}, "--format"},
		{"negative top", []string{results, "--top", "-1"}, "--top"},
		{"--json and another format", []string{results, "--json", "--format", "csv"}, "choose one"},
		{"--out the result file", []string{results, "--out", results}, "the same file"},
		{"a snapshot", []string{snap}, "export snapshot"},
		{"a folder", []string{dir}, "folder"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := cli(t, ctx, append([]string{"report"}, tc.args...)...)
			if code != 2 || !strings.Contains(stderr, tc.has) {
				t.Errorf("got exit %d, %q; want 2 and %q", code, stderr, tc.has)
			}
		})
	}
	if b, _ := os.ReadFile(results); !strings.HasPrefix(string(b), "row,user,status") {
		t.Errorf("the result file changed: %.80q", b)
	}
}
