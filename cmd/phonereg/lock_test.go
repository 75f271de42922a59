//go:build unix

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// holdLock holds path's lock file, as a running job would, with pid in it,
// until the test ends.
func holdLock(t *testing.T, path string, pid int) {
	t.Helper()
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "%d\n", pid)
}

// TestRunOnLockedResultFile: a run whose --out another run holds exits 2 and
// names the holder's pid, before any request; the result file is left alone.
func TestRunOnLockedResultFile(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", "userPrincipalName,mobile\nada@contoso.com,+1 2065550100\n")
	out := filepath.Join(dir, "in.results.csv")
	const holder = 4242
	holdLock(t, out, holder)

	st := simEnv(t, graphsim.Options{AutoCreateUsers: true})
	code, _, stderr := st.cli(t, context.Background(), "run", "--auth", "secret", "--in", in, "--out", out, "--progress", "none")
	if code != exitUsage || !strings.Contains(stderr, fmt.Sprintf("pid %d", holder)) {
		t.Fatalf("got exit %d, stderr %q; want %d and a message naming pid %d", code, stderr, exitUsage, holder)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("the refused run created the result file: %v", err)
	}
	if n := st.srv.Writes(); n != 0 {
		t.Errorf("graphsim saw %d writes; want none", n)
	}
}
