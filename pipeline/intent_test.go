package pipeline

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phonereg/phonereg/graphclient"
	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// crashGraph is the real client, except that right after the last update
// reached Graph it copies the result file as it then stands to image: what
// a SIGKILL at that moment leaves behind (the run's lines are fsynced, so
// what is in the file is what survives). The test's rows end with that
// update, so Graph's state is the state of that moment too.
type crashGraph struct {
	*graphclient.Client
	out, image string
	mu         sync.Mutex
	copyErr    error
}

func (g *crashGraph) UpdatePhoneMethod(ctx context.Context, user, methodID, number string) error {
	err := g.Client.UpdatePhoneMethod(ctx, user, methodID, number)
	g.mu.Lock()
	defer g.mu.Unlock()
	b, rerr := os.ReadFile(g.out)
	if rerr == nil {
		rerr = os.WriteFile(g.image, b, 0o600)
	}
	g.copyErr = rerr
	return err
}

// lastLines reads a result file that may be a journal (several lines a row,
// the last wins).
func lastLines(t *testing.T, path string) map[int]Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rr, err := NewResultReader(f)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]Result{}
	for {
		r, err := rr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out[r.Row] = r
	}
}

// A run killed after an update reached Graph but before its line was written
// must not lose the number it replaced: the line it leaves says so, and the
// resumed run's line still carries it in previous (issue 10).
func TestRunUpdateSurvivesACrashMidUpdate(t *testing.T) {
	const old = "+1 2065550199"
	e := newEnv(t, graphsim.Options{Users: []graphsim.User{
		{UserPrincipalName: "u1@contoso.com", Phones: map[string]string{graphsim.TypeMobile: old, graphsim.TypeOffice: "+1 4255550100"}},
	}})
	input := "userPrincipalName,mobile,office\nu1@contoso.com," + nA + ",+1 4255550199\n"
	out := filepath.Join(e.dir, "in.results.csv")
	g := &crashGraph{Client: e.client, out: out, image: filepath.Join(e.dir, "killed.csv")}
	cfg := Config{
		Input: strings.NewReader(input), Out: out, OnExisting: ExistingUpdate, SmsSignIn: false, Workers: 2,
		Read: InputOptions{Phone: PhoneOptions{DefaultRegion: "US"}},
	}
	if _, err := Run(context.Background(), g, cfg); err != nil {
		t.Fatal(err)
	}
	if g.copyErr != nil {
		t.Fatal(g.copyErr)
	}
	both := "mobile=" + old + ";office=+1 4255550100"
	check(t, readResults(t, out)[1], expect{status: StatusSucceeded,
		phones: Phones[Outcome]{Mobile: OutcomeUpdated, Office: OutcomeUpdated}, sms: SmsDisabledByFlag, previous: both})

	// What the kill during the office's update left: the row's line is the
	// intent written before that update was sent, with the mobile's too.
	killed := lastLines(t, g.image)[1]
	check(t, killed, expect{status: StatusFailed, phones: Phones[Outcome]{Mobile: OutcomeUpdated, Office: OutcomeFailed}, retryable: true,
		previous: both, errHas: "office: the run stopped while replacing"})

	// Undo straight from what the kill left puts both numbers back...
	b, err := os.ReadFile(g.image)
	must(t, err)
	undo := func(results string) Result {
		t.Helper()
		_, err := Undo(context.Background(), e.client, UndoConfig{Results: results, Config: Config{
			Input: strings.NewReader(input), Out: results + ".undo.csv", Workers: 2, Read: cfg.Read}})
		must(t, err)
		return readResults(t, results+".undo.csv")[1]
	}
	check(t, undo(g.image), expect{status: StatusSucceeded, phones: Phones[Outcome]{Mobile: OutcomeRestored, Office: OutcomeRestored}})
	if ms, _ := e.srv.Methods("u1@contoso.com"); len(ms) != 2 || ms[0].PhoneNumber != old || ms[1].PhoneNumber != "+1 4255550100" {
		t.Fatalf("after undo: got %+v; want the old numbers back", ms)
	}
	// ...and so does undo after the killed run was resumed: put the new
	// numbers back as the kill left them, resume, then undo.
	must(t, e.client.UpdatePhoneMethod(context.Background(), "u1@contoso.com", graphclient.Mobile.MethodID(), nA))
	must(t, e.client.UpdatePhoneMethod(context.Background(), "u1@contoso.com", graphclient.Office.MethodID(), "+1 4255550199"))
	resumed := filepath.Join(e.dir, "resumed.csv")
	must(t, os.WriteFile(resumed, b, 0o600))
	cfg.Input, cfg.Out = strings.NewReader(input), resumed
	sum, err := Run(context.Background(), e.client, cfg)
	if err != nil {
		t.Fatal(err)
	}
	check(t, readResults(t, resumed)[1], expect{status: StatusSucceeded,
		phones: Phones[Outcome]{Mobile: OutcomeUpdated, Office: OutcomeUpdated}, sms: SmsDisabledByFlag, previous: both})
	if sum.Processed != 1 || sum.Outcomes["mobile"]["updated"] != 1 {
		t.Errorf("resumed run: processed %d, outcomes %v; want the row redone, its mobile updated", sum.Processed, sum.Outcomes)
	}
	check(t, undo(resumed), expect{status: StatusSucceeded, phones: Phones[Outcome]{Mobile: OutcomeRestored, Office: OutcomeRestored}})
	if ms, _ := e.srv.Methods("u1@contoso.com"); len(ms) != 2 || ms[0].PhoneNumber != old || ms[1].PhoneNumber != "+1 4255550100" {
		t.Errorf("after the resumed run's undo: got %+v; want the old numbers back", ms)
	}
}

func TestParsePrevious(t *testing.T) {
	got := parsePrevious("mobile=+1 2065550100;office=+1 4255550100x12;bogus=1;alternateMobile=;x")
	want := Phones[string]{Mobile: "+1 2065550100", Office: "+1 4255550100x12"}
	if got != want {
		t.Errorf("got %+v; want %+v", got, want)
	}
}

// OnStop says, when the run is asked to stop, how many rows are in flight and
// how long they have (issue 12: the first signal says what happens).
func TestRunOnStopCountsRowsInFlight(t *testing.T) {
	e := newEnv(t, graphsim.Options{AutoCreateUsers: true, Knobs: graphsim.Knobs{LatencyBase: 300 * time.Millisecond}})
	ctx, cancel := context.WithCancel(context.Background())
	var inFlight []int
	var grace time.Duration
	time.AfterFunc(150*time.Millisecond, cancel)
	_, err, _ := e.run(t, ctx, bigInput(50), func(c *Config) {
		c.Workers, c.Grace = 3, 5*time.Second
		c.OnStop = func(n int, g time.Duration) { inFlight, grace = append(inFlight, n), g }
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v; want the run interrupted", err)
	}
	if len(inFlight) != 1 || inFlight[0] != 3 || grace != 5*time.Second {
		t.Errorf("OnStop got %v rows in flight, grace %s; want one call, 3 rows (the workers), 5s", inFlight, grace)
	}
}
