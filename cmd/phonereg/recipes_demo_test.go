package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRecipesAgainstTheEmulator runs samples/recipes/demo.sh (make
// demo-recipes): every recipe's phonereg command, read out of its manifest,
// unit file, crontab line or script, against a `phonereg sim` process. Each
// must succeed, and each recipe's result file must hold its users.
func TestRecipesAgainstTheEmulator(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs every recipe")
	}
	bin := buildBinary(t)
	work := filepath.Join(t.TempDir(), "demo")
	cmd := exec.Command("sh", filepath.Join("..", "..", "samples", "recipes", "demo.sh"))
	cmd.Env = append(os.Environ(), "PHONEREG="+bin, "DEMO_DIR="+work)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo.sh: %v\n%s", err, out)
	}
	for _, want := range []string{"== 1. Kubernetes CronJob", "== 2. systemd service", "== 3. cron", "== 4. the HR nightly delta", "Every recipe ran against one emulator"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("demo.sh's output lacks %q:\n%s", want, out)
		}
	}
	results, _ := filepath.Glob(filepath.Join(work, "*", "*.results.csv"))
	if len(results) < 3 {
		t.Fatalf("got result files %v; want one per recipe", results)
	}
	for _, p := range results {
		if n := checkCompacted(t, p); n == 0 {
			t.Errorf("%s: no rows", p)
		}
	}
}
