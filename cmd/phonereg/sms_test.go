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

	"github.com/phonereg/phonereg/graphclient"
	"github.com/phonereg/phonereg/graphclient/graphsim"
	"github.com/phonereg/phonereg/pipeline"
)

// cliAt is st.cli with the clock of run and undo at now.
func (st *simTenant) cliAt(t *testing.T, ctx context.Context, now time.Time, args ...string) (code int, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	err := execute(ctx, args, deps{
		stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return st.env[k] }, rootCAs: st.srv.CertPool(),
		now: func() time.Time { return now },
	})
	return exitCode(err), errb.String()
}

// logRecords are the JSON log records on stderr whose msg contains has.
func logRecords(t *testing.T, stderr, has string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for _, line := range strings.Split(stderr, "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) != nil {
			continue
		}
		if msg, _ := rec["msg"].(string); strings.Contains(msg, has) {
			recs = append(recs, rec)
		}
	}
	return recs
}

// TestRunSmsRetirementNotice: with SMS sign-in on in the global cloud, run
// says once, as one warning, that Microsoft retires SMS sign-in on 1
// February 2027, and from that day on that it retired it and Graph's
// answer is not documented (the clock handed in); not with
// --sms-sign-in=false, and not in the national clouds, where China says
// instead that the step is off. The rows are done either way.
func TestRunSmsRetirementNotice(t *testing.T) {
	before := time.Date(2026, time.November, 2, 3, 0, 0, 0, time.UTC)
	after := time.Date(2027, time.February, 1, 0, 0, 1, 0, time.UTC)
	tests := []struct {
		name      string
		now       time.Time
		args      []string
		level     string // of the one record; "" for none
		want, not string
	}{
		{"global, before", before, nil, "warn", "retires SMS sign-in", "retired"},
		{"global, dry run", before, []string{"--dry-run"}, "warn", "retires SMS sign-in", "retired"},
		{"global, after", after, nil, "warn", "retired SMS sign-in", "retires"},
		{"global, SMS sign-in off", before, []string{"--sms-sign-in=false"}, "", "", ""},
		{"global, after, SMS sign-in off", after, []string{"--sms-sign-in=false"}, "", "", ""},
		{"usgov", after, []string{"--cloud", "usgov"}, "", "", ""},
		{"usgovdod", before, []string{"--cloud", "usgovdod"}, "", "", ""},
		{"china", after, []string{"--cloud", "china"}, "info", "not available in the china cloud", "retire"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := simEnv(t, graphsim.Options{AutoCreateUsers: true})
			dir := t.TempDir()
			in := writeFile(t, dir, "in.csv", "userPrincipalName,mobile\na@contoso.com,+1 206 555 0100\n")
			args := append([]string{"run", "--auth", "secret", "--in", in, "--out", filepath.Join(dir, "out.csv"), "--log-format", "json"}, tc.args...)
			code, stderr := st.cliAt(t, context.Background(), tc.now, args...)
			if code != 0 {
				t.Fatalf("got exit %d; want 0\n%s", code, stderr)
			}
			recs := logRecords(t, stderr, "SMS sign-in")
			if tc.level == "" {
				if len(recs) != 0 {
					t.Fatalf("got SMS sign-in notices %v; want none", recs)
				}
				return
			}
			if len(recs) != 1 {
				t.Fatalf("got %d SMS sign-in notices; want one record\n%s", len(recs), stderr)
			}
			msg, _ := recs[0]["msg"].(string)
			if recs[0]["level"] != tc.level || !strings.Contains(msg, tc.want) || strings.Contains(msg, tc.not) {
				t.Errorf("got %s %q; want %s, with %q and without %q", recs[0]["level"], msg, tc.level, tc.want, tc.not)
			}
			if tc.level == "warn" && !strings.Contains(msg, "--sms-sign-in=false") {
				t.Errorf("got %q; want the way out, --sms-sign-in=false, named", msg)
			}
		})
	}
}

