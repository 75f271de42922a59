package main

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/phonereg/phonereg/graphclient/graphsim"
	"github.com/phonereg/phonereg/pipeline"
)

// fakeTTY is a stderr that says it is a terminal, the way cli/cli's tests
// set a stream's TTY-ness: the command then draws its progress bar into it.
type fakeTTY struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (f *fakeTTY) IsTerminal() bool { return true }
func (f *fakeTTY) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.b.Write(p)
}
func (f *fakeTTY) String() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.b.String()
}

// bars are the bar's drawings in what a fake terminal received, in order.
func bars(s string) []string {
	var out []string
	for _, part := range strings.Split(s, "\r\033[K")[1:] {
		if line, _, _ := strings.Cut(part, "\n"); strings.Contains(line, " rows") {
			out = append(out, line)
		}
	}
	return out
}

func TestProgressLine(t *testing.T) {
	start := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	now := start
	p := &progress{total: 2000, start: start, now: func() time.Time { return now }}
	tests := []struct {
		after time.Duration
		pr    pipeline.Progress
		want  string
	}{
		{0, pipeline.Progress{}, "[                    ] 0/2000 rows · 0 failed, 0 invalid · starting · pace -"},
		// Rows an earlier run finished are shown apart: not done now, not
		// to do, and no part of the rate.
		{time.Second, pipeline.Progress{Skipped: 1720}, "[                    ] 0/280 rows (+1720 finished earlier) · 0 failed, 0 invalid · starting · pace -"},
		{2 * time.Minute, pipeline.Progress{Done: 140, Failed: 4, Invalid: 1, Skipped: 1720},
			"[==========          ] 140/280 rows (+1720 finished earlier) · 4 failed, 1 invalid · 1.2 rows/s · pace - · ETA 2m0s"},
		{2 * time.Hour, pipeline.Progress{Done: 60}, "[                    ] 60/2000 rows · 0 failed, 0 invalid · 0.5 rows/min · pace - · ETA 64h40m0s"},
	}
	for _, tc := range tests {
		now = start.Add(tc.after)
		if got := p.line(tc.pr); got != tc.want {
			t.Errorf("after %s, %+v:\n got %q\nwant %q", tc.after, tc.pr, got, tc.want)
		}
	}
	p.total = 0 // a pipe: no total, no ETA
	if got, want := p.line(pipeline.Progress{Done: 5, Failed: 1}), "5 rows · 1 failed, 0 invalid · 0.0 rows/min · pace -"; !strings.HasPrefix(got, "5 rows · 1 failed") {
		t.Errorf("no total: got %q; want like %q", got, want)
	}
}

// The bar through the command, on a fake terminal (issue 12): an interrupted
// run's bar stays where the run stopped, and the resumed run's bar counts
// only the rows left, with those finished earlier shown apart.
func TestProgressBarThroughTheCommand(t *testing.T) {
	st := simEnv(t, graphsim.Options{AutoCreateUsers: true, Knobs: graphsim.Knobs{LatencyBase: 30 * time.Millisecond}})
	dir := t.TempDir()
	var in strings.Builder
	in.WriteString("userPrincipalName,mobile\n")
	const rows = 120
	for i := range rows {
		fmt.Fprintf(&in, "p%d@contoso.com,+1 206 555 %04d\n", i, i)
	}
	input := writeFile(t, dir, "in.csv", in.String())
	args := []string{"run", "--auth", "secret", "--in", input, "--rate", "0", "--workers", "2", "--log-format", "console", "--progress", "bar"}
	var stderr string
	runTTY := func(ctx context.Context) (int, []string) {
		tty := &fakeTTY{}
		err := execute(ctx, args, deps{stdin: strings.NewReader(""), stdout: &bytes.Buffer{}, stderr: tty,
			getenv: func(k string) string { return st.env[k] }, rootCAs: st.srv.CertPool()})
		stderr = tty.String()
		return exitCode(err), bars(stderr)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(700*time.Millisecond, cancel)
	code, drawn := runTTY(ctx)
	// The first signal says what happens next.
	if want := regexp.MustCompile(`stopping: finishing [12] rows? in flight, for up to 30s; press Ctrl-C again`); !want.MatchString(stderr) {
		t.Errorf("interrupted run's stderr lacks %q:\n%s", want, stderr)
	}
	if code != 130 || len(drawn) == 0 {
		t.Fatalf("interrupted run: exit %d, %d bars drawn; want 130 and a bar", code, len(drawn))
	}
	re := regexp.MustCompile(`^\[[= ]{20}\] (\d+)/(\d+) rows`)
	m := re.FindStringSubmatch(drawn[len(drawn)-1])
	if m == nil || m[2] != fmt.Sprint(rows) || m[1] == fmt.Sprint(rows) {
		t.Fatalf("interrupted run's last bar %q: want it to stop short of %d/%d", drawn[len(drawn)-1], rows, rows)
	}
	var done int
	fmt.Sscan(m[1], &done)
	// The summary says what is left and the command that resumes.
	left := regexp.MustCompile(`left: +(\d+) rows not done yet; to resume: phonereg run --auth secret --in \S+in\.csv --rate 0`)
	if lm := left.FindStringSubmatch(stderr); lm == nil || lm[1] != fmt.Sprint(rows-done) {
		t.Errorf("interrupted run's summary: want %q with %d rows left:\n%s", left, rows-done, stderr)
	}

	code, drawn = runTTY(context.Background())
	last := drawn[len(drawn)-1]
	want := fmt.Sprintf("[====================] %d/%d rows (+%d finished earlier) · 0 failed, 0 invalid", rows-done, rows-done, done)
	if code != 0 || !strings.HasPrefix(last, want) {
		t.Errorf("resumed run: exit %d, last bar %q; want exit 0 and it to start %q", code, last, want)
	}
	if first := drawn[0]; !strings.Contains(first, "starting") || strings.Contains(first, "rows/hr") {
		t.Errorf("resumed run's first bar %q: want it to say starting, not a rate", first)
	}
}
