package pipeline

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phonereg/phonereg/graphclient"
	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// env is a graphsim server and a real graphclient authenticated against it
// with azidentity's client-secret credential, over TLS.
type env struct {
	srv    *graphsim.Server
	client *graphclient.Client
	dir    string
}

func newEnv(t *testing.T, opts graphsim.Options) *env {
	t.Helper()
	srv, err := graphsim.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	client := simGraphClient(t, srv, graphclient.Config{
		RetryDelay: 5 * time.Millisecond, MaxRetryDelay: 5 * time.Second, MaxAttempts: 6,
		// phonereg always runs with a rate (--rate, default 20/s): without
		// one, workers stampede a throttled server the moment the gate opens.
		Rate: 300,
	})
	return &env{srv: srv, client: client, dir: t.TempDir()}
}

// simGraphClient is a real graphclient for srv with cfg, authenticated with
// azidentity's client-secret credential against srv's token endpoint, over
// TLS.
func simGraphClient(tb testing.TB, srv *graphsim.Server, cfg graphclient.Config) *graphclient.Client {
	tb.Helper()
	tr := graphclient.NewHTTPClient(&tls.Config{RootCAs: srv.CertPool()})
	cred, err := srv.ClientSecretCredential(srv.ClientID(), srv.ClientSecret(), tr)
	if err != nil {
		tb.Fatal(err)
	}
	cfg.Credential, cfg.GraphURL, cfg.Transport = cred, srv.GraphURL(), tr
	client, err := graphclient.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return client
}

// run runs csv through Run with cfg changed by mod, and returns the summary,
// the error and the result file's rows by row number.
func (e *env) run(t *testing.T, ctx context.Context, input string, mod func(*Config)) (*Summary, error, map[int]Result) {
	t.Helper()
	cfg := Config{
		Input: strings.NewReader(input), Out: filepath.Join(e.dir, "in.results.csv"),
		SmsSignIn: true, Workers: 4, Read: InputOptions{Phone: PhoneOptions{DefaultRegion: "US"}},
	}
	if mod != nil {
		mod(&cfg)
	}
	sum, err := Run(ctx, e.client, cfg)
	return sum, err, readResults(t, cfg.Out)
}

// readResults reads a compacted result file; it fails the test unless the
// file has exactly one line per row, in order.
func readResults(t *testing.T, path string) map[int]Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rr, err := NewResultReader(f)
	if err != nil {
		t.Fatalf("result file: %v", err)
	}
	out := map[int]Result{}
	last := 0
	for {
		r, err := rr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("result file: after row %d: %v", last, err)
		}
		if r.Row <= last {
			t.Fatalf("result file: row %d after row %d: want one line per row, in order", r.Row, last)
		}
		last = r.Row
		out[r.Row] = r
	}
	return out
}

type expect struct {
	status    Status
	phones    Phones[Outcome]
	sms       SmsOutcome
	retryable bool
	errHas    string
	previous  string
}

func check(t *testing.T, got Result, w expect) {
	t.Helper()
	if got.Status != w.status || got.Phones != w.phones || got.SmsSignIn != w.sms || got.Retryable != w.retryable || got.Previous != w.previous {
		t.Errorf("row %d: got status=%s phones=%q sms=%q retryable=%v previous=%q error=%q;\nwant status=%s phones=%q sms=%q retryable=%v previous=%q",
			got.Row, got.Status, got.Phones, got.SmsSignIn, got.Retryable, got.Previous, got.Error,
			w.status, w.phones, w.sms, w.retryable, w.previous)
	}
	if w.errHas != "" && !strings.Contains(got.Error, w.errHas) {
		t.Errorf("row %d: got error %q; want it to contain %q", got.Row, got.Error, w.errHas)
	}
	if w.errHas == "" && got.Error != "" {
		t.Errorf("row %d: got error %q; want none", got.Row, got.Error)
	}
	if got.Key == "" || got.FinishedAt.IsZero() {
		t.Errorf("row %d: got key %q finishedAt %v; want both set", got.Row, got.Key, got.FinishedAt)
	}
}

const (
	seedMobile = "+1 2065550199"
	nA         = "+1 2065550100"
	nB         = "+1 2065550101"
	nC         = "+1 4255550102"
)