// TestRunSmsNoticeOnATerminal: in the console format the notice is one
// line, its words first, after the level.
func TestRunSmsNoticeOnATerminal(t *testing.T) {
	st := simEnv(t, graphsim.Options{AutoCreateUsers: true})
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", "userPrincipalName,mobile\na@contoso.com,+1 206 555 0100\n")
	code, stderr := st.cliAt(t, context.Background(), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		"run", "--auth", "secret", "--in", in, "--log-format", "console", "--progress", "none")
	if code != 0 {
		t.Fatalf("got exit %d\n%s", code, stderr)
	}
	var lines []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, "SMS sign-in") && strings.Contains(l, "1 February 2027") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 || !strings.Contains(lines[0], "WARN\tSMS sign-in: Microsoft retires") {
		t.Errorf("got notice lines %q; want one WARN line that opens with its words", lines)
	}
}

// TestRunChina: --cloud china, against graphsim through the endpoint
// overrides: no enableSmsSignIn is sent, the rows succeed with
// unavailable-in-cloud (or disabled-by-flag with --sms-sign-in=false), and
// the phones are added. An explicit --sms-sign-in=true is a usage error
// (exit 2) that says why, before anything is sent or written.
func TestRunChina(t *testing.T) {
	const input = "userPrincipalName,mobile,office\na@contoso.com,+1 206 555 0100,+1 425 555 0100\nb@contoso.com,+1 206 555 0101,\n"
	tests := []struct {
		name string
		args []string
		code int
		sms  pipeline.SmsOutcome
	}{
		{"default", nil, 0, pipeline.SmsUnavailableInCloud},
		{"--sms-sign-in=false", []string{"--sms-sign-in=false"}, 0, pipeline.SmsDisabledByFlag},
		{"--sms-sign-in=true", []string{"--sms-sign-in=true"}, 2, ""},
		{"--sms-sign-in", []string{"--sms-sign-in"}, 2, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := simEnv(t, graphsim.Options{AutoCreateUsers: true, Users: []graphsim.User{{UserPrincipalName: "a@contoso.com", NoAutoRegister: true}}})
			dir := t.TempDir()
			in, out := writeFile(t, dir, "in.csv", input), filepath.Join(dir, "out.csv")
			code, _, stderr := st.cli(t, context.Background(), append([]string{"run", "--auth", "secret", "--cloud", "china", "--in", in, "--out", out}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("got exit %d; want %d\n%s", code, tc.code, stderr)
			}
			if n := st.srv.Count(graphsim.RouteEnableSms, -1); n != 0 {
				t.Errorf("graphsim got %d enableSmsSignIn requests; want none", n)
			}
			if tc.code == 2 {
				if !strings.Contains(stderr, "enableSmsSignIn") || !strings.Contains(stderr, "--cloud china") {
					t.Errorf("stderr does not say why:\n%s", stderr)
				}
				if _, err := os.Stat(out); !os.IsNotExist(err) || st.srv.Writes() != 0 {
					t.Errorf("a usage error wrote: result file %v, %d writes to Graph", err, st.srv.Writes())
				}
				return
			}
			rows := readResultFile(t, out)
			for _, r := range rows {
				if r.Status != pipeline.StatusSucceeded || r.SmsSignIn != tc.sms || r.Phones.Mobile != pipeline.OutcomeAdded || r.Error != "" {
					t.Errorf("row %d: got %s mobile=%s sms=%q error=%q; want succeeded, added, %s", r.Row, r.Status, r.Phones.Mobile, r.SmsSignIn, r.Error, tc.sms)
				}
			}
			if len(rows) != 2 {
				t.Errorf("got %d rows; want 2", len(rows))
			}
			if ms, _ := st.srv.Methods("a@contoso.com"); len(ms) != 2 {
				t.Errorf("graphsim holds %+v for a; want the mobile and the office", ms)
			}
		})
	}
}

