package pipeline

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/phonereg/phonereg/graphclient"
	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// export runs input through Export into the env's snapshot with cfg changed
// by mod, and returns the summary, the error and the snapshot's records
// (header first).
func (e *env) export(t *testing.T, ctx context.Context, input string, mod func(*Config)) (*Summary, error, [][]string) {
	t.Helper()
	cfg := Config{Input: strings.NewReader(input), Out: e.snapshotPath(), Workers: 4}
	if mod != nil {
		mod(&cfg)
	}
	sum, err := Export(ctx, e.client, cfg)
	return sum, err, readSnapshot(t, cfg.Out)
}

func (e *env) snapshotPath() string { return filepath.Join(e.dir, "users.snapshot.csv") }

// readSnapshot reads a snapshot with encoding/csv, as a spreadsheet or
// script would; nil when there is none.
func readSnapshot(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	must(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("snapshot: %v", err)
	}
	return recs
}

// snapshotHeader is the header of a snapshot of an input with a
// userPrincipalName column.
const snapshotHeader = "userPrincipalName,mobile,alternateMobile,office,smsSignInState,status,error,retryable,requestId,finishedAt"

// exportSeeds are users with every kind of phone and SMS sign-in state.
func exportSeeds() []graphsim.User {
	return []graphsim.User{
		{UserPrincipalName: "ada@contoso.com", Phones: map[string]string{graphsim.TypeMobile: "+1 2065550100", graphsim.TypeAlternateMobile: "+1 2065550101", graphsim.TypeOffice: "+1 4255550102x123"}},
		{UserPrincipalName: "bob@contoso.com", Phones: map[string]string{graphsim.TypeMobile: "+44 7400123456"}, NoAutoRegister: true},
		{UserPrincipalName: "cy@contoso.com", Phones: map[string]string{graphsim.TypeOffice: "+33 123456789"}},
		{UserPrincipalName: "nosms@contoso.com", Phones: map[string]string{graphsim.TypeMobile: "+1 2065550199"}, SmsSignInDisallowed: true},
		{UserPrincipalName: "dee@contoso.com"},
	}
}

// TestExportSnapshot: every input row has its line, in input order: each
// user's numbers in Graph's form (with the ' that keeps a spreadsheet from
// running them) and the mobile's SMS sign-in state; a user
// with no phone has empty numbers; an unknown user is a failed line
// (retryable: directory sync may lag); a row without a user is invalid; a
// user twice has two lines. Phone columns of the input are not read; only
// GETs reach Graph; the file is private.
func TestExportSnapshot(t *testing.T) {
	e := newEnv(t, graphsim.Options{Users: exportSeeds()})
	input := "userPrincipalName,mobile,Department\n" +
		"ada@contoso.com,+1 999,Sales\n" + // a phone cell export does not read
		"bob@contoso.com,,Sales\n" +
		"CY@contoso.com,,\n" +
		"nosms@contoso.com,,\n" +
		"dee@contoso.com,,\n" +
		"ghost@contoso.com,,\n" +
		",+1 2065550100,\n" +
		"ada@contoso.com,,\n"
	sum, err, recs := e.export(t, context.Background(), input, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		snapshotHeader,
		"ada@contoso.com,'+1 2065550100,'+1 2065550101,'+1 4255550102x123,ready,succeeded,,false,,",
		"bob@contoso.com,'+44 7400123456,,,notEnabled,succeeded,,false,,",
		"CY@contoso.com,,,'+33 123456789,,succeeded,,false,,",
		"nosms@contoso.com,'+1 2065550199,,,notAllowedByPolicy,succeeded,,false,,",
		"dee@contoso.com,,,,,succeeded,,false,,",
		"ghost@contoso.com,,,,,failed,user not found (404 Request_ResourceNotFound); directory sync may not have created the account yet, a later export retries it,true,,",
		",,,,,invalid,no user: userPrincipalName is empty,false,,",
		"ada@contoso.com,'+1 2065550100,'+1 2065550101,'+1 4255550102x123,ready,succeeded,,false,,",
	}
	if len(recs) != len(want) {
		t.Fatalf("got %d records; want %d:\n%q", len(recs), len(want), recs)
	}
	for i, w := range want {
		got := recs[i]
		if i > 0 {
			if got[len(got)-1] == "" && got[5] != "invalid" {
				t.Errorf("line %d: no finishedAt", i+1)
			}
			got = append(append([]string(nil), got[:len(got)-2]...), "", "") // requestId, finishedAt vary
		}
		if g := strings.Join(got, ","); g != w {
			t.Errorf("line %d:\n got %s\nwant %s", i+1, g, w)
		}
	}
	if sum.Command != "export" || sum.Rows != 8 || sum.ByStatus[StatusSucceeded] != 6 || sum.ByStatus[StatusFailed] != 1 || sum.ByStatus[StatusInvalid] != 1 {
		t.Errorf("got summary %+v; want export, 8 rows: 6 succeeded, 1 failed, 1 invalid", sum)
	}
	if !strings.HasPrefix(sum.String(), "phonereg export\n") {
		t.Errorf("summary:\n%s", sum)
	}
	checkOnlyGets(t, e.srv)
	fi, err := os.Stat(e.snapshotPath())
	must(t, err)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("got mode %v; want 0600", fi.Mode().Perm())
	}
}

