package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// TestOutputIsInput: a result file or summary that is the input file, by
// the same path or another one, is a usage error: the run would replace the
// rows it reads (with --restart, rename the input to .bak and overwrite it).
// Nothing is touched.
func TestOutputIsInput(t *testing.T) {
	tests := []struct {
		name string
		args func(t *testing.T, dir, in string) []string
		has  string
	}{
		{"--out is --in", func(_ *testing.T, _, in string) []string { return []string{"--out", in} }, "--out"},
		{"--out is --in, with --restart", func(_ *testing.T, _, in string) []string { return []string{"--out", in, "--restart"} }, "--out"},
		{"--out is --in by another path", func(_ *testing.T, dir, in string) []string {
			return []string{"--out", filepath.Join(dir, "sub", "..", "./in.csv"), "--restart"}
		}, "--out"},
		{"--out is a symlink to --in", outLink(os.Symlink), "--out"},
		{"--out is a hard link to --in", outLink(os.Link), "--out"},
		{"--summary-json is --in", func(_ *testing.T, dir, in string) []string {
			return []string{"--out", filepath.Join(dir, "out.csv"), "--summary-json", in}
		}, "--summary-json"},
		{"--summary-json is --out", func(_ *testing.T, dir, _ string) []string {
			out := filepath.Join(dir, "out.csv")
			return []string{"--out", out, "--summary-json", out}
		}, "--summary-json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
				t.Fatal(err)
			}
			in := writeFile(t, dir, "in.csv", twoRows)
			args := append([]string{"run", "--sim", "--in", in, "--rate", "0", "--progress", "none"}, tc.args(t, dir, in)...)
			code, _, stderr := cli(t, context.Background(), args...)
			if code != exitUsage {
				t.Errorf("got exit %d; want %d\n%s", code, exitUsage, stderr)
			}
			if want := tc.has + " "; !strings.Contains(stderr, want) || !strings.Contains(stderr, "same file") {
				t.Errorf("got stderr %q; want it to say %s names the same file", stderr, tc.has)
			}
			if b, err := os.ReadFile(in); err != nil || string(b) != twoRows {
				t.Errorf("got input %q, %v; want it unchanged", b, err)
			}
			for _, p := range []string{in + ".bak", filepath.Join(dir, "out.csv")} {
				if _, err := os.Stat(p); !os.IsNotExist(err) {
					t.Errorf("got %s (%v); want nothing written", p, err)
				}
			}
		})
	}
}

// outLink is the arguments of a --out that link (os.Symlink, os.Link) makes
// to the input file, with --restart.
func outLink(link func(oldname, newname string) error) func(t *testing.T, dir, in string) []string {
	return func(t *testing.T, dir, in string) []string {
		out := filepath.Join(dir, "link.csv")
		if err := link(in, out); err != nil {
			t.Fatal(err)
		}
		return []string{"--out", out, "--restart"}
	}
}

// TestRunFlagsCheckedUpFront: every bad flag value is a usage error (exit 2)
// found before the first request to Graph and before the result file (or
// the summary) is touched, whichever stage uses the flag.
func TestRunFlagsCheckedUpFront(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", twoRows)
	out := filepath.Join(dir, "out.csv")
	summary := filepath.Join(dir, "summary.json")
	tests := badRunFlags(dir, in, writeFile(t, dir, "secret.txt", "not-the-secret\n"))
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Cleanup(func() { os.Remove(out); os.Remove(summary) }) // what a failing case wrote
			st := simEnv(t, graphsim.Options{AutoCreateUsers: true})
			args := append([]string{"run", "--auth", "secret", "--in", in, "--out", out, "--rate", "0", "--progress", "none"}, tc.flags...)
			code, _, stderr := st.cli(t, context.Background(), args...)
			if code != exitUsage {
				t.Errorf("got exit %d; want %d\n%s", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, tc.has) {
				t.Errorf("got stderr %q; want it to name %s", stderr, tc.has)
			}
			if n := len(st.srv.Requests()); n != 0 {
				t.Errorf("got %d requests to Graph; want none", n)
			}
			for _, p := range []string{out, summary, filepath.Join(dir, "nope")} {
				if _, err := os.Stat(p); !os.IsNotExist(err) {
					t.Errorf("got %s (%v); want nothing written", p, err)
				}
			}
			if b, err := os.ReadFile(in); err != nil || string(b) != twoRows {
				t.Errorf("got input %q, %v; want it unchanged", b, err)
			}
		})
	}
}

// TestFlagsCheckedBeforeInputOpens: a bad flag is reported at once, even
// when --in is a FIFO whose writer has not come yet (opening it would wait).
func TestFlagsCheckedBeforeInputOpens(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		has  string
	}{
		{"run with --map of an unknown field", []string{"run", "--sim", "--map", "pager=Pager"}, "--map"},
		{"run with --summary-json in a folder that does not exist", []string{"run", "--sim", "--summary-json", filepath.Join(dir, "nope", "s.json")}, "--summary-json"},
		{"run with --grace negative", []string{"run", "--sim", "--grace", "-1s"}, "--grace"},
		{"validate with --map of an unknown field", []string{"validate", "--map", "pager=Pager"}, "--map"},
		{"validate with --map of a field twice", []string{"validate", "--map", "mobile=A", "--map", "mobile=B"}, "--map"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := mkfifo(t, nil)
			code, _, stderr := cliWithin(t, context.Background(), append(tc.args, "--in", in)...)
			if code != exitUsage {
				t.Errorf("got exit %d; want %d\n%s", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, tc.has) {
				t.Errorf("got stderr %q; want it to name %s", stderr, tc.has)
			}
		})
	}
}

