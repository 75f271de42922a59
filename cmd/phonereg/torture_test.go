package main

// The torture test: the real binary against a `phonereg sim` process with
// throttling, 503s, dropped connections, ambiguous writes and tokens that
// expire every few seconds, killed, stopped, raced and starved of disk on the
// way, and then checked row by row and write by write. It is long, so it runs
// only with PHONEREG_TORTURE=1 (`make torture`); see tortureConfigFromEnv.

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// tortureConfig is the size of a torture run, from the environment.
type tortureConfig struct {
	rows     int   // PHONEREG_TORTURE_ROWS: rows of the main input
	kills    int   // PHONEREG_TORTURE_KILLS: SIGKILLs, each followed by a resume
	terms    int   // PHONEREG_TORTURE_TERMS: SIGTERMs, each followed by a resume
	lockRows int   // rows of the side input the concurrent-run check uses
	seed     int64 // PHONEREG_TORTURE_SEED: the emulator's faults and the kill moments
}

// PHONEREG_TORTURE_KEEP names a folder that a failed torture run copies its
// processes' logs and result files into.

// tortureTokenLifetime is the emulator's access-token lifetime: the final
// run lasts many of them, so the client refreshes its token many times.
const tortureTokenLifetime = 5 * time.Second

func tortureConfigFromEnv(t *testing.T) tortureConfig {
	t.Helper()
	c := tortureConfig{rows: 10_000, kills: 20, terms: 3, lockRows: 400, seed: 1}
	for _, v := range []struct {
		name string
		dst  *int
	}{{"PHONEREG_TORTURE_ROWS", &c.rows}, {"PHONEREG_TORTURE_KILLS", &c.kills}, {"PHONEREG_TORTURE_TERMS", &c.terms}} {
		if s := os.Getenv(v.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				t.Fatalf("%s=%q: want a whole number", v.name, s)
			}
			*v.dst = n
		}
	}
	if s := os.Getenv("PHONEREG_TORTURE_SEED"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n == 0 {
			t.Fatalf("PHONEREG_TORTURE_SEED=%q: want a non-zero number", s)
		}
		c.seed = n
	}
	if c.rows < 100 || c.rows > 99_999 {
		t.Fatalf("PHONEREG_TORTURE_ROWS=%d: want 100 to 99999 (the numbers have five digits)", c.rows)
	}
	return c
}

// tortureSimArgs are the emulator's knobs: a write throttle below the
// client's --rate (tortureRate), 5 % 503s, 3 % dropped connections, 3 %
// ambiguous writes, short-lived tokens, a little latency.
func tortureSimArgs(seed int64) []string {
	return []string{
		"--listen", "127.0.0.1:0",
		"--latency", "2ms", "--latency-jitter", "3ms",
		"--throttle-rate", "100", "--throttle-burst", "10",
		"--fault-503", "0.05", "--fault-reset", "0.03", "--fault-ambiguous", "0.03",
		"--token-lifetime", tortureTokenLifetime.String(),
		"--seed", strconv.FormatInt(seed, 10),
	}
}

// tortureRate is the client's --rate, above the emulator's throttle.
const tortureRate = "150"

// TestTorture: see the file's comment. `make torture` runs it with 10,000 rows
// and 20 kills; CI with 2,000 and 5.
func TestTorture(t *testing.T) {
	if os.Getenv("PHONEREG_TORTURE") != "1" {
		t.Skip("the torture test runs with PHONEREG_TORTURE=1 (make torture)")
	}
	began := time.Now()
	cfg := tortureConfigFromEnv(t)
	bin := buildBinary(t)
	dir := t.TempDir()
	senv, env := startSimProcess(t, bin, filepath.Join(dir, "sim"), tortureSimArgs(cfg.seed)...)
	checkLoopback(t, senv)
	fig := &tortureFigures{}
	rng := rand.New(rand.NewPCG(uint64(cfg.seed), 7))

	lockIn, lockWant := writeTortureInput(t, dir, "lock.csv", "lock", "56", cfg.lockRows)
	side := newJourney(t, bin, env, "lock", lockIn, filepath.Join(dir, "lock.results.csv"), dir, fig)
	side.lockPhase()

	outDir, mountErr := mountTmpfs(t, dir, 16<<20+cfg.rows<<10)
	if mountErr != nil {
		outDir = dir
	}
	mainIn, mainWant := writeTortureInput(t, dir, "in.csv", "t", "55", cfg.rows)
	keepOnFailure(t, dir, outDir)
	j := newJourney(t, bin, env, "main", mainIn, filepath.Join(outDir, "in.results.csv"), dir, fig)
	j.killPhase(cfg.kills, rng)
	j.termPhase(cfg.terms, rng)
	if mountErr != nil {
		fig.diskFull = "SKIPPED: " + mountErr.Error()
		t.Logf("disk-full check skipped: %v", mountErr)
	} else {
		j.diskFullPhase(outDir)
	}
	finalStart := time.Now()
	j.finalRun()
	finalEnd := time.Now()

	checkTortureResults(t, j, cfg.rows, fig)
	checkTortureResults(t, side, cfg.lockRows, fig)
	for k, v := range lockWant {
		mainWant[k] = v
	}
	st := readSimState(t, senv)
	checkSimUsers(t, st.users, mainWant, fig)
	checkSimWrites(t, st.requests, mainWant, fig)
	checkTokenRefresh(t, st.requests, finalStart, finalEnd, fig)
	fig.rows, fig.lockRows, fig.elapsed = cfg.rows, cfg.lockRows, time.Since(began)
	fig.print(os.Stdout, cfg)
}

