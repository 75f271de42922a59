package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phonereg/phonereg/pipeline"
)

// TestUndoAfterKillsMidUpdate: a run replacing every user's numbers is
// SIGKILLed again and again while updates are in flight; undo, straight from
// the journal the last kill left, puts every user's old numbers back. A PATCH
// that reached Graph before the kill whose answer was never recorded would
// leave a user changed, had the run not recorded the old number first.
func TestUndoAfterKillsMidUpdate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	const users = 150
	var seed, in strings.Builder
	seed.WriteString("userPrincipalName,mobile,office\n")
	in.WriteString("userPrincipalName,mobile,office\n")
	oldMobile := func(i int) string { return fmt.Sprintf("+1 20655%05d", i) }
	oldOffice := func(i int) string { return fmt.Sprintf("+1 42555%05d", i) }
	for i := range users {
		fmt.Fprintf(&seed, "u%d@contoso.com,%s,%s\n", i, oldMobile(i), oldOffice(i))
		fmt.Fprintf(&in, "u%d@contoso.com,+1 312 55%05d,+1 646 55%05d\n", i, i, i)
	}
	seeds := writeFile(t, dir, "seed.csv", seed.String())
	input := writeFile(t, dir, "in.csv", in.String())
	senv, env := startSimProcess(t, bin, filepath.Join(dir, "sim"), "--users", seeds, "--latency", "15ms", "--latency-jitter", "10ms", "--seed", "5")
	out := filepath.Join(dir, "in.results.csv")
	run := []string{"run", "--auth", "secret", "--in", input, "--out", out, "--on-existing", "update", "--sms-sign-in=false",
		"--workers", "8", "--rate", "300", "--progress", "none", "--log-format", "json"}

	rng := rand.New(rand.NewPCG(3, 4))
	for k := range 6 {
		cmd := exec.Command(bin, run...)
		cmd.Env = env
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(200+rng.IntN(600)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		t.Logf("kill %d: the result file has %d lines", k+1, len(readResultFile(t, out)))
	}
	changed, inFlight := 0, 0
	last := map[int]pipeline.Result{}
	for _, r := range readResultFile(t, out) {
		last[r.Row] = r
	}
	for _, u := range readSimState(t, senv).users {
		var i int
		fmt.Sscanf(u.UserPrincipalName, "u%d@contoso.com", &i)
		if len(u.Methods) > 0 && u.Methods[0].PhoneNumber != oldMobile(i) {
			changed++
			if r, ok := last[i+1]; ok && r.Status == pipeline.StatusFailed && r.Previous != "" {
				inFlight++
			}
		}
	}
	t.Logf("before undo: %d users changed, %d of them by an update whose answer the kill lost", changed, inFlight)
	if changed == 0 {
		t.Fatal("no update reached the emulator before the kills: the test proves nothing")
	}

	cmd := exec.Command(bin, "undo", "--auth", "secret", "--in", input, "--results", out, "--workers", "8", "--rate", "300", "--progress", "none", "--log-format", "json")
	cmd.Env = env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("undo: %v\n%s", err, stderr.String())
	}
	for _, u := range readSimState(t, senv).users {
		var i int
		fmt.Sscanf(u.UserPrincipalName, "u%d@contoso.com", &i)
		m := u.Methods
		if len(m) != 2 || m[0].PhoneNumber != oldMobile(i) || m[1].PhoneNumber != oldOffice(i) {
			t.Errorf("%s after undo: got %+v; want %s and %s back", u.UserPrincipalName, m, oldMobile(i), oldOffice(i))
		}
	}
	if _, err := os.Stat(out + ".bak"); err == nil {
		t.Errorf("undo left %s.bak: it must not touch the run's file", out)
	}
}