// badRunFlag is a flag value run refuses, and the flag its message names.
type badRunFlag struct {
	name  string
	flags []string
	has   string
}

// badRunFlags are TestRunFlagsCheckedUpFront's cases: dir is a folder, in
// the input file in it, secret another file.
func badRunFlags(dir, in, secret string) []badRunFlag {
	return []badRunFlag{
		{"--summary-json in a folder that does not exist", []string{"--summary-json", filepath.Join(dir, "nope", "s.json")}, "--summary-json"},
		{"--summary-json is a folder", []string{"--summary-json", dir}, "--summary-json"},
		{"--summary-json under a file", []string{"--summary-json", filepath.Join(in, "s.json")}, "--summary-json"},
		{"--out in a folder that does not exist", []string{"--out", filepath.Join(dir, "nope", "out.csv")}, "--out"},
		{"--out is a folder", []string{"--out", dir}, "--out"},
		{"--rate NaN", []string{"--rate", "NaN"}, "--rate"},
		{"--rate Inf", []string{"--rate", "Inf"}, "--rate"},
		{"--rate -Inf", []string{"--rate", "-Inf"}, "--rate"},
		{"--rate negative", []string{"--rate", "-1"}, "--rate"},
		{"--grace negative", []string{"--grace", "-1s"}, "--grace"},
		{"--grace 0", []string{"--grace", "0"}, "--grace"},
		{"--timeout 0", []string{"--timeout", "0"}, "--timeout"},
		{"--timeout negative", []string{"--timeout", "-1s"}, "--timeout"},
		{"--auth unknown", []string{"--auth", "bogus"}, "--auth"},
		{"--client-secret-file that does not exist", []string{"--client-secret-file", filepath.Join(dir, "nope.txt")}, "--client-secret-file"},
		{"--client-secret-file is a folder", []string{"--client-secret-file", dir}, "--client-secret-file"},
		{"--client-secret-file without --auth secret", []string{"--auth", "auto", "--client-secret-file", secret}, "--client-secret-file"},
		{"--certificate that does not exist", []string{"--auth", "certificate", "--certificate", filepath.Join(dir, "nope.pem")}, "--certificate"},
		{"--certificate without --auth certificate", []string{"--certificate", secret}, "--certificate"},
		{"--workers 0", []string{"--workers", "0"}, "--workers"},
		{"--workers negative", []string{"--workers", "-1"}, "--workers"},
		{"--workers too many", []string{"--workers", "1025"}, "--workers"},
		{"--max-attempts 0", []string{"--max-attempts", "0"}, "--max-attempts"},
		{"--max-attempts negative", []string{"--max-attempts", "-1"}, "--max-attempts"},
		{"--max-attempts past its bound", []string{"--max-attempts", "101"}, "--max-attempts"},
		{"--max-attempts past int32", []string{"--max-attempts", "4294967297"}, "--max-attempts"},
		{"--on-existing unknown", []string{"--on-existing", "maybe"}, "--on-existing"},
		{"--log-format unknown", []string{"--log-format", "xml"}, "--log-format"},
		{"--progress unknown", []string{"--progress", "fancy"}, "--progress"},
		{"--cloud unknown", []string{"--cloud", "mars"}, "--cloud"},
		{"--graph-url not https", []string{"--graph-url", "http://graph.example.com"}, "--graph-url"},
		{"--authority-host not https", []string{"--authority-host", "http://login.example.com"}, "--authority-host"},
		{"--api-version unknown", []string{"--api-version", "v2"}, "--api-version"},
		{"--delimiter of two characters", []string{"--delimiter", "ab"}, "--delimiter"},
		{"--delimiter a quote", []string{"--delimiter", `"`}, "--delimiter"},
		{"--default-region unknown", []string{"--default-region", "XX"}, "--default-region"},
		{"--map without =", []string{"--map", "mobile"}, "--map"},
		{"--map of an unknown field", []string{"--map", "pager=Pager"}, "--map"},
		{"--map with a broken template", []string{"--map", "mobile=+{Country"}, "--map"},
		{"--map of a field twice", []string{"--map", "mobile=A", "--map", "mobile=B"}, "--map"},
		{"--sim-users without --sim", []string{"--sim-users", secret}, "--sim-users"},
		{"--sim with --cloud unknown", []string{"--sim", "--cloud", "mars"}, "--cloud"},
		{"--sim with --api-version unknown", []string{"--sim", "--api-version", "v2"}, "--api-version"},
		{"--sim with --sim-users that does not exist", []string{"--sim", "--sim-users", filepath.Join(dir, "nope.csv")}, "--sim-users"},
		{"--sim with --auth unknown", []string{"--sim", "--auth", "bogus"}, "--auth"},
	}
}
