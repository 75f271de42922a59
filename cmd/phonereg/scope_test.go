package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// usersRequested is the sorted set of users the emulator got Graph requests
// for since request n of its log.
func usersRequested(srv *graphsim.Server, n int) []string {
	var users []string
	for _, r := range srv.Requests()[n:] {
		if u := userOfPath(r.Path); u != "" && !slices.Contains(users, u) {
			users = append(users, u)
		}
	}
	slices.Sort(users)
	return users
}

// TestScopeFlagsCheckedUpFront: --limit wants 1 or more, --only-user a user;
// a bad value is a usage error on every command that has them, before the
// input is opened.
func TestScopeFlagsCheckedUpFront(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.csv")
	for _, cmd := range [][]string{
		{"run", "--sim", "--in", missing},
		{"undo", "--sim", "--in", missing, "--results", missing},
		{"export", "--sim", "--in", missing},
	} {
		for _, bad := range [][]string{{"--limit", "0"}, {"--limit", "-3"}, {"--limit", "three"}, {"--only-user", ""}, {"--only-user", "  "}} {
			t.Run(cmd[0]+" "+strings.Join(bad, " "), func(t *testing.T) {
				code, _, stderr := cli(t, context.Background(), append(slices.Clone(cmd), bad...)...)
				if code != exitUsage || !strings.Contains(stderr, bad[0]) || strings.Contains(stderr, "no such file") {
					t.Errorf("got exit %d; want 2 naming %s before the input is opened\n%s", code, bad[0], stderr)
				}
			})
		}
	}
}

// TestRunLimitThenFinish: --limit 3 on 10 rows against one emulator sends
// requests for 3 users, exits 0 although a row past the limit is invalid
// (the exit code is the processed rows'), and says what it left; the same
// command without --limit does the rest and exits 1 for that row.
func TestRunLimitThenFinish(t *testing.T) {
	st := simEnv(t, graphsim.Options{AutoCreateUsers: true})
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("userPrincipalName,mobile\n")
	for i := 1; i <= 10; i++ {
		num := fmt.Sprintf("+1 206 555 %04d", 100+i)
		if i == 8 {
			num = "+1 555"
		}
		fmt.Fprintf(&b, "user%d@contoso.com,%s\n", i, num)
	}
	in := writeFile(t, dir, "in.csv", b.String())
	out, sj := filepath.Join(dir, "in.results.csv"), filepath.Join(dir, "summary.json")
	code, _, stderr := st.cli(t, context.Background(), "run", "--auth", "secret", "--in", in, "--limit", "3", "--summary-json", sj, "--progress", "none")
	if code != exitOK {
		t.Fatalf("--limit 3: got exit %d; want 0\n%s", code, stderr)
	}
	if got, want := usersRequested(st.srv, 0), []string{"user1@contoso.com", "user2@contoso.com", "user3@contoso.com"}; !slices.Equal(got, want) {
		t.Errorf("--limit 3: got requests for %v; want %v", got, want)
	}
	if !strings.Contains(stderr, "7 rows left for the next run") {
		t.Errorf("the summary does not say what was left:\n%s", stderr)
	}
	var doc struct {
		Limit, Left int
		Limited     bool
	}
	raw, err := os.ReadFile(sj)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &doc); err != nil || doc.Limit != 3 || doc.Left != 7 || !doc.Limited {
		t.Errorf("--summary-json: got %s (%v); want limit 3, limited, left 7", raw, err)
	}
	if n := checkCompacted(t, out); n != 3 {
		t.Errorf("got %d lines; want 3", n)
	}
	n := len(st.srv.Requests())
	code, _, stderr = st.cli(t, context.Background(), "run", "--auth", "secret", "--in", in, "--progress", "none")
	if code != exitRowsFailed {
		t.Fatalf("the rerun: got exit %d; want 1 (row 8 is invalid)\n%s", code, stderr)
	}
	if got := usersRequested(st.srv, n); len(got) != 6 || slices.Contains(got, "user1@contoso.com") || slices.Contains(got, "user8@contoso.com") {
		t.Errorf("the rerun: got requests for %v; want the 6 valid users left", got)
	}
	if n := checkCompacted(t, out); n != 10 {
		t.Errorf("got %d lines; want 10", n)
	}
}

// TestUndoOnlyUser: undo --only-user reverts one user's rows and leaves
// the other users as the run left them.
func TestUndoOnlyUser(t *testing.T) {
	st := simEnv(t, graphsim.Options{AutoCreateUsers: true})
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", "userPrincipalName,mobile\na@contoso.com,+1 206 555 0100\nB@contoso.com,+1 206 555 0101\nc@contoso.com,+1 206 555 0102\n")
	if code, _, stderr := st.cli(t, context.Background(), "run", "--auth", "secret", "--in", in, "--progress", "none"); code != exitOK {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	n := len(st.srv.Requests())
	code, _, stderr := st.cli(t, context.Background(), "undo", "--auth", "secret", "--in", in, "--results", filepath.Join(dir, "in.results.csv"), "--only-user", "b@CONTOSO.com", "--progress", "none")
	if code != exitOK {
		t.Fatalf("undo: exit %d\n%s", code, stderr)
	}
	if got := usersRequested(st.srv, n); !slices.Equal(got, []string{"b@contoso.com"}) {
		t.Errorf("undo --only-user: got requests for %v; want b@contoso.com only", got)
	}
	for u, want := range map[string]int{"a@contoso.com": 1, "b@contoso.com": 0, "c@contoso.com": 1} {
		if ms, _ := st.srv.Methods(u); len(ms) != want {
			t.Errorf("%s: got %d phone methods; want %d", u, len(ms), want)
		}
	}
	if n := checkCompacted(t, filepath.Join(dir, "in.results.undo.csv")); n != 1 {
		t.Errorf("the undo's file: got %d lines; want b's only", n)
	}
}