// checkOnlyGets fails t unless every Graph request srv saw was a GET (token
// requests are the credential's).
func checkOnlyGets(t *testing.T, srv *graphsim.Server) {
	t.Helper()
	n := 0
	for _, r := range srv.Requests() {
		if r.Route == graphsim.RouteToken || r.Route == graphsim.RouteOpenIDConfig || r.Route == graphsim.RouteDiscovery {
			continue
		}
		n++
		if r.Method != http.MethodGet || r.Route != graphsim.RouteList {
			t.Errorf("got %s %s (%s); want only GETs of phone methods", r.Method, r.Path, r.Route)
		}
	}
	if n == 0 {
		t.Errorf("no Graph request at all")
	}
	if srv.Writes() != 0 {
		t.Errorf("got %d writes; want none", srv.Writes())
	}
}

// TestExportRoundTrip: a snapshot is run's input as it is: after the users'
// numbers changed, run --on-existing update puts the exported numbers back
// (and leaves a user whose numbers did not change alone); a row export could
// not read, or of a user without a phone, is invalid in run with the reason,
// never run and never silently skipped; run warns of no snapshot column.
func TestExportRoundTrip(t *testing.T) {
	e := newEnv(t, graphsim.Options{Users: exportSeeds()})
	input := "userPrincipalName\nada@contoso.com\nbob@contoso.com\ncy@contoso.com\ndee@contoso.com\nghost@contoso.com\n"
	if _, err, _ := e.export(t, context.Background(), input, nil); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	must(t, e.client.UpdatePhoneMethod(ctx, "ada@contoso.com", graphclient.MobileMethodID, "+1 2065559999"))
	must(t, e.client.UpdatePhoneMethod(ctx, "ada@contoso.com", graphclient.OfficeMethodID, "+1 4255559999"))
	must(t, e.client.UpdatePhoneMethod(ctx, "cy@contoso.com", graphclient.OfficeMethodID, "+33 999999999"))

	snap, err := os.ReadFile(e.snapshotPath())
	must(t, err)
	core, logs := observer.New(zap.WarnLevel)
	sum, err, rows := e.run(t, ctx, string(snap), func(c *Config) {
		c.OnExisting, c.Read, c.Logger = ExistingUpdate, InputOptions{}, zap.New(core)
	})
	if err != nil {
		t.Fatal(err)
	}
	check(t, rows[1], expect{status: StatusSucceeded, phones: Phones[Outcome]{Mobile: OutcomeUpdated, AlternateMobile: OutcomeExists, Office: OutcomeUpdated},
		sms: SmsEnabled, previous: "mobile=+1 2065559999;office=+1 4255559999"})
	check(t, rows[2], expect{status: StatusSucceeded, phones: Phones[Outcome]{Mobile: OutcomeExists}, sms: SmsEnabled})
	check(t, rows[3], expect{status: StatusSucceeded, phones: Phones[Outcome]{Office: OutcomeUpdated}, previous: "office=+33 999999999"})
	check(t, rows[4], expect{status: StatusInvalid, errHas: "export found no phone method for this user"})
	check(t, rows[5], expect{status: StatusInvalid, errHas: "export could not read this user (status failed): user not found"})
	if sum.Rows != 5 {
		t.Errorf("got %d rows; want 5", sum.Rows)
	}
	for _, u := range []struct{ user, t, number string }{
		{"ada@contoso.com", graphsim.TypeMobile, "+1 2065550100"},
		{"ada@contoso.com", graphsim.TypeAlternateMobile, "+1 2065550101"},
		{"ada@contoso.com", graphsim.TypeOffice, "+1 4255550102x123"},
		{"bob@contoso.com", graphsim.TypeMobile, "+44 7400123456"},
		{"cy@contoso.com", graphsim.TypeOffice, "+33 123456789"},
	} {
		if got := simNumber(t, e.srv, u.user, u.t); got != u.number {
			t.Errorf("%s %s: got %q; want the exported %q", u.user, u.t, got, u.number)
		}
	}
	if w := logs.FilterMessageSnippet("ignoring columns").All(); len(w) > 0 {
		t.Errorf("run warned of a snapshot's columns: %v", w[0].ContextMap())
	}
}

