package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// With --log-format json, stderr is all JSON (issue 12): the row lines, the
// notices, the summary as one record, and the error a job ends with.
func TestJSONLogsAreAllJSON(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", "userPrincipalName,mobile\na@contoso.com,+1 206 555 0100\nb@contoso.com,+1 555\n")
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"a run", []string{"run", "--sim", "--in", in, "--out", filepath.Join(dir, "a.csv")}, 1, "summary"},
		{"an input that cannot be read", []string{"run", "--sim", "--in", filepath.Join(dir, "missing.csv")}, 2, "missing.csv"},
		{"a usage error, asked for JSON", []string{"run", "--sim", "--in", in, "--rate", "-1"}, 2, "--rate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := cli(t, context.Background(), append(tc.args, "--log-format", "json", "--progress", "none")...)
			if code != tc.code {
				t.Errorf("got exit %d; want %d\n%s", code, tc.code, stderr)
			}
			found := false
			for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
				var rec map[string]any
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("a stderr line is not JSON: %q\n%s", line, stderr)
				}
				if msg, _ := rec["msg"].(string); strings.Contains(msg, tc.msg) {
					found = true
					if msg == "summary" {
						if sum, ok := rec["summary"].(map[string]any); !ok || sum["command"] != "run" || sum["exitCode"] != float64(tc.code) {
							t.Errorf("the summary record is not the summary document: %v", rec["summary"])
						}
					}
				}
			}
			if !found {
				t.Errorf("no record says %q:\n%s", tc.msg, stderr)
			}
		})
	}
}

// Console logs use colour on a terminal only, and never with NO_COLOR.
func TestConsoleColour(t *testing.T) {
	logOnce := func(w *fakeTTY, tty bool) string {
		var out io.Writer = w
		if !tty {
			out = &strings.Builder{}
		}
		log, err := newLogger(logOptions{format: "console", progress: "none"}, newStderrWriter(out))
		if err != nil {
			t.Fatal(err)
		}
		log.Warn("hello")
		if b, ok := out.(*strings.Builder); ok {
			return b.String()
		}
		return w.String()
	}
	if got := logOnce(&fakeTTY{}, true); !strings.Contains(got, "\x1b[") {
		t.Errorf("on a terminal: got %q; want colour", got)
	}
	if got := logOnce(&fakeTTY{}, false); strings.Contains(got, "\x1b[") {
		t.Errorf("off a terminal: got %q; want no colour", got)
	}
	t.Setenv("NO_COLOR", "1")
	if got := logOnce(&fakeTTY{}, true); strings.Contains(got, "\x1b[") {
		t.Errorf("NO_COLOR on a terminal: got %q; want no colour", got)
	}
}

// A header-only input (an empty nightly export) warns and exits 1, unless
// --allow-empty says that is expected; --summary-json says rows 0 either way.
func TestHeaderOnlyInput(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", "userPrincipalName,mobile\n\n")
	for _, tc := range []struct {
		args []string
		code int
	}{{nil, 1}, {[]string{"--allow-empty"}, 0}} {
		sj := filepath.Join(dir, "s.json")
		args := append([]string{"run", "--sim", "--in", in, "--summary-json", sj, "--progress", "none", "--log-format", "console"}, tc.args...)
		code, _, stderr := cli(t, context.Background(), args...)
		if code != tc.code || !strings.Contains(stderr, "the input has no data rows") {
			t.Errorf("%v: got exit %d; want %d and a warning\n%s", tc.args, code, tc.code, stderr)
		}
		var doc struct {
			Rows     int `json:"rows"`
			ExitCode int `json:"exitCode"`
		}
		b, err := os.ReadFile(sj)
		if err != nil || json.Unmarshal(b, &doc) != nil || doc.Rows != 0 || doc.ExitCode != tc.code {
			t.Errorf("%v: --summary-json %s, %v; want rows 0, exit code %d", tc.args, b, err, tc.code)
		}
	}
}

// Every command's --help has examples (issue 12), version and completion
// included.
func TestEveryCommandHasExamples(t *testing.T) {
	root := newRootCmd(deps{stdout: io.Discard, stderr: io.Discard})
	seen := 0
	for _, c := range root.Commands() {
		if c.Hidden || c.Name() == "help" {
			continue
		}
		seen++
		if strings.TrimSpace(c.Example) == "" {
			t.Errorf("phonereg %s --help has no examples", c.Name())
		}
	}
	if seen < 8 {
		t.Errorf("saw %d commands; want run, undo, export, validate, report, sim, version and completion", seen)
	}
}

// Messages that say what is wrong with the command line (issue 12), each a
// usage error (exit 2) before anything is done.
func TestMessagesThatHelp(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", "userPrincipalName,mobile\na@contoso.com,+1 206 555 0100\n")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--sim", "--in", "--progress", "none"}, `--in needs a value: it took "--progress", which is a flag`},
		{[]string{"run", "--sim", "--in", ""}, "--in is empty: give the input CSV's path, or - for standard input"},
		{[]string{"run", "--sim", "--in", dir}, "is a folder; give the input CSV file in it"},
		{[]string{"run", "--sim", "--in", in, "--out", "/dev/null"}, "--out /dev/null: not a regular file"},
		{[]string{"run", "--sim"}, "required flag --in not set"},
		{[]string{"run", "--sim", "--in", in, "--api-version", "v3"}, `--api-version "v3": want v1.0 or beta`},
	} {
		code, _, stderr := cli(t, context.Background(), tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) || strings.Contains(stderr, "graphclient") {
			t.Errorf("%q: got exit %d, %q; want %d and %q", tc.args, code, stderr, exitUsage, tc.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "in.results.csv")); err == nil {
		t.Error("a usage error left a result file")
	}
	var help strings.Builder
	run(context.Background(), []string{"run", "--help"}, strings.NewReader(""), &help, io.Discard)
	if !strings.Contains(help.String(), "0: no ceiling") {
		t.Errorf("run --help does not say what --rate 0 means:\n%s", help.String())
	}
}

// The advice a conflict gives works as written (issue 12): rerun with
// --on-existing update and the conflicting row is updated, with nothing else
// redone.
func TestConflictAdviceWorks(t *testing.T) {
	st := simEnv(t, graphsim.Options{AutoCreateUsers: true, Users: []graphsim.User{
		{UserPrincipalName: "conflict@contoso.com", Phones: map[string]string{graphsim.TypeMobile: "+1 2065550199"}},
	}})
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", "userPrincipalName,mobile\nconflict@contoso.com,+1 206 555 0105\nok@contoso.com,+1 206 555 0106\n")
	code, _, stderr := st.cli(t, context.Background(), "run", "--auth", "secret", "--in", in, "--progress", "none", "--log-format", "console")
	if code != 1 || !strings.Contains(stderr, "rerun with --on-existing update to replace it") {
		t.Fatalf("first run: exit %d; want 1 and the advice\n%s", code, stderr)
	}
	code, _, stderr = st.cli(t, context.Background(), "run", "--auth", "secret", "--in", in, "--progress", "none", "--log-format", "console", "--on-existing", "update")
	if code != 0 || !strings.Contains(stderr, "1 row processed, 1 finished earlier") || !strings.Contains(stderr, "updated 1") {
		t.Errorf("following the advice: exit %d; want 0, the conflict row alone redone and updated\n%s", code, stderr)
	}
}
