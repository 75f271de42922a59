//go:build unix

package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// TestExportOnLockedSnapshot: an export whose --out another job holds exits
// 2 naming the holder's pid, before any request.
func TestExportOnLockedSnapshot(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", "userPrincipalName\nada@contoso.com\n")
	out := filepath.Join(dir, "in.snapshot.csv")
	const holder = 4343
	holdLock(t, out, holder)
	st := simEnv(t, graphsim.Options{AutoCreateUsers: true})
	code, _, stderr := st.cli(t, context.Background(), "export", "--auth", "secret", "--in", in, "--progress", "none")
	if code != exitUsage || !strings.Contains(stderr, fmt.Sprintf("pid %d", holder)) {
		t.Fatalf("got exit %d, stderr %q; want %d naming pid %d", code, stderr, exitUsage, holder)
	}
	if n := st.srv.Count(graphsim.RouteList, -1); n != 0 {
		t.Errorf("got %d reads; want none", n)
	}
}