// simNumber is user's number of type typ in srv.
func simNumber(t *testing.T, srv *graphsim.Server, user, typ string) string {
	t.Helper()
	ms, ok := srv.Methods(user)
	if !ok {
		t.Fatalf("no user %s", user)
	}
	for _, m := range ms {
		if m.PhoneType == typ {
			return m.PhoneNumber
		}
	}
	return ""
}

// exportUsers is an input of n users u{from}…, each with a mobile in the
// emulator's seeds.
func exportUsers(from, n int) (string, []graphsim.User) {
	var b strings.Builder
	var seeds []graphsim.User
	b.WriteString("userPrincipalName\n")
	for i := from; i < from+n; i++ {
		upn := fmt.Sprintf("u%d@contoso.com", i)
		fmt.Fprintf(&b, "%s\n", upn)
		seeds = append(seeds, graphsim.User{UserPrincipalName: upn, Phones: map[string]string{graphsim.TypeMobile: fmt.Sprintf("+1 206555%04d", i)}})
	}
	return b.String(), seeds
}

// listed counts the list requests srv saw per user path.
func listed(srv *graphsim.Server) map[string]int {
	m := map[string]int{}
	for _, r := range srv.Requests() {
		if r.Route == graphsim.RouteList {
			m[userOfPath(r.Path)]++
		}
	}
	return m
}

// userOfPath is the user in a Graph path /v1.0/users/{user}/….
func userOfPath(p string) string {
	_, rest, _ := strings.Cut(p, "/users/")
	user, _, _ := strings.Cut(rest, "/")
	return strings.ReplaceAll(user, "%40", "@")
}

