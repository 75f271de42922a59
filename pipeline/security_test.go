package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// TestResultFileIsPrivate: the result file holds users' phone numbers, so it
// is mode 0600 whether phonereg created it or found it with a wider mode, and
// the temporary file its compaction renames over it lives in the output's
// folder (never in a shared temporary folder) and does not outlive the run.
func TestResultFileIsPrivate(t *testing.T) {
	t.Run("an older file with a wider mode is narrowed on open", func(t *testing.T) {
		path := wideResultFile(t)
		j, err := openJournal(path, false)
		must(t, err)
		defer j.close()
		if got := mode(t, path); got != 0o600 {
			t.Errorf("an open journal has mode %v; want 0600", got)
		}
	})
	t.Run("the .bak of --restart is as private", func(t *testing.T) {
		path := wideResultFile(t)
		j, err := openJournal(path, true)
		must(t, err)
		defer j.close()
		if got := mode(t, path+".bak"); got != 0o600 {
			t.Errorf("the .bak has mode %v; want 0600", got)
		}
	})
	t.Run("a run leaves only its 0600 file in the folder", func(t *testing.T) {
		e := newEnv(t, graphsim.Options{AutoCreateUsers: true})
		const input = "userPrincipalName,mobile\na@contoso.com,+1 206 555 0100\nb@contoso.com,+1 206 555 0101\n"
		out := filepath.Join(e.dir, "in.results.csv")
		for i := range 2 {
			if _, err, _ := e.run(t, context.Background(), input, nil); err != nil {
				t.Fatal(err)
			}
			if got := mode(t, out); got != 0o600 {
				t.Errorf("run %d: got mode %v; want 0600", i+1, got)
			}
			ents, err := os.ReadDir(e.dir)
			must(t, err)
			var names []string
			for _, d := range ents {
				names = append(names, d.Name())
			}
			if !slices.Equal(names, []string{"in.results.csv"}) {
				t.Errorf("run %d: the folder holds %q; want only the result file", i+1, names)
			}
			must(t, os.Chmod(out, 0o644)) // as an older phonereg, or a copy, may have left it
		}
	})
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// wideResultFile is a one-row result file left with mode 0644, as an older
// phonereg or a copy may have left it.
func wideResultFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "r.csv")
	j, err := openJournal(path, false)
	must(t, err)
	must(t, j.append([]Result{res(1, StatusSucceeded, "0000000000000001", false)}))
	must(t, j.close())
	must(t, os.Chmod(path, 0o644))
	return path
}