// TestUndoChina: undo in China sends no disableSmsSignIn: where the run
// enabled SMS sign-in on a mobile that stays, the row is partial
// (unavailable-in-cloud, with a note) and undo exits 1; undo in the global
// cloud, with --retry-failed, then disables it.
func TestUndoChina(t *testing.T) {
	st := simEnv(t, graphsim.Options{Users: []graphsim.User{
		{UserPrincipalName: "a@contoso.com", NoAutoRegister: true, Phones: map[string]string{"mobile": "+1 2065550100"}},
	}})
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", "userPrincipalName,mobile\na@contoso.com,+1 206 555 0100\n")
	results, undoOut := filepath.Join(dir, "in.results.csv"), filepath.Join(dir, "in.results.undo.csv")
	if code, _, stderr := st.cli(t, context.Background(), "run", "--auth", "secret", "--in", in); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	if r := readResultFile(t, results); len(r) != 1 || r[0].Phones.Mobile != pipeline.OutcomeExists || r[0].SmsSignIn != pipeline.SmsEnabled {
		t.Fatalf("run: got %+v; want the mobile exists, SMS sign-in enabled", r)
	}

	code, _, stderr := st.cli(t, context.Background(), "undo", "--auth", "secret", "--cloud", "china", "--in", in, "--results", results, "--log-format", "json")
	if code != 1 {
		t.Fatalf("undo in china: exit %d; want 1\n%s", code, stderr)
	}
	if n := st.srv.Count(graphsim.RouteDisableSms, -1); n != 0 {
		t.Errorf("graphsim got %d disableSmsSignIn requests; want none", n)
	}
	if recs := logRecords(t, stderr, "not available in the china cloud"); len(recs) != 1 {
		t.Errorf("got %d notes that the step is not available; want one\n%s", len(recs), stderr)
	}
	r := readResultFile(t, undoOut)
	if len(r) != 1 || r[0].Status != pipeline.StatusPartial || r[0].SmsSignIn != pipeline.SmsUnavailableInCloud || !strings.Contains(r[0].Error, "disableSmsSignIn is not available") {
		t.Fatalf("undo in china: got %+v; want partial, unavailable-in-cloud, with a note", r)
	}

	if code, _, stderr := st.cli(t, context.Background(), "undo", "--auth", "secret", "--in", in, "--results", results, "--retry-failed"); code != 0 {
		t.Fatalf("undo in global: exit %d\n%s", code, stderr)
	}
	if r := readResultFile(t, undoOut); len(r) != 1 || r[0].SmsSignIn != pipeline.SmsDisabled {
		t.Errorf("undo in global: got %+v; want sms-disabled", r)
	}
}

// TestPhoneRoleOnly: with UserAuthMethod-Phone.ReadWrite.All alone (the
// least privileged grant), run does every step, SMS sign-in included, with
// no warning. Under the older pages' rule (graphsim's legacy knob) the SMS
// step is refused: the row is partial, its error cell and log name the
// permission.
func TestPhoneRoleOnly(t *testing.T) {
	for _, legacy := range []bool{false, true} {
		name := map[bool]string{false: "current pages", true: "older pages' rule"}[legacy]
		t.Run(name, func(t *testing.T) {
			st := simEnv(t, graphsim.Options{Roles: []string{graphsim.RolePhoneReadWriteAll}, Knobs: graphsim.Knobs{PhoneRoleLegacy: legacy},
				Users: []graphsim.User{{UserPrincipalName: "a@contoso.com", NoAutoRegister: true}}})
			dir := t.TempDir()
			in, out := writeFile(t, dir, "in.csv", "userPrincipalName,mobile,office\na@contoso.com,+1 206 555 0100,+1 425 555 0100\n"), filepath.Join(dir, "out.csv")
			code, _, stderr := st.cli(t, context.Background(), "run", "--auth", "secret", "--in", in, "--out", out, "--log-format", "json")
			r := readResultFile(t, out)
			if len(r) != 1 || r[0].Phones.Mobile != pipeline.OutcomeAdded || r[0].Phones.Office != pipeline.OutcomeAdded {
				t.Fatalf("got %+v; want the phones added", r)
			}
			if n := len(logRecords(t, stderr, "documented only")); n != 0 {
				t.Errorf("got %d warnings about the phone role; want none\n%s", n, stderr)
			}
			if !legacy {
				if code != 0 || r[0].Status != pipeline.StatusSucceeded || r[0].SmsSignIn != pipeline.SmsEnabled {
					t.Errorf("got exit %d, %+v; want 0, succeeded, enabled\n%s", code, r[0], stderr)
				}
				return
			}
			if code != 1 || r[0].Status != pipeline.StatusPartial || r[0].SmsSignIn != pipeline.SmsFailed || r[0].Retryable {
				t.Errorf("got exit %d, %+v; want 1, partial, failed, not retryable", code, r[0])
			}
			for what, text := range map[string]string{"error cell": r[0].Error, "log": stderr} {
				if !strings.Contains(text, "403") || !strings.Contains(text, graphclient.PermReadWriteAll) || !strings.Contains(text, graphclient.PermPhoneReadWriteAll) {
					t.Errorf("%s: got %q; want the 403 and the permission it needs named", what, text)
				}
			}
		})
	}
}
