package pipeline

import (
	"context"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/phonereg/phonereg/graphclient"
	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// TestRunSmsUnavailableInCloud: where the cloud offers no enableSmsSignIn
// (China), run sends none; a row with a mobile succeeds with
// unavailable-in-cloud, or disabled-by-flag when the flag turned the step
// off; a dry run plans the same.
func TestRunSmsUnavailableInCloud(t *testing.T) {
	const input = "userPrincipalName,mobile,office\nmanual@contoso.com,+1 206 555 0100,+1 425 555 0102\n"
	added := Phones[Outcome]{Mobile: OutcomeAdded, Office: OutcomeAdded}
	tests := []struct {
		name string
		mod  func(*Config)
		want expect
	}{
		{"SMS sign-in wanted", func(c *Config) { c.SmsUnavailable = true },
			expect{status: StatusSucceeded, phones: added, sms: SmsUnavailableInCloud}},
		{"off by flag too", func(c *Config) { c.SmsUnavailable, c.SmsSignIn = true, false },
			expect{status: StatusSucceeded, phones: added, sms: SmsDisabledByFlag}},
		{"dry run", func(c *Config) { c.SmsUnavailable, c.DryRun = true, true },
			expect{status: StatusPlanned, phones: Phones[Outcome]{Mobile: OutcomeWouldAdd, Office: OutcomeWouldAdd}, sms: SmsUnavailableInCloud}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, graphsim.Options{AutoCreateUsers: true, Users: seeds()})
			sum, err, rows := e.run(t, context.Background(), input, tc.mod)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			check(t, rows[1], tc.want)
			if n := e.srv.Count(graphsim.RouteEnableSms, -1); n != 0 {
				t.Errorf("got %d enableSmsSignIn requests; want none", n)
			}
			if got := sum.Outcomes["smsSignIn"][string(tc.want.sms)]; got != 1 {
				t.Errorf("summary smsSignIn outcomes %v; want one %s", sum.Outcomes["smsSignIn"], tc.want.sms)
			}
		})
	}
}

// TestResumeSmsUnavailableInCloud: a row that finished without SMS sign-in
// because the cloud lacks it is done for the next run in that cloud, with
// or without the flag; a run that can take the step (another cloud) redoes
// it and enables SMS sign-in, as it does a disabled-by-flag row.
func TestResumeSmsUnavailableInCloud(t *testing.T) {
	e := newEnv(t, graphsim.Options{AutoCreateUsers: true, Users: seeds()})
	const input = "userPrincipalName,mobile\nmanual@contoso.com,+1 206 555 0100\n"
	china := func(c *Config) { c.SmsUnavailable = true }
	if _, err, rows := e.run(t, context.Background(), input, china); err != nil || rows[1].SmsSignIn != SmsUnavailableInCloud {
		t.Fatalf("first run: %v, %+v; want unavailable-in-cloud", err, rows[1])
	}
	for name, mod := range map[string]func(*Config){
		"again in the cloud":             china,
		"again with SMS sign-in off":     func(c *Config) { c.SmsUnavailable, c.SmsSignIn = true, false },
		"another cloud, SMS sign-in off": func(c *Config) { c.SmsSignIn = false },
	} {
		sum, err, _ := e.run(t, context.Background(), input, mod)
		if err != nil || sum.Processed != 0 || sum.Skipped != 1 {
			t.Errorf("%s: got %v, processed %d skipped %d; want the row skipped", name, err, sum.Processed, sum.Skipped)
		}
	}
	sum, err, rows := e.run(t, context.Background(), input, nil)
	if err != nil || sum.Processed != 1 {
		t.Fatalf("where SMS sign-in is available: got %v, processed %d; want the row redone", err, sum.Processed)
	}
	check(t, rows[1], expect{status: StatusSucceeded, phones: Phones[Outcome]{Mobile: OutcomeExists}, sms: SmsEnabled})
}

// refusingGraph is graphsim's Graph through the real client, except that
// enableSmsSignIn answers err: what Graph may answer once SMS sign-in is
// retired (not documented).
type refusingGraph struct {
	*graphclient.Client
	err     error
	enables atomic.Int32
}

