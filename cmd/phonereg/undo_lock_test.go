//go:build unix

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// TestUndoOnLockedResults: an undo of a result file a run holds exits 2 and
// names the run's pid, with no write to Graph and no undo file.
func TestUndoOnLockedResults(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", undoInput)
	st := simEnv(t, graphsim.Options{AutoCreateUsers: true})
	if code, _, stderr := st.cli(t, context.Background(), "run", "--auth", "secret", "--in", in, "--progress", "none"); code != 0 {
		t.Fatalf("run: got exit %d\n%s", code, stderr)
	}
	results := filepath.Join(dir, "in.results.csv")
	const holder = 4243
	holdLock(t, results, holder)

	writes := st.srv.Writes()
	code, _, stderr := st.cli(t, context.Background(), "undo", "--auth", "secret", "--in", in, "--results", results, "--progress", "none")
	if code != exitUsage || !strings.Contains(stderr, fmt.Sprintf("pid %d", holder)) {
		t.Fatalf("got exit %d, stderr %q; want %d and a message naming pid %d", code, stderr, exitUsage, holder)
	}
	if n := st.srv.Writes() - writes; n != 0 {
		t.Errorf("graphsim saw %d writes; want none", n)
	}
	if _, err := os.Stat(filepath.Join(dir, "in.results.undo.csv")); !os.IsNotExist(err) {
		t.Errorf("the refused undo created its result file: %v", err)
	}
}
