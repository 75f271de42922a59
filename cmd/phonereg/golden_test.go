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
// the built-in emulator (seeded from samples/sim-users.csv) and compares the
// result file, column by column, with testdata/samples.results.golden: every
// outcome of SPEC §3–4 appears there with its exact column values.
func TestSamplesGolden(t *testing.T) {
	out := filepath.Join(t.TempDir(), "users.results.csv")
	code, _, stderr := cli(t, context.Background(), "run", "--sim", "--sim-users", "../../samples/sim-users.csv",
		"--in", "../../samples/users.csv", "--out", out, "--default-region", "US", "--rate", "0", "--progress", "none")
	if code != 1 {
		t.Fatalf("got exit %d; want 1 (the samples have failing rows)\n%s", code, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got := timeRe.ReplaceAllString(uuidRe.ReplaceAllString(string(b), "REQUEST-ID"), "TIME")
	golden := filepath.Join("testdata", "samples.results.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestSamplesGolden -update)", err)
	}
	if got != string(want) {
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
	}
}