func seeds() []graphsim.User {
	return []graphsim.User{
		{UserPrincipalName: "has.mobile@contoso.com", Phones: map[string]string{graphsim.TypeMobile: seedMobile}},
		{UserPrincipalName: "nosms@contoso.com", SmsSignInDisallowed: true},
		{UserPrincipalName: "manual@contoso.com", NoAutoRegister: true},
		{UserPrincipalName: "taken@contoso.com", Phones: map[string]string{graphsim.TypeMobile: nC}},
		{UserPrincipalName: "dup@contoso.com"},
	}
}

func TestRunOutcomes(t *testing.T) {
	tests := []struct {
		name  string
		knobs graphsim.Knobs
		input string
		mod   func(*Config)
		want  expect
	}{
		{"mobile added, registered by Graph itself", graphsim.Knobs{}, "userPrincipalName,mobile\nnew@contoso.com,206-555-0100\n", nil,
			expect{status: StatusSucceeded, phones: Phones[Outcome]{Mobile: OutcomeAdded}, sms: SmsAlreadyEnabled}},
		{"mobile added, SMS sign-in enabled", graphsim.Knobs{}, "userPrincipalName,mobile\nmanual@contoso.com,+1 206 555 0100\n", nil,
			expect{status: StatusSucceeded, phones: Phones[Outcome]{Mobile: OutcomeAdded}, sms: SmsEnabled}},
		{"all three phones", graphsim.Knobs{}, "userPrincipalName,mobile,alternateMobile,office\nnew@contoso.com,+12065550100,+1 (206) 555-0101,+1 425 555 0102 ext. 7\n", nil,
			expect{status: StatusSucceeded, phones: Phones[Outcome]{Mobile: OutcomeAdded, AlternateMobile: OutcomeAdded, Office: OutcomeAdded}, sms: SmsAlreadyEnabled}},
		{"same number exists", graphsim.Knobs{}, "userPrincipalName,mobile\nhas.mobile@contoso.com,+1 206 555 0199\n", nil,
			expect{status: StatusSucceeded, phones: Phones[Outcome]{Mobile: OutcomeExists}, sms: SmsAlreadyEnabled}},
		{"other number: conflict", graphsim.Knobs{}, "userPrincipalName,mobile,office\nhas.mobile@contoso.com,+1 206 555 0100,+1 425 555 0102\n", nil,
			expect{status: StatusFailed, phones: Phones[Outcome]{Mobile: OutcomeConflict}, errHas: "--on-existing"}},
		{"other number: kept", graphsim.Knobs{}, "userPrincipalName,mobile,office\nhas.mobile@contoso.com,+1 206 555 0100,+1 425 555 0102\n", func(c *Config) { c.OnExisting = ExistingSkip },
			expect{status: StatusSucceeded, phones: Phones[Outcome]{Mobile: OutcomeKept, Office: OutcomeAdded}}},
		{"other number: updated", graphsim.Knobs{}, "userPrincipalName,mobile\nhas.mobile@contoso.com,+1 206 555 0100\n", func(c *Config) { c.OnExisting = ExistingUpdate },
			expect{status: StatusSucceeded, phones: Phones[Outcome]{Mobile: OutcomeUpdated}, sms: SmsEnabled, previous: "mobile=" + seedMobile}},
		{"policy disallows SMS sign-in", graphsim.Knobs{}, "userPrincipalName,mobile\nnosms@contoso.com,+1 206 555 0100\n", nil,
			expect{status: StatusPartial, phones: Phones[Outcome]{Mobile: OutcomeAdded}, sms: SmsNotAllowedByPolicy, errHas: "policy"}},
		{"number is another user's sign-in", graphsim.Knobs{}, "userPrincipalName,mobile\ndup@contoso.com,+1 425 555 0102\n", nil,
			expect{status: StatusPartial, phones: Phones[Outcome]{Mobile: OutcomeAdded}, sms: SmsNumberNotUnique, errHas: "another user"}},
		{"409 phoneNumberNotUnique yet created", graphsim.Knobs{NotUniqueConflict: true}, "userPrincipalName,mobile\ndup@contoso.com,+1 425 555 0102\n", nil,
			expect{status: StatusPartial, phones: Phones[Outcome]{Mobile: OutcomeAdded}, sms: SmsNumberNotUnique, errHas: "another user"}},
		{"refusal told by code only", graphsim.Knobs{SmsRefusal: graphsim.RefusalCodeOnly}, "userPrincipalName,mobile\nnosms@contoso.com,+1 206 555 0100\n", nil,
			expect{status: StatusPartial, phones: Phones[Outcome]{Mobile: OutcomeAdded}, sms: SmsNotAllowedByPolicy, errHas: "policy"}},
		{"refusal told by state only", graphsim.Knobs{SmsRefusal: graphsim.RefusalStateOnly}, "userPrincipalName,mobile\nmanual@contoso.com,+1 425 555 0102\n", nil,
			expect{status: StatusPartial, phones: Phones[Outcome]{Mobile: OutcomeAdded}, sms: SmsNumberNotUnique, errHas: "another user"}},
		{"refusal told by nothing", graphsim.Knobs{SmsRefusal: graphsim.RefusalSilent}, "userPrincipalName,mobile\nmanual@contoso.com,+1 425 555 0102\n", nil,
			expect{status: StatusPartial, phones: Phones[Outcome]{Mobile: OutcomeAdded}, sms: SmsFailed, errHas: "smsSignIn: 400"}},
		{"create answers 200", graphsim.Knobs{Create200: true, Legacy200: true}, "userPrincipalName,mobile\nmanual@contoso.com,+1 206 555 0100\n", nil,
			expect{status: StatusSucceeded, phones: Phones[Outcome]{Mobile: OutcomeAdded}, sms: SmsEnabled}},
		{"duplicate type answers 409", graphsim.Knobs{DuplicateTypeConflict: true}, "userPrincipalName,mobile\nhas.mobile@contoso.com,+1 206 555 0199\n", nil,
			expect{status: StatusSucceeded, phones: Phones[Outcome]{Mobile: OutcomeExists}, sms: SmsAlreadyEnabled}},
		{"alternateMobile without any mobile", graphsim.Knobs{}, "userPrincipalName,alternateMobile\nnew@contoso.com,+1 206 555 0101\n", nil,
			expect{status: StatusFailed, phones: Phones[Outcome]{AlternateMobile: OutcomeFailed}, errHas: "needs a mobile"}},
		{"alternateMobile to a user with a mobile", graphsim.Knobs{}, "userPrincipalName,alternateMobile\nhas.mobile@contoso.com,+1 206 555 0101\n", nil,
			expect{status: StatusSucceeded, phones: Phones[Outcome]{AlternateMobile: OutcomeAdded}}},
		{"SMS sign-in off by flag", graphsim.Knobs{}, "userPrincipalName,mobile\nmanual@contoso.com,+1 206 555 0100\n", func(c *Config) { c.SmsSignIn = false },
			expect{status: StatusSucceeded, phones: Phones[Outcome]{Mobile: OutcomeAdded}, sms: SmsDisabledByFlag}},
		{"invalid number", graphsim.Knobs{}, "userPrincipalName,mobile\nnew@contoso.com,+1 555\n", nil,
			expect{status: StatusInvalid, errHas: "mobile"}},
		{"dry run: would add", graphsim.Knobs{}, "userPrincipalName,mobile,office\nnew@contoso.com,+1 206 555 0100,+1 425 555 0102\n", func(c *Config) { c.DryRun = true },
			expect{status: StatusPlanned, phones: Phones[Outcome]{Mobile: OutcomeWouldAdd, Office: OutcomeWouldAdd}, sms: SmsWouldEnable}},
		{"dry run: exists and would update", graphsim.Knobs{}, "userPrincipalName,mobile\nhas.mobile@contoso.com,+1 206 555 0100\n", func(c *Config) { c.DryRun = true; c.OnExisting = ExistingUpdate },
			expect{status: StatusPlanned, phones: Phones[Outcome]{Mobile: OutcomeWouldUpdate}, sms: SmsWouldEnable, previous: "mobile=" + seedMobile}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, graphsim.Options{AutoCreateUsers: true, Users: seeds(), Knobs: tc.knobs})
			before := e.srv.Writes()
			sum, err, rows := e.run(t, context.Background(), tc.input, tc.mod)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if len(rows) != 1 {
				t.Fatalf("got %d rows; want 1", len(rows))
			}
			check(t, rows[1], tc.want)
			if sum.Rows != 1 || sum.ByStatus[tc.want.status] != 1 {
				t.Errorf("summary: got rows=%d byStatus=%v", sum.Rows, sum.ByStatus)
			}
			if (tc.want.status == StatusPlanned || tc.want.status == StatusInvalid) && e.srv.Writes() != before {
				t.Errorf("got %d writes to Graph; want none", e.srv.Writes()-before)
			}
		})
	}
}

