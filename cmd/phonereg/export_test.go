package main

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// exportSimUsers seed the emulator of the export tests.
const exportSimUsers = "userPrincipalName,id,mobile,alternateMobile,office,smsSignInPolicy,autoRegister\n" +
	"ada@contoso.com,,+1 2065550100,+1 2065550101,+1 4255550102x7,allowed,true\n" +
	"bob@contoso.com,,+44 7400123456,,,allowed,false\n" +
	"cy@contoso.com,,,,,allowed,true\n"

// readCSV reads a CSV file's records.
func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// TestExportSim: `phonereg export --sim` end to end: the snapshot next to
// the input (mode 0600) holds each user's numbers and SMS sign-in state;
// the summary says what was found; JSON logs show the numbers masked, unless
// --show-pii.
func TestExportSim(t *testing.T) {
	dir := t.TempDir()
	seeds := writeFile(t, dir, "seeds.csv", exportSimUsers)
	in := writeFile(t, dir, "users.csv", "userPrincipalName,mobile\nada@contoso.com,+1 999\nbob@contoso.com,\ncy@contoso.com,\n")
	code, _, stderr := cli(t, context.Background(), "export", "--sim", "--sim-users", seeds, "--in", in, "--log-format", "json", "--progress", "none")
	if code != 0 {
		t.Fatalf("got exit %d; want 0\n%s", code, stderr)
	}
	out := filepath.Join(dir, "users.snapshot.csv")
	fi, err := os.Stat(out)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("snapshot: %v, mode %v; want it there, 0600", err, fi.Mode())
	}
	recs := readCSV(t, out)
	want := [][]string{
		{"userPrincipalName", "mobile", "alternateMobile", "office", "smsSignInState", "status"},
		{"ada@contoso.com", "'+1 2065550100", "'+1 2065550101", "'+1 4255550102x7", "ready", "succeeded"},
		{"bob@contoso.com", "'+44 7400123456", "", "", "notEnabled", "succeeded"},
		{"cy@contoso.com", "", "", "", "", "succeeded"},
	}
	if len(recs) != len(want) {
		t.Fatalf("got %q; want %q", recs, want)
	}
	for i := range want {
		if !slices.Equal(recs[i][:6], want[i]) {
			t.Errorf("line %d: got %q; want %q", i+1, recs[i][:6], want[i])
		}
	}
	// JSON logs: the summary is one record, the summary document.
	for _, has := range []string{`"msg":"summary"`, `"command":"export"`, `"byStatus":{"succeeded":3}`, `"mobile":{"found":2}`, `"smsSignIn":{"notEnabled":1,"ready":1}`, `"resultFile":"` + out + `"`} {
		if !strings.Contains(stderr, has) {
			t.Errorf("stderr does not say %q:\n%s", has, stderr)
		}
	}
	if strings.Contains(stderr, "2065550100") || strings.Contains(stderr, "7400123456") || !strings.Contains(stderr, `"mobile":"+1 ******0100"`) {
		t.Errorf("want each row's numbers logged masked:\n%s", stderr)
	}
	code, _, stderr = cli(t, context.Background(), "export", "--sim", "--sim-users", seeds, "--in", in, "--log-format", "json", "--progress", "none",
		"--out", filepath.Join(dir, "pii.csv"), "--show-pii")
	if code != 0 || !strings.Contains(stderr, `"mobile":"+1 2065550100"`) {
		t.Errorf("--show-pii: got exit %d; want the numbers logged as they are:\n%s", code, stderr)
	}
}

