package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutputIsInput: a result file or summary that is the input file, by
// the same path or another one, is a usage error: the run would replace the
// rows it reads (with --restart, rename the input to .bak and overwrite it).
// Nothing is touched.
func TestOutputIsInput(t *testing.T) {
	tests := []struct {
		name string
		args func(dir, in string) []string
		has  string
	}{
		{"--out is --in", func(_, in string) []string { return []string{"--out", in} }, "--out"},
		{"--out is --in, with --restart", func(_, in string) []string { return []string{"--out", in, "--restart"} }, "--out"},
		{"--out is --in by another path", func(dir, in string) []string {
			return []string{"--out", filepath.Join(dir, "sub", "..", "./in.csv"), "--restart"}
		}, "--out"},
		{"--out is a symlink to --in", func(dir, in string) []string {
			link := filepath.Join(dir, "link.csv")
			if err := os.Symlink(in, link); err != nil {
				t.Fatal(err)
			}
			return []string{"--out", link, "--restart"}
		}, "--out"},
		{"--out is a hard link to --in", func(dir, in string) []string {
			link := filepath.Join(dir, "hard.csv")
			if err := os.Link(in, link); err != nil {
				t.Fatal(err)
			}
			return []string{"--out", link, "--restart"}
		}, "--out"},
		{"--summary-json is --in", func(dir, in string) []string {
			return []string{"--out", filepath.Join(dir, "out.csv"), "--summary-json", in}
		}, "--summary-json"},
		{"--summary-json is --out", func(dir, _ string) []string {
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
			args := append([]string{"run", "--sim", "--in", in, "--rate", "0", "--progress", "none"}, tc.args(dir, in)...)
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
