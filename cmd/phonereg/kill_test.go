package main

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/phonereg/phonereg/graphclient/graphsim"
	"github.com/phonereg/phonereg/pipeline"
)

// buildBinary builds phonereg into a temporary folder.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "phonereg")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// readSimEnv waits for sim.env and returns its variables.
func readSimEnv(t *testing.T, path string) map[string]string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(path)
		if err == nil && strings.Count(string(b), "\n") >= 7 {
			env := map[string]string{}
			sc := bufio.NewScanner(strings.NewReader(string(b)))
			for sc.Scan() {
				k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "=")
				if ok {
					env[k] = strings.Trim(v, "'")
				}
			}
			return env
		}
		if time.Now().After(deadline) {
			t.Fatalf("sim.env did not appear: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// startSimProcess starts `phonereg sim` as its own process (stopped at the
// end of the test) and returns sim.env's variables and an environment for
// phonereg processes that talk to it.
func startSimProcess(t *testing.T, bin, stateDir string, args ...string) (map[string]string, []string) {
	t.Helper()
	sim := exec.Command(bin, append([]string{"sim", "--state-dir", stateDir, "--auto-users"}, args...)...)
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sim.Process.Signal(syscall.SIGTERM)
		sim.Wait()
	})
	senv := readSimEnv(t, filepath.Join(stateDir, "sim.env"))
	env := os.Environ()
	for k, v := range senv {
		env = append(env, k+"="+v)
	}
	return senv, env
}

// readResultFile reads a result file through pipeline's codec, failing the
// test on a line that is not a whole result line.
func readResultFile(t *testing.T, path string) []pipeline.Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rr, err := pipeline.NewResultReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var rs []pipeline.Result
	for {
		r, err := rr.Next()
		if err == io.EOF {
			return rs
		}
		if err != nil {
			t.Fatalf("%s: after %d lines: %v", path, len(rs), err)
		}
		rs = append(rs, r)
	}
}

// checkCompacted checks that a result file has one line per row, in order.
func checkCompacted(t *testing.T, path string) int {
	t.Helper()
	rs := readResultFile(t, path)
	last := 0
	for _, r := range rs {
		if r.Row <= last {
			t.Fatalf("row %d after row %d: want one line per row, in order", r.Row, last)
		}
		last = r.Row
	}
	return len(rs)
}

// TestSignals sends SIGINT to the real binary mid-run: it stops taking rows,
// lets those in flight finish, compacts the result file and exits 130; a
// second signal exits at once, and a rerun resumes to the end.
func TestSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and signals the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	_, env := startSimProcess(t, bin, filepath.Join(dir, "sim"), "--latency", "2ms")
	var in strings.Builder
	in.WriteString("userPrincipalName,mobile\n")
	for i := range 400 {
		fmt.Fprintf(&in, "s%d@contoso.com,+1 206 55%05d\n", i, i)
	}
	input := writeFile(t, dir, "in.csv", in.String())
	out := filepath.Join(dir, "in.results.csv")
	args := []string{"run", "--auth", "secret", "--in", input, "--out", out, "--rate", "100", "--progress", "none", "--log-format", "json"}
	start := func() (*exec.Cmd, *strings.Builder) {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &stderr
	}
	exitOf := func(err error) int {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		return 0
	}

	cmd, stderr := start()
	time.Sleep(700 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	if code := exitOf(cmd.Wait()); code != 130 {
		t.Fatalf("after SIGINT: got exit %d; want 130\n%s", code, stderr)
	}
	if !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("no summary saying it was interrupted:\n%s", stderr)
	}
	n := checkCompacted(t, out)
	if n == 0 || n >= 400 {
		t.Fatalf("after SIGINT: %d rows in the result file; want some, not all", n)
	}

	cmd, stderr = start()
	time.Sleep(500 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	time.Sleep(5 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	if code := exitOf(cmd.Wait()); code != 130 {
		t.Fatalf("after two SIGINTs: got exit %d; want 130\n%s", code, stderr)
	}

	cmd, stderr = start()
	if code := exitOf(cmd.Wait()); code != 0 {
		t.Fatalf("resume: got exit %d\n%s", code, stderr)
	}
	if n := checkCompacted(t, out); n != 400 {
		t.Fatalf("after resume: %d rows; want 400", n)
	}
}

// TestKillAndResume kills the real binary with SIGKILL at random moments while
// it runs against a separate `phonereg sim` process with ambiguous writes and
// 503s, then resumes it to completion: every user ends in the intended state,
// the result file has one line per row, and no phone was created twice.
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	senv, env := startSimProcess(t, bin, filepath.Join(dir, "sim"),
		"--latency", "1ms", "--latency-jitter", "2ms", "--fault-ambiguous", "0.03", "--fault-503", "0.03", "--seed", "11")

	const users = 300
	var in strings.Builder
	in.WriteString("userPrincipalName,mobile,office\n")
	for i := range users {
		fmt.Fprintf(&in, "k%d@contoso.com,+1 206 55%05d,+1 425 55%05d\n", i, i, i)
	}
	input := writeFile(t, dir, "in.csv", in.String())
	out := filepath.Join(dir, "in.results.csv")
	args := []string{"run", "--auth", "secret", "--in", input, "--out", out, "--workers", "8", "--rate", "300", "--progress", "none", "--log-format", "json"}

	rng := rand.New(rand.NewPCG(1, 2))
	for k := range 5 {
		cmd := exec.Command(bin, args...)
		cmd.Env = env
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(150+rng.IntN(500)) * time.Millisecond)
		cmd.Process.Kill()
		err := cmd.Wait()
		b, _ := os.ReadFile(out)
		t.Logf("kill %d (%v): the result file has %d lines", k+1, err, strings.Count(string(b), "\n"))
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("final run: %v\n%s", err, stderr.String())
	}

	// The result file: one line per row, in order, all succeeded.
	rs := readResultFile(t, out)
	if len(rs) != users {
		t.Fatalf("got %d result lines; want %d", len(rs), users)
	}
	for i, r := range rs {
		if r.Row != i+1 || r.Status != pipeline.StatusSucceeded {
			t.Fatalf("line %d: got row %d %s; want row %d succeeded", i+2, r.Row, r.Status, i+1)
		}
	}

	// The emulator's state, through its control endpoints.
	st := readSimState(t, senv)
	us := st.users
	if len(us) != users {
		t.Fatalf("got %d users in the emulator; want %d", len(us), users)
	}
	for _, u := range us {
		var i int
		if _, err := fmt.Sscanf(u.UserPrincipalName, "k%d@contoso.com", &i); err != nil {
			t.Fatalf("unexpected user %q", u.UserPrincipalName)
		}
		m := u.Methods
		if len(m) != 2 || m[0].PhoneNumber != fmt.Sprintf("+1 20655%05d", i) || m[0].SmsSignInState != graphsim.StateReady ||
			m[1].PhoneNumber != fmt.Sprintf("+1 42555%05d", i) {
			t.Errorf("%s: got %+v", u.UserPrincipalName, m)
		}
	}
	applied := map[string]int{}
	for _, r := range st.requests {
		if r.Route == graphsim.RouteCreate && r.Applied {
			applied[strings.ToLower(r.Path)]++
		}
	}
	for p, n := range applied {
		if n != 2 {
			t.Errorf("%s: %d creates applied; want 2 (mobile and office, once each)", p, n)
		}
	}
}
