package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phonereg/phonereg/graphclient"
	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// undo runs input through Undo of the run whose result file is e.run's,
// with cfg changed by mod, and returns the summary, the error and the
// undo's result file's rows by row number.
func (e *env) undo(t *testing.T, ctx context.Context, input string, mod func(*UndoConfig)) (*Summary, error, map[int]Result) {
	t.Helper()
	cfg := UndoConfig{
		Config: Config{
			Input: strings.NewReader(input), Out: filepath.Join(e.dir, "in.results.undo.csv"),
			Workers: 4, Read: InputOptions{Phone: PhoneOptions{DefaultRegion: "US"}},
		},
		Results: filepath.Join(e.dir, "in.results.csv"),
	}
	if mod != nil {
		mod(&cfg)
	}
	sum, err := Undo(ctx, e.client, cfg)
	return sum, err, readResults(t, cfg.Out)
}

// snapshot is every named user's methods as graphsim holds them, SMS sign-in
// states included; a user graphsim does not know has none.
func snapshot(srv *graphsim.Server, users ...string) map[string][]graphsim.PhoneMethod {
	out := map[string][]graphsim.PhoneMethod{}
	for _, u := range users {
		ms, _ := srv.Methods(u)
		if len(ms) > 0 {
			out[u] = ms
		}
	}
	return out
}

// Numbers of the undo tests (Graph's form); the seeded users hold the old*
// ones before the run.
const (
	oldMobile = "+1 2065550190"
	oldOffice = "+1 4255550191"
	oldManual = "+1 2065550192"
)

// undoSeeds are the users of TestUndoRevertsARun as they are before the run.
func undoSeeds() []graphsim.User {
	return []graphsim.User{
		{UserPrincipalName: "upd@contoso.com", Phones: map[string]string{graphsim.TypeMobile: oldMobile, graphsim.TypeOffice: oldOffice}},
		{UserPrincipalName: "manual@contoso.com", NoAutoRegister: true, Phones: map[string]string{graphsim.TypeMobile: oldManual}},
		{UserPrincipalName: "exists@contoso.com", NoAutoRegister: true, Phones: map[string]string{graphsim.TypeMobile: "+1 2065550104"}},
		{UserPrincipalName: "default@contoso.com", DefaultMethod: graphsim.TypeMobile},
	}
}

// undoInput is the run's input of TestUndoRevertsARun, one user a row.
const undoInput = "userPrincipalName,mobile,alternateMobile,office\n" +
	"upd@contoso.com,206-555-0100,,425-555-0100\n" + // both numbers updated
	"manual@contoso.com,206-555-0101,,\n" + // updated; SMS sign-in enabled by the run
	"new@contoso.com,206-555-0102,206-555-0103,425-555-0103\n" + // all three added
	"exists@contoso.com,206-555-0104,,\n" + // there already; SMS sign-in enabled by the run
	"changed@contoso.com,206-555-0105,,\n" + // added, then changed by someone else
	"default@contoso.com,206-555-0106,,\n" + // added, and the user's default method
	"bad@contoso.com,12,,\n" // invalid

var undoUsers = []string{"upd@contoso.com", "manual@contoso.com", "new@contoso.com", "exists@contoso.com", "changed@contoso.com", "default@contoso.com"}