// TestExportResume: an export cancelled half way leaves a compacted
// snapshot; run again, it reads only the users whose line did not succeed,
// and the finished snapshot has one line per input row, in input order. A
// rerun of a finished snapshot reads nobody and leaves the file as it is.
func TestExportResume(t *testing.T) {
	input, seeds := exportUsers(1, 60)
	e := newEnv(t, graphsim.Options{Users: seeds, Knobs: graphsim.Knobs{LatencyBase: 20 * time.Millisecond}})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for e.srv.Count(graphsim.RouteList, -1) < 20 {
			time.Sleep(2 * time.Millisecond)
		}
		cancel()
	}()
	sum, err, recs := e.export(t, ctx, input, func(c *Config) { c.Workers = 2 })
	if !errors.Is(err, context.Canceled) || !sum.Interrupted {
		t.Fatalf("got %v, interrupted=%v; want context.Canceled", err, sum != nil && sum.Interrupted)
	}
	done := map[string]bool{}
	for _, r := range recs[1:] {
		if r[5] == "succeeded" {
			done[r[0]] = true
		}
	}
	if len(done) == 0 || len(done) >= 60 {
		t.Fatalf("got %d users done before the cancel; want some, not all", len(done))
	}
	e.srv.ResetRequests()
	sum, err, recs = e.export(t, context.Background(), input, nil)
	if err != nil {
		t.Fatal(err)
	}
	for user, n := range listed(e.srv) {
		if done[user] || n > 1 {
			t.Errorf("%s: read %d times on resume; want once, and only if not done before", user, n)
		}
	}
	if sum.Skipped != len(done) || sum.Processed != 60-len(done) || sum.Rows != 60 {
		t.Errorf("got skipped=%d processed=%d rows=%d; want %d, %d, 60", sum.Skipped, sum.Processed, sum.Rows, len(done), 60-len(done))
	}
	checkSnapshotOrder(t, recs, 1, 60)
	before, err := os.ReadFile(e.snapshotPath())
	must(t, err)
	e.srv.ResetRequests()
	if sum, err, _ = e.export(t, context.Background(), input, nil); err != nil || sum.Processed != 0 {
		t.Fatalf("rerun: got %v, processed %d; want nothing to do", err, sum.Processed)
	}
	if n := e.srv.Count(graphsim.RouteList, -1); n != 0 {
		t.Errorf("rerun of a finished snapshot read %d users; want none", n)
	}
	if after, _ := os.ReadFile(e.snapshotPath()); string(after) != string(before) {
		t.Errorf("rerun of a finished snapshot changed it")
	}
}

// checkSnapshotOrder fails t unless recs (header first) are users u{from}…
// in order, each succeeded with its mobile (guarded: it starts with +).
func checkSnapshotOrder(t *testing.T, recs [][]string, from, n int) {
	t.Helper()
	if len(recs) != n+1 {
		t.Fatalf("got %d lines; want %d and the header", len(recs)-1, n)
	}
	for i, r := range recs[1:] {
		u := from + i
		if r[0] != fmt.Sprintf("u%d@contoso.com", u) || r[1] != fmt.Sprintf("'+1 206555%04d", u) || r[5] != "succeeded" {
			t.Fatalf("line %d: got %q; want u%d, its mobile, succeeded", i+2, r, u)
		}
	}
}

// TestExportHeals: a torn last line is cut and a damaged line in the middle
// skipped with a warning, their users read again; the snapshot comes out
// whole, one line per row in order.
func TestExportHeals(t *testing.T) {
	input, seeds := exportUsers(1, 6)
	e := newEnv(t, graphsim.Options{Users: seeds})
	if _, err, _ := e.export(t, context.Background(), input, nil); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(e.snapshotPath())
	must(t, err)
	lines := strings.SplitAfter(string(b), "\n")
	lines[3] = "garbage,\"never closed\n"                                        // u3's line
	damaged := strings.Join(lines[:len(lines)-2], "") + lines[len(lines)-2][:20] // u6's line torn
	must(t, os.WriteFile(e.snapshotPath(), []byte(damaged), 0o600))
	e.srv.ResetRequests()
	sum, err, recs := e.export(t, context.Background(), input, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.DroppedLines != 1 || sum.DamagedLines != 1 || sum.Processed != 2 || sum.Skipped != 4 {
		t.Errorf("got dropped=%d damaged=%d processed=%d skipped=%d; want 1, 1, 2, 4", sum.DroppedLines, sum.DamagedLines, sum.Processed, sum.Skipped)
	}
	if got := listed(e.srv); len(got) != 2 || got["u3@contoso.com"] != 1 || got["u6@contoso.com"] != 1 {
		t.Errorf("got reads %v; want u3 and u6 once", got)
	}
	checkSnapshotOrder(t, recs, 1, 6)
}

// TestExportFormulaCells: cells a spreadsheet would run (a UPN starting
// with = or -, every number: +) are written with a leading ', and still read
// back: by export's resume (nothing read again) and by run, which finds the
// numbers there.
func TestExportFormulaCells(t *testing.T) {
	seeds := []graphsim.User{
		{UserPrincipalName: "=cmd@contoso.com", Phones: map[string]string{graphsim.TypeMobile: "+1 2065550100"}},
		{UserPrincipalName: "-dash@contoso.com", Phones: map[string]string{graphsim.TypeOffice: "+1 2065550101"}},
	}
	e := newEnv(t, graphsim.Options{Users: seeds})
	input := "userPrincipalName\n=cmd@contoso.com\n'-dash@contoso.com\n" // the second guarded already
	if _, err, _ := e.export(t, context.Background(), input, nil); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(e.snapshotPath())
	must(t, err)
	for _, want := range []string{"\n'=cmd@contoso.com,'+1 2065550100,", "\n'-dash@contoso.com,,,'+1 2065550101,"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("snapshot lacks %q:\n%s", want, b)
		}
	}
	e.srv.ResetRequests()
	sum, err, _ := e.export(t, context.Background(), input, nil)
	if err != nil || sum.Processed != 0 || sum.Skipped != 2 || sum.ForeignLines != 0 {
		t.Fatalf("rerun: got %v, processed=%d skipped=%d foreign=%d; want both found done", err, sum.Processed, sum.Skipped, sum.ForeignLines)
	}
	_, err, rows := e.run(t, context.Background(), string(b), func(c *Config) { c.Read = InputOptions{} })
	if err != nil {
		t.Fatal(err)
	}
	check(t, rows[1], expect{status: StatusSucceeded, phones: Phones[Outcome]{Mobile: OutcomeExists}, sms: SmsAlreadyEnabled})
	check(t, rows[2], expect{status: StatusSucceeded, phones: Phones[Outcome]{Office: OutcomeExists}})
	if rows[1].User != "=cmd@contoso.com" {
		t.Errorf("run read user %q; want =cmd@contoso.com", rows[1].User)
	}
}