func TestRunUserNotFoundIsRetryable(t *testing.T) {
	e := newEnv(t, graphsim.Options{})
	_, err, rows := e.run(t, context.Background(), "userPrincipalName,mobile\nghost@contoso.com,+1 206 555 0100\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	check(t, rows[1], expect{status: StatusFailed, phones: Phones[Outcome]{Mobile: OutcomeFailed}, retryable: true, errHas: "user not found"})
	if rows[1].RequestID == "" {
		t.Errorf("got no requestId for a Graph refusal")
	}
}

func TestRunHappyPathSendsNoRead(t *testing.T) {
	e := newEnv(t, graphsim.Options{AutoCreateUsers: true, Users: seeds()})
	_, err, _ := e.run(t, context.Background(), "userPrincipalName,mobile,office\nmanual@contoso.com,+1 206 555 0100,+1 425 555 0102\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.srv.Count(graphsim.RouteList, -1) + e.srv.Count(graphsim.RouteGet, -1); got != 0 {
		t.Errorf("got %d reads; want none on the happy path", got)
	}
	if got, want := e.srv.Count(graphsim.RouteCreate, 201), 2; got != want {
		t.Errorf("got %d creates; want %d", got, want)
	}
	if got, want := e.srv.Count(graphsim.RouteEnableSms, 204), 1; got != want {
		t.Errorf("got %d enables; want %d", got, want)
	}
}

func TestRunRerunSendsNoWrite(t *testing.T) {
	e := newEnv(t, graphsim.Options{AutoCreateUsers: true, Users: seeds()})
	input := "userPrincipalName,mobile\na@contoso.com,+1 206 555 0100\nb@contoso.com,+1 206 555 0101\nnosms@contoso.com,+1 206 555 0102\nbad@contoso.com,12\n"
	if _, err, _ := e.run(t, context.Background(), input, nil); err != nil {
		t.Fatal(err)
	}
	writes, reqs := e.srv.Writes(), len(e.srv.Requests())
	sum, err, rows := e.run(t, context.Background(), input, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := e.srv.Writes() - writes; got != 0 {
		t.Errorf("got %d writes on a rerun of a finished file; want 0", got)
	}
	if got := len(e.srv.Requests()) - reqs; got != 0 {
		t.Errorf("got %d requests on a rerun; want 0", got)
	}
	if sum.Skipped != 4 || len(rows) != 4 {
		t.Errorf("got skipped=%d rows=%d; want 4 and 4", sum.Skipped, len(rows))
	}
	// --retry-failed redoes the partial and the invalid row, not the others.
	sum, err, _ = e.run(t, context.Background(), input, func(c *Config) { c.RetryFailed = true })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Processed != 2 || sum.Skipped != 2 {
		t.Errorf("--retry-failed: got processed=%d skipped=%d; want 2 and 2", sum.Processed, sum.Skipped)
	}
	// A changed row (new key) is redone.
	sum, err, rows = e.run(t, context.Background(), strings.Replace(input, "+1 206 555 0101", "+1 206 555 0111", 1), func(c *Config) { c.OnExisting = ExistingUpdate })
	if err != nil {
		t.Fatal(err)
	}
	if sum.Processed != 1 || rows[2].Phones.Mobile != OutcomeUpdated {
		t.Errorf("changed row: got processed=%d row2=%+v; want 1 and updated", sum.Processed, rows[2])
	}
}

func TestRunSameUserRowsRunInOrderOneAtATime(t *testing.T) {
	e := newEnv(t, graphsim.Options{AutoCreateUsers: true, Knobs: graphsim.Knobs{LatencyBase: 2 * time.Millisecond, LatencyJitter: 2 * time.Millisecond, Seed: 7}})
	var b strings.Builder
	b.WriteString("userPrincipalName,mobile,office\n")
	for i := range 40 {
		// Rows of "same" alternate with other users; each same row sets a new
		// office number, so order shows in the final state.
		fmt.Fprintf(&b, "Same@contoso.com,+1 206 555 0100,+1 425 555 %04d\n", 1000+i)
		fmt.Fprintf(&b, "other%d@contoso.com,+1 206 555 %04d\n", i, 2000+i)
	}
	_, err, rows := e.run(t, context.Background(), b.String(), func(c *Config) { c.Workers = 16; c.OnExisting = ExistingUpdate })
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 80 {
		t.Fatalf("got %d rows; want 80", len(rows))
	}
	ms, _ := e.srv.Methods("same@contoso.com")
	office, _ := graphclient.Find(toClient(ms), graphclient.Office)
	if got, want := office.PhoneNumber, "+1 4255551039"; got != want {
		t.Errorf("same user's office after the run: got %q; want %q (the last row's)", got, want)
	}
	// The requests for the user never overlapped.
	var spans [][2]time.Time
	for _, r := range e.srv.Requests() {
		if strings.Contains(strings.ToLower(r.Path), "/users/same@contoso.com/") {
			spans = append(spans, [2]time.Time{r.Time, r.Time.Add(r.Duration)})
		}
	}
	slices.SortFunc(spans, func(a, b [2]time.Time) int { return a[0].Compare(b[0]) })
	for i := 1; i < len(spans); i++ {
		if spans[i][0].Before(spans[i-1][1]) {
			t.Fatalf("requests for the same user overlapped: %v and %v", spans[i-1], spans[i])
		}
	}
}

func toClient(ms []graphsim.PhoneMethod) []graphclient.PhoneMethod {
	out := make([]graphclient.PhoneMethod, len(ms))
	for i, m := range ms {
		out[i] = graphclient.PhoneMethod{ID: m.ID, PhoneNumber: m.PhoneNumber, PhoneType: graphclient.PhoneType(m.PhoneType), SmsSignInState: graphclient.SmsSignInState(m.SmsSignInState)}
	}
	return out
}

// bigInput is n users, each with a mobile and an office phone.
func bigInput(n int) string {
	var b strings.Builder
	b.WriteString("userPrincipalName,mobile,office\n")
	for i := range n {
		fmt.Fprintf(&b, "user%d@contoso.com,+1 206 55%05d,+1 425 55%05d\n", i, i, i)
	}
	return b.String()
}

// checkState checks that every user of bigInput(n) has exactly its two phones,
// mobile ready for SMS sign-in.
func checkState(t *testing.T, srv *graphsim.Server, n int) {
	t.Helper()
	for i := range n {
		ms, ok := srv.Methods(fmt.Sprintf("user%d@contoso.com", i))
		if !ok || len(ms) != 2 {
			t.Fatalf("user%d: got methods %+v; want a mobile and an office phone", i, ms)
		}
		if ms[0].PhoneNumber != fmt.Sprintf("+1 20655%05d", i) || ms[0].SmsSignInState != graphsim.StateReady || ms[1].PhoneNumber != fmt.Sprintf("+1 42555%05d", i) {
			t.Fatalf("user%d: got %+v", i, ms)
		}
	}
}

func TestRunSurvivesFaultsAndThrottling(t *testing.T) {
	const n = 100
	e := newEnv(t, graphsim.Options{AutoCreateUsers: true, Knobs: graphsim.Knobs{
		Fault503: 0.05, FaultReset: 0.03, FaultAmbiguous: 0.04,
		ThrottleRate: 200, ThrottleBurst: 10, FractionalRetryAfter: true, Seed: 42,
	}})
	sum, err, rows := e.run(t, context.Background(), bigInput(n), func(c *Config) { c.Workers = 8 })
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		r := rows[i]
		if r.Status != StatusSucceeded {
			t.Errorf("row %d: got %s %q; want succeeded", i, r.Status, r.Error)
		}
	}
	if sum.ByStatus[StatusSucceeded] != n {
		t.Errorf("summary: got %v", sum.ByStatus)
	}
	checkState(t, e.srv, n)
	faults := map[string]int{}
	for _, r := range e.srv.Requests() {
		faults[r.Fault]++
	}
	t.Logf("faults injected: %v; client: %+v", faults, e.client.Stats())
}

func TestRunInterruptAndResume(t *testing.T) {
	const n = 120
	e := newEnv(t, graphsim.Options{AutoCreateUsers: true, Knobs: graphsim.Knobs{LatencyBase: time.Millisecond, FaultAmbiguous: 0.05, Seed: 3}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once atomic.Bool
	sum, err, rows := e.run(t, ctx, bigInput(n), func(c *Config) {
		c.Progress = func(p Progress) {
			if p.Done >= 30 && once.CompareAndSwap(false, true) {
				cancel()
			}
		}
	})
	if err != context.Canceled {
		t.Fatalf("got %v; want context.Canceled", err)
	}
	if !sum.Interrupted || len(rows) >= n || len(rows) < 30 {
		t.Fatalf("got interrupted=%v rows=%d; want an interrupted run with 30..%d rows", sum.Interrupted, len(rows), n-1)
	}
	// Tear the last line, as a crash mid-write would.
	path := filepath.Join(e.dir, "in.results.csv")
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("999,user999@contoso.com,succ")
	f.Close()

	sum, err, rows = e.run(t, context.Background(), bigInput(n), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != n || sum.ByStatus[StatusSucceeded] != n {
		t.Fatalf("after resume: got %d rows, %v; want %d succeeded", len(rows), sum.ByStatus, n)
	}
	if sum.DroppedLines != 1 {
		t.Errorf("got %d dropped lines; want the torn one", sum.DroppedLines)
	}
	checkState(t, e.srv, n)
	// No phone was created twice: every create beyond the first per method was
	// refused as a duplicate, never applied.
	applied := map[string]int{}
	for _, r := range e.srv.Requests() {
		if r.Route == graphsim.RouteCreate && r.Applied {
			applied[r.Path]++
		}
	}
	for p, c := range applied {
		if c != 2 {
			t.Errorf("%s: got %d applied creates; want 2 (mobile and office, once each)", p, c)
		}
	}
}

func TestRunFormulaGuardAndFileMode(t *testing.T) {
	e := newEnv(t, graphsim.Options{AutoCreateUsers: true})
	_, err, rows := e.run(t, context.Background(), "userPrincipalName,mobile\n=HYPERLINK(\"x\"),\n@evil,+1 206 555 0100\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(e.dir, "in.results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "'=HYPERLINK") || !strings.Contains(string(b), "'@evil") {
		t.Errorf("formula cells not guarded:\n%s", b)
	}
	if rows[1].User != `=HYPERLINK("x")` {
		t.Errorf("got user %q; want the guard undone on reading", rows[1].User)
	}
	fi, _ := os.Stat(filepath.Join(e.dir, "in.results.csv"))
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("got mode %v; want 0600", fi.Mode().Perm())
	}
}

// BenchmarkRunEmulator measures rows/s end to end against the in-process
// emulator with no throttle: CSV → pool → TLS/HTTP2 → graphsim → result file.
func BenchmarkRunEmulator(b *testing.B) {
	srv, err := graphsim.NewServer(graphsim.Options{AutoCreateUsers: true})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	client := simGraphClient(b, srv, graphclient.Config{})
	const rowsPerOp = 2000
	dir := b.TempDir()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		var in strings.Builder
		in.WriteString("userPrincipalName,mobile,office\n")
		for k := range rowsPerOp {
			fmt.Fprintf(&in, "b%d-%d@contoso.com,+1 206 55%05d,+1 425 55%05d\n", i, k, k, k)
		}
		_, err := Run(context.Background(), client, Config{
			Input: strings.NewReader(in.String()), Out: filepath.Join(dir, fmt.Sprintf("r%d.csv", i)),
			SmsSignIn: true, Workers: 32,
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*rowsPerOp)/time.Since(start).Seconds(), "rows/s")
}