// TestUndoRevertsARun: a run with --on-existing update on users seeded with
// other numbers, then undo: every user is as before, numbers and SMS sign-in
// states; a user changed since is left alone (changed-since); a default
// method is not-removable until the default changes and undo runs again; an
// alternateMobile goes before its mobile.
func TestUndoRevertsARun(t *testing.T) {
	e := newEnv(t, graphsim.Options{AutoCreateUsers: true, Users: undoSeeds()})
	ctx := context.Background()
	before := snapshot(e.srv, undoUsers...)
	if _, err, rows := e.run(t, ctx, undoInput, func(c *Config) { c.OnExisting = ExistingUpdate }); err != nil || rows[1].Phones.Mobile != OutcomeUpdated || rows[4].SmsSignIn != SmsEnabled {
		t.Fatalf("run: got %v, rows %+v; want upd updated and exists enabled", err, rows)
	}
	const changedTo = "+1 2065550177"
	must(t, e.client.UpdatePhoneMethod(ctx, "changed@contoso.com", graphclient.MobileMethodID, changedTo))
	e.srv.ResetRequests()

	input := undoInput + "later@contoso.com,206-555-0107,,\n" // a row the run never saw
	sum, err, rows := e.undo(t, ctx, input, nil)
	if err != nil {
		t.Fatalf("Undo: %v", err)
	}
	check(t, rows[1], expect{status: StatusSucceeded, phones: Phones[Outcome]{Mobile: OutcomeRestored, Office: OutcomeRestored}})
	check(t, rows[2], expect{status: StatusSucceeded, phones: Phones[Outcome]{Mobile: OutcomeRestored}})
	check(t, rows[3], expect{status: StatusSucceeded, phones: Phones[Outcome]{Mobile: OutcomeRemoved, AlternateMobile: OutcomeRemoved, Office: OutcomeRemoved}})
	check(t, rows[4], expect{status: StatusSucceeded, sms: SmsDisabled})
	check(t, rows[5], expect{status: StatusPartial, phones: Phones[Outcome]{Mobile: OutcomeChangedSince}, errHas: "now has " + MaskPhone(changedTo)})
	check(t, rows[6], expect{status: StatusPartial, phones: Phones[Outcome]{Mobile: OutcomeNotRemovable}, errHas: "change the user's default sign-in method"})
	check(t, rows[7], expect{status: StatusInvalid, errHas: "mobile"})
	check(t, rows[8], expect{status: StatusSucceeded, errHas: "nothing to undo"})
	if strings.Contains(rows[5].Error, "2065550177") || !strings.Contains(rows[6].Error, "badRequest") {
		t.Errorf("got errors %q and %q; want the number masked and Graph's code named", rows[5].Error, rows[6].Error)
	}
	if sum.Command != "undo" || sum.Outcomes["mobile"]["restored"] != 2 || sum.ByStatus[StatusPartial] != 2 {
		t.Errorf("summary: got command %q outcomes %v byStatus %v", sum.Command, sum.Outcomes, sum.ByStatus)
	}
	checkDeleteOrder(t, e.srv, "new@contoso.com")
	if ms, _ := e.srv.Methods("changed@contoso.com"); len(ms) != 1 || ms[0].PhoneNumber != changedTo {
		t.Errorf("changed@: got %+v; want its number left alone", ms)
	}

	// The admin changes the default method and runs undo again.
	must(t, e.srv.SetDefaultMethod("default@contoso.com", ""))
	_, err, rows = e.undo(t, ctx, input, func(c *UndoConfig) { c.RetryFailed = true })
	if err != nil {
		t.Fatal(err)
	}
	check(t, rows[6], expect{status: StatusSucceeded, phones: Phones[Outcome]{Mobile: OutcomeRemoved}})
	after := snapshot(e.srv, undoUsers...)
	delete(before, "changed@contoso.com")
	delete(after, "changed@contoso.com")
	if !reflect.DeepEqual(after, before) {
		t.Errorf("after undo: got %+v;\nwant as before the run %+v", after, before)
	}
}

// checkDeleteOrder checks that user's phones were deleted office and
// alternateMobile before mobile, each once, none refused.
func checkDeleteOrder(t *testing.T, srv *graphsim.Server, user string) {
	t.Helper()
	var got []string
	for _, r := range srv.Requests() {
		if r.Route == graphsim.RouteDelete && strings.Contains(r.Path, "/users/"+user+"/") {
			got = append(got, fmt.Sprintf("%s %d", r.Path[strings.LastIndexByte(r.Path, '/')+1:], r.Status))
		}
	}
	want := []string{graphsim.OfficeMethodID + " 204", graphsim.AlternateMobileMethodID + " 204", graphsim.MobileMethodID + " 204"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got deletes %v; want %v", user, got, want)
	}
}

// dryRunOutcome maps a dry run's outcome to what the real undo then does.
var dryRunOutcome = map[Outcome]Outcome{OutcomeWouldRemove: OutcomeRemoved, OutcomeWouldRestore: OutcomeRestored}

