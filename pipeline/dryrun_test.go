package pipeline

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// graphRoutes are the request log's routes that are Graph's (the others are
// the identity service's: token, discovery).
var graphRoutes = map[string]bool{
	graphsim.RouteList: true, graphsim.RouteGet: true, graphsim.RouteCreate: true, graphsim.RouteUpdate: true,
	graphsim.RouteDelete: true, graphsim.RouteEnableSms: true, graphsim.RouteDisableSms: true, graphsim.RouteUnknown: true,
}

// onlyGETs fails the test unless every Graph request srv logged is a GET,
// and returns how many there were.
func onlyGETs(t *testing.T, srv *graphsim.Server) int {
	t.Helper()
	n := 0
	for _, r := range srv.Requests() {
		if !graphRoutes[r.Route] {
			continue
		}
		n++
		if r.Method != http.MethodGet {
			t.Errorf("a dry run sent %s %s (%s); want GETs only", r.Method, r.Path, r.Route)
		}
	}
	if srv.Writes() != 0 {
		t.Errorf("the emulator applied %d writes; want none", srv.Writes())
	}
	return n
}

// planFits says how the run's line got differs from what the plan said it
// would do; "" when it does what the plan said. What only Graph's answer to
// a write reveals is the one allowance: whether SMS sign-in on a mobile the
// run adds or changes is refused (the policy's members and the tenant's
// sign-in numbers cannot be read through these endpoints), and whether Graph
// registered it by itself on the add (already-enabled).
func planFits(plan, got Result) string {
	var diffs []string
	for _, step := range []struct {
		name       string
		plan, real Outcome
	}{{"mobile", plan.Phones.Mobile, got.Phones.Mobile}, {"alternateMobile", plan.Phones.AlternateMobile, got.Phones.AlternateMobile}, {"office", plan.Phones.Office, got.Phones.Office}} {
		want := map[Outcome]Outcome{OutcomeWouldAdd: OutcomeAdded, OutcomeWouldUpdate: OutcomeUpdated}[step.plan]
		if want == "" {
			want = step.plan
		}
		if step.real != want {
			diffs = append(diffs, fmt.Sprintf("%s: planned %q, did %q", step.name, step.plan, step.real))
		}
	}
	smsRefused := false
	switch {
	case plan.SmsSignIn == SmsWouldEnable:
		switch got.SmsSignIn {
		case SmsEnabled, SmsAlreadyEnabled:
		case SmsNotAllowedByPolicy, SmsNumberNotUnique:
			smsRefused = true
		default:
			diffs = append(diffs, fmt.Sprintf("smsSignIn: planned %q, did %q", plan.SmsSignIn, got.SmsSignIn))
		}
	case plan.SmsSignIn != got.SmsSignIn:
		diffs = append(diffs, fmt.Sprintf("smsSignIn: planned %q, did %q", plan.SmsSignIn, got.SmsSignIn))
	}
	wantStatus := plan.Status
	if plan.Status == StatusPlanned {
		wantStatus = StatusSucceeded
		if smsRefused {
			wantStatus = StatusPartial
		}
	}
	if got.Status != wantStatus {
		diffs = append(diffs, fmt.Sprintf("status: planned %q, got %q", plan.Status, got.Status))
	}
	if plan.Previous != got.Previous {
		diffs = append(diffs, fmt.Sprintf("previous: planned %q, got %q", plan.Previous, got.Previous))
	}
	return strings.Join(diffs, "; ")
}