func (g *refusingGraph) EnableSmsSignIn(context.Context, string) error {
	g.enables.Add(1)
	return g.err
}

// TestRunSmsRefusalIsTheStepsOutcome: whatever Graph answers to
// enableSmsSignIn (after the retirement of 1 February 2027 that is not
// documented), a refusal is the SMS step's outcome: sent once, never
// retried, the row partial and not retryable, the phones added and kept.
func TestRunSmsRefusalIsTheStepsOutcome(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusGone, http.StatusNotImplemented} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			e := newEnv(t, graphsim.Options{AutoCreateUsers: true, Users: seeds()})
			g := &refusingGraph{Client: e.client, err: &graphclient.Error{StatusCode: status, Code: "retired", Message: "SMS sign-in is retired."}}
			cfg := Config{
				Input: strings.NewReader("userPrincipalName,mobile,office\nmanual@contoso.com,+1 206 555 0100,+1 425 555 0102\n"),
				Out:   filepath.Join(e.dir, "in.results.csv"), SmsSignIn: true, Workers: 2, Now: func() time.Time { return time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC) },
			}
			if _, err := Run(context.Background(), g, cfg); err != nil {
				t.Fatalf("Run: %v", err)
			}
			rows := readResults(t, cfg.Out)
			check(t, rows[1], expect{status: StatusPartial, phones: Phones[Outcome]{Mobile: OutcomeAdded, Office: OutcomeAdded}, sms: SmsFailed, errHas: "smsSignIn: " + strconv.Itoa(status) + " retired"})
			if n := g.enables.Load(); n != 1 {
				t.Errorf("got %d enableSmsSignIn calls; want 1 (a refusal is not retried)", n)
			}
			if ms, _ := e.srv.Methods("manual@contoso.com"); len(ms) != 2 {
				t.Errorf("graphsim holds %+v; want the mobile and the office kept", ms)
			}
		})
	}
}

// TestUndoSmsUnavailableInCloud: where the cloud offers no
// disableSmsSignIn (China), undo sends none: a mobile the run enabled and
// that stays is left as it is, unavailable-in-cloud with a note, and the row
// is partial (a step is left undone), in a dry run too. A mobile undo removes
// takes its SMS sign-in with it: the row succeeds.
func TestUndoSmsUnavailableInCloud(t *testing.T) {
	mobile := graphclient.PhoneMethod{ID: graphclient.MobileMethodID, PhoneType: graphclient.Mobile, PhoneNumber: nA, SmsSignInState: graphclient.SmsReady}
	tests := []struct {
		name   string
		line   Result
		dryRun bool
		want   expect
	}{
		{"mobile stays", Result{Phones: Phones[Outcome]{Mobile: OutcomeExists}, SmsSignIn: SmsEnabled}, false,
			expect{status: StatusPartial, sms: SmsUnavailableInCloud, errHas: "disableSmsSignIn is not available in this cloud"}},
		{"mobile stays, dry run", Result{Phones: Phones[Outcome]{Mobile: OutcomeExists}, SmsSignIn: SmsEnabled}, true,
			expect{status: StatusPartial, sms: SmsUnavailableInCloud, errHas: "not available"}},
		{"mobile removed", Result{Phones: Phones[Outcome]{Mobile: OutcomeAdded}, SmsSignIn: SmsEnabled}, false,
			expect{status: StatusSucceeded, phones: Phones[Outcome]{Mobile: OutcomeRemoved}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := &fakeUndoGraph{methods: []graphclient.PhoneMethod{mobile}}
			u := &undoer{g: g, smsUnavailable: true, dryRun: tc.dryRun, now: time.Now}
			row := Row{Num: 1, User: "u@contoso.com", Key: "0123456789abcdef", Phones: Phones[string]{Mobile: nA}}
			a := &undoAttempt{row: row, res: Result{Row: 1, User: row.User, Key: row.Key, FinishedAt: time.Now()}}
			must(t, u.undo(context.Background(), a, tc.line, true))
			a.finish(tc.dryRun)
			check(t, a.res, tc.want)
			for _, c := range g.calls {
				if c == "disable" {
					t.Errorf("got calls %v; want no disable", g.calls)
				}
			}
		})
	}
}