// TestExportAndPutBack: the journey the snapshot is for, through the
// command line against one emulator: export, numbers changed by a run,
// run --in SNAPSHOT --on-existing update puts the exported numbers back.
// Export sends only GETs to Graph.
func TestExportAndPutBack(t *testing.T) {
	users, err := graphsim.ReadUsers(strings.NewReader(exportSimUsers))
	if err != nil {
		t.Fatal(err)
	}
	st := simEnv(t, graphsim.Options{Users: users})
	dir := t.TempDir()
	in := writeFile(t, dir, "users.csv", "userPrincipalName\nada@contoso.com\nbob@contoso.com\n")
	snap := filepath.Join(dir, "before.csv")
	code, _, stderr := st.cli(t, context.Background(), "export", "--auth", "secret", "--in", in, "--out", snap, "--progress", "none")
	if code != 0 {
		t.Fatalf("export: got exit %d\n%s", code, stderr)
	}
	for _, r := range st.srv.Requests() {
		if strings.HasPrefix(r.Path, "/v1.0/") && r.Method != "GET" {
			t.Errorf("export sent %s %s", r.Method, r.Path)
		}
	}
	changes := writeFile(t, dir, "changes.csv", "userPrincipalName,mobile,office\nada@contoso.com,+1 2065559999,+1 4255559999\nbob@contoso.com,+44 7400999999,\n")
	if code, _, stderr := st.cli(t, context.Background(), "run", "--auth", "secret", "--in", changes, "--on-existing", "update", "--progress", "none"); code != 0 {
		t.Fatalf("run of the changes: got exit %d\n%s", code, stderr)
	}
	code, _, stderr = st.cli(t, context.Background(), "run", "--auth", "secret", "--in", snap, "--on-existing", "update", "--progress", "none")
	if code != 0 {
		t.Fatalf("run --in SNAPSHOT: got exit %d\n%s", code, stderr)
	}
	if strings.Contains(stderr, "ignoring columns") {
		t.Errorf("run warned of the snapshot's columns:\n%s", stderr)
	}
	for _, w := range []struct{ user, typ, number string }{
		{"ada@contoso.com", graphsim.TypeMobile, "+1 2065550100"},
		{"ada@contoso.com", graphsim.TypeOffice, "+1 4255550102x7"},
		{"bob@contoso.com", graphsim.TypeMobile, "+44 7400123456"},
	} {
		ms, _ := st.srv.Methods(w.user)
		i := slices.IndexFunc(ms, func(m graphsim.PhoneMethod) bool { return m.PhoneType == w.typ })
		if i < 0 || ms[i].PhoneNumber != w.number {
			t.Errorf("%s %s: got %+v; want %s back", w.user, w.typ, ms, w.number)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "before.results.csv")); err != nil {
		t.Errorf("run's result file: %v", err)
	}
}

// TestExportExitCodes: a user not found makes export exit 1 with its line;
// a read-only grant is enough; no grant is exit 3, nothing written; a --out
// that is the input, a --map of a phone, an --out of another kind are usage
// errors (exit 2).
func TestExportExitCodes(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", "userPrincipalName\nada@contoso.com\n")
	results := writeFile(t, dir, "r.csv", "row,user,status,mobile,alternateMobile,office,smsSignIn,retryable,error,requestId,key,previous,finishedAt\n")
	tests := []struct {
		name string
		opts graphsim.Options
		args []string
		want int
		has  string
	}{
		{"user not found", graphsim.Options{}, nil, 1, "failed 1"},
		{"read permission only", graphsim.Options{AutoCreateUsers: true, Roles: []string{graphsim.RolePhoneReadAll}}, nil, 0, "succeeded 1"},
		{"no permission", graphsim.Options{AutoCreateUsers: true, Roles: []string{}}, nil, 3, "UserAuthenticationMethod.Read.All"},
		{"--out is --in", graphsim.Options{}, []string{"--out", in}, 2, "same file as --in"},
		{"--map of a phone", graphsim.Options{}, []string{"--map", "mobile=Phone"}, 2, "only the user is read"},
		{"--out is a result file", graphsim.Options{}, []string{"--out", results}, 2, "not a phonereg snapshot"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := simEnv(t, tc.opts)
			out := filepath.Join(t.TempDir(), "s.csv")
			args := append([]string{"export", "--auth", "secret", "--in", in, "--out", out, "--progress", "none", "--log-format", "console"}, tc.args...)
			code, _, stderr := st.cli(t, context.Background(), args...)
			if code != tc.want || !strings.Contains(stderr, tc.has) {
				t.Fatalf("got exit %d; want %d and %q\n%s", code, tc.want, tc.has, stderr)
			}
			if code >= 2 {
				if _, err := os.Stat(out); !os.IsNotExist(err) {
					t.Errorf("got a snapshot (%v); want nothing written", err)
				}
			}
		})
	}
}

