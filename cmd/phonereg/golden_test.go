package main

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// volatile are the result columns that change from run to run: requestId,
// key (stable, but tied to the normalization) and finishedAt.
var (
	uuidRe = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	timeRe = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)
)

// TestSamplesGolden runs samples/users.csv through the whole command line on
// the built-in emulator (seeded from samples/sim-users.csv) with each
// --on-existing mode, --dry-run and --sms-sign-in=false, and compares each
// result file, column by column, with testdata/samples.NAME.golden: every
// outcome and status of SPEC §3–4 appears there with its exact column values.
// go test -run TestSamplesGolden -update rewrites them.
func TestSamplesGolden(t *testing.T) {
	tests := []struct {
		name  string
		flags []string
		exit  int
	}{
		{"default", nil, 1},
		{"skip", []string{"--on-existing", "skip"}, 1},
		{"update", []string{"--on-existing", "update"}, 1},
		{"dry-run", []string{"--dry-run", "--on-existing", "update"}, 1},
		{"no-sms", []string{"--sms-sign-in=false"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "users.results.csv")
			args := append([]string{"run", "--sim", "--sim-users", "../../samples/sim-users.csv",
				"--in", "../../samples/users.csv", "--out", out, "--default-region", "US", "--rate", "0", "--progress", "none"}, tc.flags...)
			code, _, stderr := cli(t, context.Background(), args...)
			if code != tc.exit {
				t.Fatalf("got exit %d; want %d\n%s", code, tc.exit, stderr)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			got := timeRe.ReplaceAllString(uuidRe.ReplaceAllString(string(b), "REQUEST-ID"), "TIME")
			golden := filepath.Join("testdata", "samples."+tc.name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestSamplesGolden -update)", err)
			}
			if got == string(want) {
				return
			}
			gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
			for i := 0; i < max(len(gl), len(wl)); i++ {
				var g, w string
				if i < len(gl) {
					g = gl[i]
				}
				if i < len(wl) {
					w = wl[i]
				}
				if g != w {
					t.Errorf("line %d:\ngot  %s\nwant %s", i+1, g, w)
				}
			}
		})
	}
}

// TestSummaryGolden pins the summary the command prints (issue 12), through
// the command line with injected streams: samples/users.csv on the built-in
// emulator, then again on the same result file, which finishes nothing new.
// Times and the result file's folder are masked. go test -run
// TestSummaryGolden -update rewrites testdata/summary.*.golden.
func TestSummaryGolden(t *testing.T) {
	out := filepath.Join(t.TempDir(), "users.results.csv")
	args := []string{"run", "--sim", "--sim-users", "../../samples/sim-users.csv", "--in", "../../samples/users.csv", "--out", out,
		"--default-region", "US", "--rate", "0", "--progress", "none", "--log-format", "console", "--sms-sign-in=false"}
	elapsed := regexp.MustCompile(`(elapsed: +)\S+`)
	for _, name := range []string{"first", "again"} {
		_, _, stderr := cli(t, context.Background(), args...)
		i := strings.LastIndex(stderr, "\nphonereg run")
		if i < 0 {
			t.Fatalf("%s: no summary in\n%s", name, stderr)
		}
		got := elapsed.ReplaceAllString(strings.ReplaceAll(stderr[i+1:], filepath.Dir(out), "DIR"), "${1}TIME")
		golden := filepath.Join("testdata", "summary."+name+".golden")
		if *update {
			if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -run TestSummaryGolden -update)", err)
		}
		if got != string(want) {
			t.Errorf("%s: got\n%s\nwant\n%s", name, got, want)
		}
	}
}