// TestExportFailures: a read Graph refuses is failed and not retryable (an
// admin must act); one that fails for good after retries is retryable.
func TestExportFailures(t *testing.T) {
	tests := []struct {
		name      string
		opts      graphsim.Options
		retryable bool
		errHas    string
	}{
		{"no permission to read", graphsim.Options{AutoCreateUsers: true, Roles: []string{}}, false, "reading needs UserAuthenticationMethod.Read.All"},
		{"service unavailable", graphsim.Options{AutoCreateUsers: true, Knobs: graphsim.Knobs{Fault503: 1}}, true, "503"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.opts)
			sum, err, recs := e.export(t, context.Background(), "userId\n1b9f0a4e-0000-4000-8000-000000000001\n", nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(recs) != 2 || recs[0][0] != "userId" {
				t.Fatalf("got %q; want a userId header and one line", recs)
			}
			r := recs[1]
			if r[5] != "failed" || r[7] != fmt.Sprint(tc.retryable) || !strings.Contains(r[6], tc.errHas) {
				t.Errorf("got %q; want failed, retryable=%v, an error naming %q", r, tc.retryable, tc.errHas)
			}
			if sum.Failed() != 1 {
				t.Errorf("got %d failed; want 1", sum.Failed())
			}
		})
	}
}

// TestExportStopsOnAuthFailure: a credential that stops working stops the
// export (no row is recorded as failed for it).
func TestExportStopsOnAuthFailure(t *testing.T) {
	dir := t.TempDir()
	g := authFailingReader{}
	sum, err := Export(context.Background(), g, Config{Input: strings.NewReader("userPrincipalName\nada@contoso.com\n"), Out: filepath.Join(dir, "s.csv")})
	var ae *graphclient.AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v; want the *graphclient.AuthError", err)
	}
	if sum == nil || sum.Rows != 0 {
		t.Errorf("got summary %+v; want no row recorded", sum)
	}
}

type authFailingReader struct{}

func (authFailingReader) ListPhoneMethods(context.Context, string) ([]graphclient.PhoneMethod, error) {
	return nil, &graphclient.AuthError{Err: errors.New("token expired and cannot be renewed")}
}