// TestUndoDryRunMatches: undo --dry-run sends nothing but reads, changes
// nothing, and plans, row by row, what the real undo then does.
func TestUndoDryRunMatches(t *testing.T) {
	seeds := undoSeeds()[:3]
	e := newEnv(t, graphsim.Options{AutoCreateUsers: true, Users: seeds})
	ctx := context.Background()
	input := undoInput + "altchanged@contoso.com,206-555-0108,206-555-0109,\n"
	if _, err, _ := e.run(t, ctx, input, func(c *Config) { c.OnExisting = ExistingUpdate }); err != nil {
		t.Fatal(err)
	}
	must(t, e.client.UpdatePhoneMethod(ctx, "changed@contoso.com", graphclient.MobileMethodID, "+1 2065550177"))
	must(t, e.client.UpdatePhoneMethod(ctx, "altchanged@contoso.com", graphclient.AlternateMobileMethodID, "+1 2065550178"))
	users := append(undoUsers, "altchanged@contoso.com")
	state := snapshot(e.srv, users...)
	e.srv.ResetRequests()

	_, err, plan := e.undo(t, ctx, input, func(c *UndoConfig) { c.DryRun = true })
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range e.srv.Requests() {
		switch r.Route {
		case graphsim.RouteList, graphsim.RouteGet, graphsim.RouteToken, graphsim.RouteOpenIDConfig, graphsim.RouteDiscovery:
		default:
			t.Errorf("dry run sent %s %s (%s); want only reads after the token", r.Method, r.Path, r.Route)
		}
	}
	if got := snapshot(e.srv, users...); !reflect.DeepEqual(got, state) {
		t.Errorf("dry run changed the tenant: got %+v; want %+v", got, state)
	}
	check(t, plan[1], expect{status: StatusPlanned, phones: Phones[Outcome]{Mobile: OutcomeWouldRestore, Office: OutcomeWouldRestore}})
	check(t, plan[3], expect{status: StatusPlanned, phones: Phones[Outcome]{Mobile: OutcomeWouldRemove, AlternateMobile: OutcomeWouldRemove, Office: OutcomeWouldRemove}})
	check(t, plan[4], expect{status: StatusPlanned, sms: SmsWouldDisable})
	check(t, plan[8], expect{status: StatusPartial, phones: Phones[Outcome]{Mobile: OutcomeNotRemovable, AlternateMobile: OutcomeChangedSince}, errHas: "alternateMobile"})

	_, err, done := e.undo(t, ctx, input, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != len(plan) {
		t.Fatalf("got %d rows undone; want the %d planned", len(done), len(plan))
	}
	for n, p := range plan {
		d := done[n]
		for _, pt := range graphclient.PhoneTypes {
			want := p.Phones.Get(pt)
			if w, ok := dryRunOutcome[want]; ok {
				want = w
			}
			if got := d.Phones.Get(pt); got != want {
				t.Errorf("row %d %s: dry run planned %q; undo did %q", n, pt, p.Phones.Get(pt), got)
			}
		}
		if want := map[SmsOutcome]SmsOutcome{SmsWouldDisable: SmsDisabled, "": ""}[p.SmsSignIn]; d.SmsSignIn != want {
			t.Errorf("row %d smsSignIn: dry run planned %q; undo did %q", n, p.SmsSignIn, d.SmsSignIn)
		}
	}
}

// TestUndoKilledAndResumed: an undo cancelled midway, rows in flight cut off
// after a millisecond's grace, some answers lost on the way; then the same
// undo again. No method is written after it was deleted, every row ends
// succeeded, and the tenant is as before the run.
func TestUndoKilledAndResumed(t *testing.T) {
	const n = 80
	e := newEnv(t, graphsim.Options{AutoCreateUsers: true})
	if _, err, _ := e.run(t, context.Background(), bigInput(n), nil); err != nil {
		t.Fatal(err)
	}
	must(t, e.srv.SetKnobs(graphsim.Knobs{LatencyBase: 2 * time.Millisecond, LatencyJitter: time.Millisecond, FaultAmbiguous: 0.05, Seed: 11}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once atomic.Bool
	sum, err, rows := e.undo(t, ctx, bigInput(n), func(c *UndoConfig) {
		c.Grace = time.Millisecond
		c.Progress = func(p Progress) {
			if p.Done >= 20 && once.CompareAndSwap(false, true) {
				cancel()
			}
		}
	})
	if !errors.Is(err, context.Canceled) || !sum.Interrupted || len(rows) >= n {
		t.Fatalf("got %v, interrupted=%v, %d rows; want an interrupted undo", err, sum != nil && sum.Interrupted, len(rows))
	}
	sum, err, rows = e.undo(t, context.Background(), bigInput(n), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n || sum.ByStatus[StatusSucceeded] != n || sum.Skipped == 0 {
		t.Fatalf("after resume: got %d rows, %v, %d skipped; want %d succeeded, some skipped", len(rows), sum.ByStatus, sum.Skipped, n)
	}
	for i := 1; i <= n; i++ {
		for _, o := range []Outcome{rows[i].Phones.Mobile, rows[i].Phones.Office} {
			if o != OutcomeRemoved && o != OutcomeAlreadyUndone {
				t.Errorf("row %d: got %+v; want each phone removed or already undone", i, rows[i])
			}
		}
	}
	for i := range n {
		if ms, _ := e.srv.Methods(fmt.Sprintf("user%d@contoso.com", i)); len(ms) != 0 {
			t.Errorf("user%d: got %+v; want no phones", i, ms)
		}
	}
	checkNoWriteAfterDelete(t, e.srv)
	faults := map[string]int{}
	for _, r := range e.srv.Requests() {
		faults[r.Fault]++
	}
	t.Logf("resumed undo: %v; faults injected: %v", sum.Outcomes, faults)
}

// checkNoWriteAfterDelete checks that every method was deleted once, and
// that no write went to it after that.
func checkNoWriteAfterDelete(t *testing.T, srv *graphsim.Server) {
	t.Helper()
	deleted := map[string]bool{}
	for _, r := range srv.Requests() {
		if r.Method != "DELETE" && r.Method != "PATCH" {
			continue
		}
		if deleted[r.Path] {
			t.Errorf("%s %s (status %d) after the method was deleted", r.Method, r.Path, r.Status)
		}
		if r.Route == graphsim.RouteDelete && r.Applied {
			deleted[r.Path] = true
		}
	}
	if len(deleted) == 0 {
		t.Error("no delete was applied")
	}
}

// TestUndoRestoresAfterAKilledUpdate: a line a run killed mid-update leaves
// (failed, retryable, the step failed, the old number in previous) is
// restored where the user has the row's number, and already undone where the
// update never landed.
func TestUndoRestoresAfterAKilledUpdate(t *testing.T) {
	const landed, lost = "landed@contoso.com", "lost@contoso.com"
	e := newEnv(t, graphsim.Options{Users: []graphsim.User{
		{UserPrincipalName: landed, Phones: map[string]string{graphsim.TypeMobile: nA}},
		{UserPrincipalName: lost, Phones: map[string]string{graphsim.TypeMobile: oldMobile}},
	}})
	input := "userPrincipalName,mobile\n" + landed + ",+1 206 555 0100\n" + lost + ",+1 206 555 0101\n"
	keys := rowKeys(t, input)
	results := filepath.Join(e.dir, "in.results.csv")
	var lines strings.Builder
	lines.WriteString(headerLine)
	for i, user := range []string{landed, lost} {
		fmt.Fprintf(&lines, "%d,%s,failed,failed,,,,true,mobile: no answer from Graph,,%s,mobile=%s,2026-01-02T03:04:05Z\n", i+1, user, keys[i], oldMobile)
	}
	must(t, os.WriteFile(results, []byte(lines.String()), 0o600))

	_, err, rows := e.undo(t, context.Background(), input, nil)
	if err != nil {
		t.Fatal(err)
	}
	check(t, rows[1], expect{status: StatusSucceeded, phones: Phones[Outcome]{Mobile: OutcomeRestored}})
	check(t, rows[2], expect{status: StatusSucceeded, phones: Phones[Outcome]{Mobile: OutcomeAlreadyUndone}})
	for _, u := range []string{landed, lost} {
		if ms, _ := e.srv.Methods(u); len(ms) != 1 || ms[0].PhoneNumber != oldMobile {
			t.Errorf("%s: got %+v; want the old number %s", u, ms, oldMobile)
		}
	}
	if b, err := os.ReadFile(results); err != nil || string(b) != lines.String() {
		t.Errorf("the run's result file changed: %q, %v", b, err)
	}
}

// rowKeys are the keys of input's rows, as undo computes them.
func rowKeys(t *testing.T, input string) []string {
	t.Helper()
	var keys []string
	_, err := ReadRows(context.Background(), strings.NewReader(input), InputOptions{}, func(r Row) error {
		keys = append(keys, r.Key)
		return nil
	})
	must(t, err)
	return keys
}

// TestUndoLockedResults: while a run holds the result file, undo refuses it
// with the lock's error, before any request and without an undo file.
func TestUndoLockedResults(t *testing.T) {
	e := newEnv(t, graphsim.Options{AutoCreateUsers: true})
	input := "userPrincipalName,mobile\na@contoso.com,+1 206 555 0100\n"
	if _, err, _ := e.run(t, context.Background(), input, nil); err != nil {
		t.Fatal(err)
	}
	results := filepath.Join(e.dir, "in.results.csv")
	lock, err := lockResultFile(results)
	must(t, err)
	defer lock.release()
	e.srv.ResetRequests()
	out := filepath.Join(e.dir, "in.results.undo.csv")
	sum, err := Undo(context.Background(), e.client, UndoConfig{Config: Config{Input: strings.NewReader(input), Out: out}, Results: results})
	var le *LockedError
	if !errors.As(err, &le) || le.Path != results || le.PID != os.Getpid() || sum != nil {
		t.Fatalf("got %v (%T), summary %v; want a *LockedError for %s naming pid %d", err, err, sum, results, os.Getpid())
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("the refused undo left %s (%v)", out, err)
	}
	if n := len(e.srv.Requests()); n != 0 {
		t.Errorf("the refused undo sent %d requests; want none", n)
	}
}

// TestUndoRefusesBadFiles: a --results that is not a result file, or the
// same file as --out, is refused before anything is written.
func TestUndoRefusesBadFiles(t *testing.T) {
	e := newEnv(t, graphsim.Options{AutoCreateUsers: true})
	notResults := filepath.Join(e.dir, "notes.csv")
	must(t, os.WriteFile(notResults, []byte("hello,world\n"), 0o600))
	out := filepath.Join(e.dir, "undo.csv")
	input := "userPrincipalName,mobile\na@contoso.com,+1 206 555 0100\n"
	_, err := Undo(context.Background(), e.client, UndoConfig{Config: Config{Input: strings.NewReader(input), Out: out}, Results: notResults})
	if !errors.Is(err, ErrNotResultFile) {
		t.Errorf("not a result file: got %v; want ErrNotResultFile", err)
	}
	if CheckResultFile(notResults) == nil || !errors.Is(CheckResultFile(notResults), ErrNotResultFile) {
		t.Errorf("CheckResultFile: got %v; want ErrNotResultFile", CheckResultFile(notResults))
	}
	_, err = Undo(context.Background(), e.client, UndoConfig{Config: Config{Input: strings.NewReader(input), Out: notResults}, Results: notResults})
	var fe *ResultFileError
	if !errors.As(err, &fe) {
		t.Errorf("--out the run's result file: got %v; want a *ResultFileError", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a refused undo left %s (%v)", out, err)
	}
	if b, _ := os.ReadFile(notResults); string(b) != "hello,world\n" {
		t.Errorf("a refused undo changed %s: %q", notResults, b)
	}
}

// TestUndoPlan: what a run's line asks undo to revert, whatever the
// previous column holds.
func TestUndoPlan(t *testing.T) {
	row := Row{Phones: Phones[string]{Mobile: nA, AlternateMobile: nB, Office: nC}}
	tests := []struct {
		name string
		line Result
		want undoPlan
	}{
		{"added, office first", Result{Phones: Phones[Outcome]{Mobile: OutcomeAdded, AlternateMobile: OutcomeAdded, Office: OutcomeAdded}, SmsSignIn: SmsEnabled},
			undoPlan{steps: []undoStep{{t: graphclient.Office, number: nC}, {t: graphclient.AlternateMobile, number: nB}, {t: graphclient.Mobile, number: nA}}, sms: true}},
		{"updated", Result{Phones: Phones[Outcome]{Mobile: OutcomeUpdated}, Previous: "mobile=" + oldMobile},
			undoPlan{steps: []undoStep{{t: graphclient.Mobile, number: nA, previous: oldMobile}}}},
		{"failed mid-update", Result{Status: StatusFailed, Phones: Phones[Outcome]{Mobile: OutcomeFailed}, Previous: " mobile = " + oldMobile + " ;"},
			undoPlan{steps: []undoStep{{t: graphclient.Mobile, number: nA, previous: oldMobile}}}},
		{"updated without previous", Result{Phones: Phones[Outcome]{Office: OutcomeUpdated}, Previous: "office=;pager=+1 1;garbage;=;;"},
			undoPlan{lost: []graphclient.PhoneType{graphclient.Office}}},
		{"nothing to undo", Result{Phones: Phones[Outcome]{Mobile: OutcomeExists, AlternateMobile: OutcomeKept, Office: OutcomeConflict}, SmsSignIn: SmsAlreadyEnabled}, undoPlan{}},
		{"the first of a type counts", Result{Phones: Phones[Outcome]{Mobile: OutcomeUpdated}, Previous: "mobile=" + oldMobile + ";mobile=+1 2065550111"},
			undoPlan{steps: []undoStep{{t: graphclient.Mobile, number: nA, previous: oldMobile}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := planUndo(row, tc.line); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v; want %+v", got, tc.want)
			}
		})
	}
}

// fakeUndoGraph is a tenant of one user for undo's failure paths, which
// the emulator produces only by chance: each call answers with the error
// set for it (applied anyway when applyAnyway is set), else succeeds.
type fakeUndoGraph struct {
	methods                       []graphclient.PhoneMethod
	listErr, deleteErr, updateErr error
	disableErr                    error
	applyAnyway                   bool
	calls                         []string
}

func (f *fakeUndoGraph) ListPhoneMethods(context.Context, string) ([]graphclient.PhoneMethod, error) {
	f.calls = append(f.calls, "list")
	if f.listErr != nil {
		return nil, f.listErr
	}
	return slices.Clone(f.methods), nil
}

func (f *fakeUndoGraph) UpdatePhoneMethod(_ context.Context, _, id, number string) error {
	f.calls = append(f.calls, "update "+id)
	if f.updateErr == nil || f.applyAnyway {
		for i := range f.methods {
			if f.methods[i].ID == id {
				f.methods[i].PhoneNumber = number
			}
		}
	}
	return f.updateErr
}

func (f *fakeUndoGraph) DeletePhoneMethod(_ context.Context, _, id string) error {
	f.calls = append(f.calls, "delete "+id)
	if f.deleteErr == nil || f.applyAnyway {
		f.methods = slices.DeleteFunc(f.methods, func(m graphclient.PhoneMethod) bool { return m.ID == id })
	}
	return f.deleteErr
}

func (f *fakeUndoGraph) DisableSmsSignIn(context.Context, string) error {
	f.calls = append(f.calls, "disable")
	if f.disableErr == nil || f.applyAnyway {
		for i := range f.methods {
			f.methods[i].SmsSignInState = graphclient.SmsNotEnabled
		}
	}
	return f.disableErr
}

// TestUndoStepFailures: how undo records each failure of a step: a
// transient one fails the row retryable and leaves its other steps for the
// rerun; a missing permission names the role; a refusal after which the
// method is gone was applied, one after which it stays is not-removable;
// methods that cannot be read change nothing.
func TestUndoStepFailures(t *testing.T) {
	mobile := graphclient.PhoneMethod{ID: graphclient.MobileMethodID, PhoneType: graphclient.Mobile, PhoneNumber: nA, SmsSignInState: graphclient.SmsReady}
	office := graphclient.PhoneMethod{ID: graphclient.OfficeMethodID, PhoneType: graphclient.Office, PhoneNumber: nC}
	unavailable := &graphclient.Error{StatusCode: 503, Code: "serviceNotAvailable", RequestID: "rid-503"}
	refused := &graphclient.Error{StatusCode: 400, Code: "badRequest", Message: "The default authentication method cannot be deleted.", RequestID: "rid-400"}
	// The client names the permission a 403's step needs (Error.Needs);
	// undo carries Graph's description into the error cell.
	forbidden := &graphclient.Error{StatusCode: 403, Code: "Authorization_RequestDenied", Needs: graphclient.PermReadWriteAll}
	lost := &graphclient.TransportError{Operation: "update phone method", Write: true, Err: errors.New("connection reset")}
	added := Result{Phones: Phones[Outcome]{Mobile: OutcomeAdded, Office: OutcomeAdded}}
	tests := []struct {
		name  string
		g     fakeUndoGraph
		line  Result
		want  expect
		calls int // Graph calls
	}{
		{"delete unavailable", fakeUndoGraph{deleteErr: unavailable}, added,
			expect{status: StatusFailed, phones: Phones[Outcome]{Office: OutcomeFailed}, retryable: true, errHas: "office: 503"}, 1 + 2*writeRounds},
		{"delete forbidden", fakeUndoGraph{deleteErr: forbidden}, added,
			expect{status: StatusFailed, phones: Phones[Outcome]{Office: OutcomeFailed}, errHas: graphclient.PermReadWriteAll}, 2},
		{"delete refused, yet applied", fakeUndoGraph{deleteErr: refused, applyAnyway: true}, added,
			expect{status: StatusSucceeded, phones: Phones[Outcome]{Office: OutcomeRemoved, Mobile: OutcomeRemoved}}, 5},
		{"delete refused, method stays", fakeUndoGraph{deleteErr: refused}, Result{Phones: Phones[Outcome]{Mobile: OutcomeAdded}, SmsSignIn: SmsEnabled},
			expect{status: StatusPartial, phones: Phones[Outcome]{Mobile: OutcomeNotRemovable}, sms: SmsDisabled, errHas: "default sign-in method"}, 4},
		{"update's answer lost, yet applied", fakeUndoGraph{updateErr: lost, applyAnyway: true}, Result{Phones: Phones[Outcome]{Mobile: OutcomeUpdated}, Previous: "mobile=" + oldMobile, SmsSignIn: SmsEnabled},
			expect{status: StatusSucceeded, phones: Phones[Outcome]{Mobile: OutcomeRestored}}, 3},
		{"disable unavailable", fakeUndoGraph{disableErr: unavailable}, Result{Phones: Phones[Outcome]{Mobile: OutcomeExists}, SmsSignIn: SmsEnabled},
			expect{status: StatusFailed, sms: SmsFailed, retryable: true, errHas: "smsSignIn: 503"}, 1 + 2*writeRounds},
		{"list unavailable", fakeUndoGraph{listErr: unavailable}, added,
			expect{status: StatusFailed, retryable: true, errHas: "reading the user's phone methods: 503"}, 1},
		{"user gone", fakeUndoGraph{listErr: &graphclient.Error{StatusCode: 404, Code: "Request_ResourceNotFound"}}, added,
			expect{status: StatusFailed, errHas: "user not found"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := tc.g
			g.methods = []graphclient.PhoneMethod{mobile, office}
			u := &undoer{g: &g, now: time.Now}
			row := Row{Num: 1, User: "u@contoso.com", Key: "0123456789abcdef", Phones: Phones[string]{Mobile: nA, Office: nC}}
			a := &undoAttempt{row: row, res: Result{Row: 1, User: row.User, Key: row.Key, FinishedAt: time.Now()}}
			must(t, u.undo(context.Background(), a, tc.line, true))
			a.finish(false)
			check(t, a.res, tc.want)
			if len(g.calls) != tc.calls {
				t.Errorf("got calls %v; want %d", g.calls, tc.calls)
			}
		})
	}
}