// --dry-run, proven (issue 10): it sends nothing but GETs, and what it plans
// is what the run then does, row by row, on the same state and rows, for each
// --on-existing.
func TestDryRunSendsOnlyGETsAndPlansWhatTheRunDoes(t *testing.T) {
	input := strings.Join([]string{
		"userPrincipalName,mobile,alternateMobile,office",
		"new1@contoso.com,+1 206 555 0110,+1 206 555 0111,+1 425 555 0112 x7",
		"has.mobile@contoso.com," + seedMobile + ",,",
		"other@contoso.com,+1 206 555 0120,,+1 425 555 0121",
		"new2@contoso.com,,+1 206 555 0130,",
		"nosms@contoso.com,+1 206 555 0140,,",
		"manual@contoso.com,+1 206 555 0150,,",
		"taken@contoso.com,,,+1 425 555 0160",
		"dup@contoso.com," + nC + ",,",
		"bad@contoso.com,+1 555,,",
		"has.mobile@contoso.com,,,+1 425 555 0170",
		"both@contoso.com,+1 206 555 0180,+1 206 555 0181,",
	}, "\n") + "\n"
	users := append(seeds(),
		graphsim.User{UserPrincipalName: "other@contoso.com", Phones: map[string]string{graphsim.TypeMobile: "+1 2065550198"}},
		graphsim.User{UserPrincipalName: "both@contoso.com", Phones: map[string]string{graphsim.TypeMobile: "+1 2065550197", graphsim.TypeAlternateMobile: "+1 2065550196"}},
	)
	for _, on := range []OnExisting{ExistingFail, ExistingSkip, ExistingUpdate} {
		t.Run(string(on), func(t *testing.T) {
			e := newEnv(t, graphsim.Options{AutoCreateUsers: true, Users: users})
			planSum, err, plan := e.run(t, context.Background(), input, func(c *Config) {
				c.DryRun, c.OnExisting, c.Out = true, on, filepath.Join(e.dir, "in.plan.csv")
			})
			if err != nil {
				t.Fatalf("dry run: %v", err)
			}
			if n := onlyGETs(t, e.srv); n == 0 {
				t.Fatal("the dry run sent no request at all")
			}
			_, err, got := e.run(t, context.Background(), input, func(c *Config) { c.OnExisting = on })
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			if len(plan) != len(got) {
				t.Fatalf("the plan has %d rows, the run %d", len(plan), len(got))
			}
			for n, p := range plan {
				if d := planFits(p, got[n]); d != "" {
					t.Errorf("row %d (%s): %s\n plan %+v\n run  %+v", n, p.User, d, p, got[n])
				}
			}
			// A plan that foresees failures says so in its counts (exit 1).
			if on == ExistingFail && planSum.Failed() == 0 {
				t.Errorf("dry run summary %v: want the planned conflicts counted as failures", planSum.ByStatus)
			}
		})
	}
}

// A plan is not a record of what was done: a real run on the dry run's file
// runs every row, a planned conflict included, and a second dry run resumes
// the first.
func TestRunDoesNotResumeFromAPlan(t *testing.T) {
	e := newEnv(t, graphsim.Options{AutoCreateUsers: true, Users: seeds()})
	input := "userPrincipalName,mobile\nhas.mobile@contoso.com,+1 206 555 0100\nnew@contoso.com,+1 206 555 0101\n"
	dry := func(c *Config) { c.DryRun = true }
	if _, err, rows := e.run(t, context.Background(), input, dry); err != nil || rows[1].Status != StatusFailed || rows[2].Status != StatusPlanned {
		t.Fatalf("dry run: %v, %+v", err, rows)
	}
	sum, err, _ := e.run(t, context.Background(), input, dry)
	if err != nil || sum.Skipped != 1 || sum.Processed != 1 {
		t.Errorf("second dry run: %v, skipped %d processed %d; want the planned conflict kept and the planned row planned again", err, sum.Skipped, sum.Processed)
	}
	sum, err, rows := e.run(t, context.Background(), input, func(c *Config) { c.OnExisting = ExistingUpdate })
	if err != nil || sum.Processed != 2 || sum.Skipped != 0 {
		t.Fatalf("run: %v, processed %d skipped %d; want both rows run", err, sum.Processed, sum.Skipped)
	}
	if rows[1].Phones.Mobile != OutcomeUpdated || rows[2].Phones.Mobile != OutcomeAdded || sum.ForeignLines != 2 {
		t.Errorf("run: rows %+v, foreign lines %d; want the rows done and the plan's lines dropped", rows, sum.ForeignLines)
	}
}

// Two numbers whose masks are alike still read as different in a conflict's
// error (issue 12: "the user already has +1 ******0000, not +1 ******0000").
func TestConflictMessageKeepsNumbersApart(t *testing.T) {
	for _, dry := range []bool{false, true} {
		e := newEnv(t, graphsim.Options{Users: []graphsim.User{
			{UserPrincipalName: "u@contoso.com", Phones: map[string]string{graphsim.TypeMobile: "+1 2065550100"}},
			{UserPrincipalName: "v@contoso.com", Phones: map[string]string{graphsim.TypeMobile: "+1 2065550199"}},
		}})
		input := "userPrincipalName,mobile\nu@contoso.com,+1 425 555 0100\nv@contoso.com,+1 425 555 0100\n"
		_, err, rows := e.run(t, context.Background(), input, func(c *Config) { c.DryRun = dry })
		if err != nil {
			t.Fatal(err)
		}
		if got := rows[1].Error; !strings.Contains(got, "a different number, +1 ******0100, which ends in the same four digits") {
			t.Errorf("dry run %v, row 1: got %q; want it to say the numbers differ", dry, got)
		}
		if got := rows[2].Error; !strings.Contains(got, "the user already has +1 ******0199, not +1 ******0100") {
			t.Errorf("dry run %v, row 2: got %q; want both masks", dry, got)
		}
	}
}