// TestExportLocked: while one export works on a snapshot, a second on it is
// refused with a *LockedError naming the holder, before any request.
func TestExportLocked(t *testing.T) {
	input, seeds := exportUsers(1, 2)
	e := newEnv(t, graphsim.Options{Users: seeds, Knobs: graphsim.Knobs{LatencyBase: 300 * time.Millisecond}})
	first := make(chan error, 1)
	go func() {
		_, err := Export(context.Background(), e.client, Config{Input: strings.NewReader(input), Out: e.snapshotPath(), Workers: 1})
		first <- err
	}()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if _, err := os.Stat(e.snapshotPath() + ".lock"); err == nil {
			break
		}
	}
	_, err := Export(context.Background(), e.client, Config{Input: strings.NewReader(input), Out: e.snapshotPath()})
	var le *LockedError
	if !errors.As(err, &le) || le.PID != os.Getpid() {
		t.Fatalf("got %v; want a *LockedError naming pid %d", err, os.Getpid())
	}
	if err := <-first; err != nil {
		t.Fatalf("first export: %v", err)
	}
	if n := e.srv.Count(graphsim.RouteList, -1); n != 2 {
		t.Errorf("got %d reads; want the first export's 2 (the refused one sends none)", n)
	}
}

// TestExportRefusesOtherFiles: an --out that is a run's result file, or the
// snapshot of an input with other user columns, is refused and left alone.
func TestExportRefusesOtherFiles(t *testing.T) {
	dir := t.TempDir()
	results := filepath.Join(dir, "r.csv")
	must(t, os.WriteFile(results, []byte(headerLine), 0o600))
	snap := filepath.Join(dir, "s.csv")
	must(t, os.WriteFile(snap, []byte(snapshotHeader+"\n"), 0o600))
	for _, tc := range []struct{ name, out, input string }{
		{"a result file", results, "userPrincipalName\nada@contoso.com\n"},
		{"a snapshot of userPrincipalName", snap, "userId\n1b9f0a4e-0000-4000-8000-000000000001\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := os.ReadFile(tc.out)
			_, err := Export(context.Background(), authFailingReader{}, Config{Input: strings.NewReader(tc.input), Out: tc.out})
			if !errors.Is(err, ErrNotSnapshot) {
				t.Fatalf("got %v; want ErrNotSnapshot", err)
			}
			if after, _ := os.ReadFile(tc.out); string(after) != string(before) {
				t.Errorf("the file changed")
			}
		})
	}
}

// TestExportUnreadableInput: an input without a user column is an
// *InputError and leaves no snapshot behind.
func TestExportUnreadableInput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "s.csv")
	_, err := Export(context.Background(), authFailingReader{}, Config{Input: strings.NewReader("mobile\n+1 2065550100\n"), Out: out})
	var ie *InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "no user column") {
		t.Fatalf("got %v; want an *InputError about the user column", err)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got a snapshot (%v); want none", err)
	}
}

// TestExportResumesFromSpreadsheetResave: a snapshot a spreadsheet saved
// again (a byte-order mark, CRLF, a column added) resumes: no user is read
// again, and the file is written back in phonereg's own form.
func TestExportResumesFromSpreadsheetResave(t *testing.T) {
	input, seeds := exportUsers(1, 5)
	e := newEnv(t, graphsim.Options{Users: seeds})
	if _, err, _ := e.export(t, context.Background(), input, nil); err != nil {
		t.Fatal(err)
	}
	orig, err := os.ReadFile(e.snapshotPath())
	must(t, err)
	lines := strings.Split(strings.TrimSuffix(string(orig), "\n"), "\n")
	for i := range lines {
		if i == 0 {
			lines[i] += ",Notes"
		} else {
			lines[i] += ",checked"
		}
	}
	must(t, os.WriteFile(e.snapshotPath(), []byte("\ufeff"+strings.Join(lines, "\r\n")+"\r\n"), 0o600))
	e.srv.ResetRequests()
	sum, err, recs := e.export(t, context.Background(), input, nil)
	if err != nil || sum.Processed != 0 || sum.Skipped != 5 {
		t.Fatalf("got %v, processed=%d skipped=%d; want every user found done", err, sum.Processed, sum.Skipped)
	}
	if n := e.srv.Count(graphsim.RouteList, -1); n != 0 {
		t.Errorf("read %d users again; want none", n)
	}
	checkSnapshotOrder(t, recs, 1, 5)
	if after, _ := os.ReadFile(e.snapshotPath()); string(after) != string(orig) {
		t.Errorf("got\n%s\nwant phonereg's own form\n%s", after, orig)
	}
}
