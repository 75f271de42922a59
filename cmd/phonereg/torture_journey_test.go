package main

// The torture test's journeys: one input and one --out, run again and again
// with the same command by processes that are killed, stopped, raced and
// starved of disk (see torture_test.go).

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/phonereg/phonereg/pipeline"
)

// tproc is one phonereg process.
type tproc struct {
	cmd    *exec.Cmd
	stderr string // the file its stderr goes to
	done   chan struct{}
	err    error // cmd.Wait's, once done is closed
	began  time.Time
}

// exited reports whether the process has ended.
func (p *tproc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits up to d for the process to end and returns its exit code (-1
// when a signal ended it); ok is false when it still runs.
func (p *tproc) wait(d time.Duration) (code int, ok bool) {
	select {
	case <-p.done:
	case <-time.After(d):
		return 0, false
	}
	var ee *exec.ExitError
	switch {
	case errors.As(p.err, &ee):
		return ee.ExitCode(), true
	case p.err != nil:
		return -2, true
	}
	return 0, true
}

// tail is the end of the process's stderr, for failure messages.
func (p *tproc) tail() string {
	b, _ := os.ReadFile(p.stderr)
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

// journey is one input and one --out, and the command every process of it
// runs. Not safe for concurrent use.
type journey struct {
	t       *testing.T
	bin     string
	env     []string
	name    string
	args    []string
	out     string
	summary string // --summary-json, outside the tmpfs
	logDir  string
	started int
	durable map[int]bool // rows seen succeeded in the result file
	authed  map[int]bool // rows seen failed with a 401
	fig     *tortureFigures
}

func newJourney(t *testing.T, bin string, env []string, name, in, out, dir string, fig *tortureFigures) *journey {
	logDir := filepath.Join(dir, "logs")
	if err := os.MkdirAll(logDir, 0o700); err != nil {
		t.Fatal(err)
	}
	summary := filepath.Join(logDir, name+".summary.json")
	args := []string{"run", "--auth", "secret", "--in", in, "--out", out, "--rate", tortureRate,
		"--progress", "log", "--log-format", "json", "--summary-json", summary}
	return &journey{t: t, bin: bin, env: env, name: name, args: args, out: out, summary: summary,
		logDir: logDir, durable: map[int]bool{}, authed: map[int]bool{}, fig: fig}
}

// start starts a process with the journey's command; the end of the test
// kills it if it still runs.
func (j *journey) start() *tproc {
	j.t.Helper()
	j.started++
	path := filepath.Join(j.logDir, fmt.Sprintf("%s-%02d.stderr", j.name, j.started))
	f, err := os.Create(path)
	if err != nil {
		j.t.Fatal(err)
	}
	cmd := exec.Command(j.bin, j.args...)
	cmd.Env = j.env
	cmd.Stderr = f
	if err := cmd.Start(); err != nil {
		j.t.Fatal(err)
	}
	p := &tproc{cmd: cmd, stderr: path, done: make(chan struct{}), began: time.Now()}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	j.t.Cleanup(func() {
		if !p.exited() {
			cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// lines counts the lines of the result file, header included.
func (j *journey) lines() int {
	b, _ := os.ReadFile(j.out)
	return strings.Count(string(b), "\n")
}

// killPhase starts the command kills times and SIGKILLs it at a random
// moment: odd kills 0.1 to 3 s in (start-up, the resume's reading of the
// result file, the first rows), even ones 0 to 0.3 s after the result file
// grew by 1 to 40 lines (rows in flight, a group being synced). Each next
// start is the resume.
func (j *journey) killPhase(kills int, rng *rand.Rand) {
	j.t.Helper()
	for k := 1; k <= kills; k++ {
		p := j.start()
		if k%2 == 1 {
			time.Sleep(time.Duration(100+rng.IntN(2900)) * time.Millisecond)
		} else {
			j.waitGrowth(p, j.lines()+1+rng.IntN(40), time.Minute)
			time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
		}
		p.cmd.Process.Kill()
		code, ok := p.wait(time.Minute)
		if !ok {
			j.t.Fatalf("kill %d: the process did not end after SIGKILL", k)
		}
		s := j.afterExit(fmt.Sprintf("kill %d", k))
		if code != -1 {
			j.t.Logf("kill %d: the run had ended on its own (exit %d)", k, code)
			if code != 0 && code != 1 {
				j.t.Errorf("kill %d: a run ended with exit %d before the kill; want it running\n%s", k, code, p.tail())
			}
			return
		}
		j.fig.kills++
		j.t.Logf("kill %d after %v: %d result lines (%d torn), %d rows succeeded so far",
			k, time.Since(p.began).Round(time.Millisecond), s.lines, s.torn, len(j.durable))
	}
}

// waitGrowth waits until the result file has n lines, p has ended, or d
// has passed.
func (j *journey) waitGrowth(p *tproc, n int, d time.Duration) {
	for deadline := time.Now().Add(d); j.lines() < n && !p.exited() && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
}

// termPhase starts the command terms times and sends SIGTERM 1 to 5 s in: the
// run must exit 130 and leave a compacted result file (one line per row, in
// input order), then the next start resumes.
func (j *journey) termPhase(terms int, rng *rand.Rand) {
	j.t.Helper()
	for i := 1; i <= terms; i++ {
		p := j.start()
		time.Sleep(time.Duration(1000+rng.IntN(4000)) * time.Millisecond)
		p.cmd.Process.Signal(syscall.SIGTERM)
		code, ok := p.wait(3 * time.Minute)
		if !ok {
			j.t.Fatalf("SIGTERM %d: still running 3 minutes after it\n%s", i, p.tail())
		}
		j.afterExit(fmt.Sprintf("SIGTERM %d", i))
		if code == 0 || code == 1 {
			j.t.Logf("SIGTERM %d: the run had finished before it (exit %d)", i, code)
			return
		}
		if code != 130 {
			j.t.Errorf("SIGTERM %d: got exit %d; want 130\n%s", i, code, p.tail())
			continue
		}
		n := checkCompacted(j.t, j.out)
		if !strings.Contains(p.tail(), "interrupted") {
			j.t.Errorf("SIGTERM %d: no summary saying the run was interrupted\n%s", i, p.tail())
		}
		j.fig.terms++
		j.t.Logf("SIGTERM %d: exit 130, compacted result file of %d rows", i, n)
	}
}

// finalRun runs the command to the end. A row whose retries ran out fails
// retryable (SPEC §3) and exits 1; the contract is that a resume retries it,
// so then the command runs again, up to three times. Anything else must
// exit 0.
func (j *journey) finalRun() {
	j.t.Helper()
	for run := 1; ; run++ {
		p := j.start()
		code, ok := p.wait(2 * time.Hour)
		if !ok {
			j.t.Fatalf("%s: the final run did not end in 2 hours", j.name)
		}
		s := j.afterExit(fmt.Sprintf("%s: final run %d", j.name, run))
		if code == 0 {
			return
		}
		retry := j.retryable(s)
		if code != 1 || run > 3 || retry == 0 {
			j.t.Errorf("%s: final run %d: got exit %d; want 0\n%s", j.name, run, code, p.tail())
			return
		}
		j.fig.retried += retry
	}
}

// retryable logs the rows of s that did not succeed and returns how many
// there are, or 0 when one of them is not retryable.
func (j *journey) retryable(s scanned) int {
	n, final := 0, false
	for _, r := range s.last {
		if r.Status == pipeline.StatusSucceeded {
			continue
		}
		n++
		final = final || !r.Retryable
		j.t.Logf("%s: row %d %s (retryable %v): %s", j.name, r.Row, r.Status, r.Retryable, r.Error)
	}
	if final {
		return 0
	}
	return n
}

// lockPhase: while a run works on --out, a second run of the same command
// must be refused at once: exit 2, its message naming the first run's pid.
// Then the first is stopped and the journey resumed to the end.
func (j *journey) lockPhase() {
	j.t.Helper()
	first := j.start()
	j.waitGrowth(first, 2, 2*time.Minute)
	if first.exited() || j.lines() < 2 {
		j.t.Fatalf("lock: the first run wrote no row\n%s", first.tail())
	}
	pid := first.cmd.Process.Pid
	second := j.start()
	code, ok := second.wait(15 * time.Second)
	msg := second.tail()
	switch {
	case !ok:
		second.cmd.Process.Kill()
		second.wait(time.Minute)
		j.fig.lock = fmt.Sprintf("FAILED: a second run on the same --out ran alongside pid %d for 15 s", pid)
		j.t.Errorf("lock: a second run on the same --out was not refused: it ran alongside the first (pid %d) for 15 s until killed; want exit 2 naming pid %d", pid, pid)
	case code != 2 || !strings.Contains(msg, "pid") || !strings.Contains(msg, strconv.Itoa(pid)):
		j.fig.lock = fmt.Sprintf("FAILED: exit %d", code)
		j.t.Errorf("lock: second run: got exit %d; want exit 2 and a message naming pid %d\n%s", code, pid, msg)
	default:
		j.fig.lock = fmt.Sprintf("refused with exit 2 naming pid %d", pid)
	}
	first.cmd.Process.Signal(syscall.SIGTERM)
	if code, ok := first.wait(3 * time.Minute); !ok || code != 130 && code != 0 {
		j.t.Errorf("lock: the first run after SIGTERM: exit %d (ended: %v); want 130\n%s", code, ok, first.tail())
	}
	j.afterExit("lock: first run stopped")
	j.finalRun()
}