// checkLoopback makes sure the emulator is on this machine before anything
// is sent to it: the torture test talks to no other address.
func checkLoopback(t *testing.T, senv map[string]string) {
	t.Helper()
	for _, k := range []string{"PHONEREG_GRAPH_URL", "PHONEREG_AUTHORITY_HOST"} {
		u, err := url.Parse(senv[k])
		if err != nil {
			t.Fatalf("%s=%q: %v", k, senv[k], err)
		}
		if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
			t.Fatalf("%s=%q is not a loopback address; the torture test talks only to the emulator on this machine", k, senv[k])
		}
	}
}

// tortureWant is the phones a user must end with.
type tortureWant struct {
	mobile, alternateMobile, office string // Graph's form, "" for none
}

// writeTortureInput writes n rows for users prefix0…: each a mobile and,
// alternately, an alternateMobile or an office phone, with block making the
// numbers unique across inputs. It returns the path and each user's (lower
// case) phones as the emulator must hold them.
func writeTortureInput(t *testing.T, dir, name, prefix, block string, n int) (string, map[string]tortureWant) {
	t.Helper()
	want := make(map[string]tortureWant, n)
	b := []byte("userPrincipalName,mobile,alternateMobile,office\n")
	for i := range n {
		upn := fmt.Sprintf("%s%d@contoso.com", prefix, i)
		w := tortureWant{mobile: fmt.Sprintf("+1 206%s%05d", block, i)}
		if i%2 == 0 {
			w.alternateMobile = fmt.Sprintf("+1 425%s%05d", block, i)
		} else {
			w.office = fmt.Sprintf("+1 312%s%05d", block, i)
		}
		want[upn] = w
		b = fmt.Appendf(b, "%s,+1 206 %s%05d,%s,%s\n", upn, block, i, spaced(w.alternateMobile), spaced(w.office))
	}
	return writeFile(t, dir, name, string(b)), want
}

// spaced writes a Graph-form number as a person might: "+1 425 5500001".
func spaced(n string) string {
	if len(n) < 6 {
		return n
	}
	return n[:6] + " " + n[6:]
}

// mountTmpfs mounts a tmpfs of size bytes under dir (unmounted at the end of
// the test), for the disk that fills mid-run. Mounting needs root.
func mountTmpfs(t *testing.T, dir string, size int) (string, error) {
	t.Helper()
	mp := filepath.Join(dir, "tmpfs")
	if err := os.Mkdir(mp, 0o700); err != nil {
		return "", err
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d,mode=0700", size), "tmpfs", mp).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("mount -t tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", mp).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", mp, err, out)
		}
	})
	return mp, nil
}

// keepOnFailure copies the test's folders into PHONEREG_TORTURE_KEEP when the
// test fails (before the tmpfs is unmounted).
func keepOnFailure(t *testing.T, dirs ...string) {
	keep := os.Getenv("PHONEREG_TORTURE_KEEP")
	if keep == "" {
		return
	}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		if err := os.MkdirAll(keep, 0o700); err != nil {
			t.Logf("PHONEREG_TORTURE_KEEP: %v", err)
			return
		}
		for i, d := range dirs {
			dst := filepath.Join(keep, strconv.Itoa(i))
			if out, err := exec.Command("cp", "-a", d, dst).CombinedOutput(); err != nil {
				t.Logf("PHONEREG_TORTURE_KEEP: %v: %s", err, out)
			}
		}
		t.Logf("logs and result files kept in %s", keep)
	})
}
