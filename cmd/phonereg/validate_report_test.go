package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	dir := t.TempDir()
	clean := writeFile(t, dir, "clean.csv", "userPrincipalName,mobile\na@contoso.com,206-555-0100\n")
	tests := []struct {
		name string
		args []string
		want int
		has  []string
	}{
		{"samples", []string{"validate", "--in", "../../samples/users.csv", "--default-region", "US"}, 1, []string{
			"row 6 (line 7): duplicate.number@contoso.com: mobile +1 ******0101 is also the mobile of row 3's user",
			"row 8 (line 10): not.a.number@contoso.com: invalid: mobile:",
			"row 9 (line 11): (no user): invalid: no user",
			"row 12 (line 14): alternate.only@contoso.com: warning: alternateMobile without a mobile",
			"13 rows: 2 invalid, 1 other problem, 1 warning",
		}},
		{"unmasked with --show-pii", []string{"validate", "--in", "../../samples/users.csv", "--default-region", "US", "--show-pii"}, 1, []string{"mobile +1 2065550101 is also"}},
		{"clean", []string{"validate", "--in", clean, "--default-region", "US"}, 0, []string{"1 row: 0 invalid, 0 other problems, 0 warnings"}},
		{"national number without a region", []string{"validate", "--in", clean}, 1, []string{"no country code"}},
		{"unreadable", []string{"validate", "--in", filepath.Join(dir, "nope.csv")}, 2, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, context.Background(), tc.args...)
			if code != tc.want {
				t.Fatalf("got exit %d; want %d\n%s%s", code, tc.want, stdout, stderr)
			}
			for _, h := range tc.has {
				if !strings.Contains(stdout, h) {
					t.Errorf("stdout lacks %q:\n%s", h, stdout)
				}
			}
		})
	}
}

func TestReport(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "users.results.csv")
	if code, _, stderr := cli(t, context.Background(), "run", "--sim", "--sim-users", "../../samples/sim-users.csv",
		"--in", "../../samples/users.csv", "--out", out, "--default-region", "US", "--rate", "0", "--progress", "none"); code != 1 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	// A crash's torn last line is counted, not fatal.
	f, err := os.OpenFile(out, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("14,x@contoso.com,succ")
	f.Close()

	code, stdout, _ := cli(t, context.Background(), "report", out)
	if code != 0 {
		t.Fatalf("report: exit %d", code)
	}
	for _, h := range []string{"rows:      13", "status:    succeeded 7, partial 2, failed 2, invalid 2", "torn:      1", "top errors:"} {
		if !strings.Contains(stdout, h) {
			t.Errorf("report lacks %q:\n%s", h, stdout)
		}
	}
	code, stdout, _ = cli(t, context.Background(), "report", "--json", out)
	var rep struct {
		Rows     int            `json:"rows"`
		ByStatus map[string]int `json:"byStatus"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &rep) != nil || rep.Rows != 13 || rep.ByStatus["succeeded"] != 7 {
		t.Errorf("report --json: exit %d, %+v\n%s", code, rep, stdout)
	}
	if code, _, stderr := cli(t, context.Background(), "report", "../../README.md"); code != 2 || !strings.Contains(stderr, "not a phonereg result file") {
		t.Errorf("report of another file: exit %d, %s", code, stderr)
	}
}

// TestValidateWideHeaderNoteIsBounded: a header of 100,000 unused columns
// gives a note of a few names and a count, not every name.
func TestValidateWideHeaderNoteIsBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString("userPrincipalName,mobile")
	for i := range 100_000 {
		fmt.Fprintf(&b, ",extra%d", i)
	}
	b.WriteString("\nada@contoso.com,+1 2065550100\n")
	in := writeFile(t, t.TempDir(), "wide.csv", b.String())
	_, _, stderr := cli(t, context.Background(), "validate", "--in", in)
	if len(stderr) > 2000 || !strings.Contains(stderr, "and 99990 more") {
		t.Errorf("got a %d-byte note; want a few names and \"and 99990 more\":\n%.500s", len(stderr), stderr)
	}
}