// TestExportFlagsCheckedUpFront: run's checks of the flags export shares
// hold for export: a usage error before any request, nothing written.
func TestExportFlagsCheckedUpFront(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", twoRows)
	out := filepath.Join(dir, "out.csv")
	summary := filepath.Join(dir, "summary.json")
	notExport := []string{"--on-existing", "--default-region"}
	for _, tc := range badRunFlags(dir, in, writeFile(t, dir, "secret.txt", "not-the-secret\n")) {
		if slices.Contains(notExport, tc.flags[0]) {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			t.Cleanup(func() { os.Remove(out); os.Remove(summary) })
			st := simEnv(t, graphsim.Options{AutoCreateUsers: true})
			args := append([]string{"export", "--auth", "secret", "--in", in, "--out", out, "--rate", "0", "--progress", "none"}, tc.flags...)
			code, _, stderr := st.cli(t, context.Background(), args...)
			if code != exitUsage || !strings.Contains(stderr, tc.has) {
				t.Errorf("got exit %d, stderr %q; want %d naming %s", code, stderr, exitUsage, tc.has)
			}
			if n := len(st.srv.Requests()); n != 0 {
				t.Errorf("got %d requests to Graph; want none", n)
			}
			for _, p := range []string{out, summary} {
				if _, err := os.Stat(p); !os.IsNotExist(err) {
					t.Errorf("got %s (%v); want nothing written", p, err)
				}
			}
		})
	}
	for _, flag := range notExport {
		code, _, stderr := cli(t, context.Background(), "export", "--sim", "--in", in, flag, "x")
		if code != exitUsage || !strings.Contains(stderr, "unknown flag: "+flag) {
			t.Errorf("export %s: got exit %d, %q; want an unknown flag", flag, code, stderr)
		}
	}
}

// TestExportHelp: export --help explains itself with examples.
func TestExportHelp(t *testing.T) {
	code, out, _ := cli(t, context.Background(), "export", "--help")
	for _, has := range []string{"Usage:", "Examples:", "phonereg export --in users.csv", "phonereg run --in before.csv --on-existing update", "--retry-failed"} {
		if code != 0 || !strings.Contains(out, has) {
			t.Errorf("export --help: got exit %d; want %q in:\n%s", code, has, out)
		}
	}
	if code, out, _ := cli(t, context.Background(), "--help"); code != 0 || !strings.Contains(out, "export") {
		t.Errorf("--help does not list export:\n%s", out)
	}
}

// TestExportFromStdin: --in - reads the users from standard input (read
// once: the header that names the snapshot's columns is not read twice from
// it), and needs --out.
func TestExportFromStdin(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "s.csv")
	var stdout, stderr strings.Builder
	err := run(context.Background(), []string{"export", "--sim", "--in", "-", "--out", out, "--progress", "none"},
		strings.NewReader("userId\n4f2c0000-0000-4000-8000-000000000001\n4f2c0000-0000-4000-8000-000000000002\n"), &stdout, &stderr)
	if err != nil {
		t.Fatalf("got %v\n%s", err, stderr.String())
	}
	recs := readCSV(t, out)
	if len(recs) != 3 || recs[0][0] != "userId" || recs[2][0] != "4f2c0000-0000-4000-8000-000000000002" || recs[2][5] != "succeeded" {
		t.Errorf("got %q; want a userId header and both users", recs)
	}
	if code, _, stderr := cli(t, context.Background(), "export", "--sim", "--in", "-"); code != exitUsage || !strings.Contains(stderr, "needs --out") {
		t.Errorf("--in - without --out: got exit %d, %q; want a usage error", code, stderr)
	}
}
