package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// cli runs the command line in-process with buffers, as main would.
func cli(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(ctx, args, strings.NewReader(""), &out, &errb)
	return exitCode(err), out.String(), errb.String()
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// simTenant is a graphsim server and the environment that points the
// command line at it, as sim.env does.
type simTenant struct {
	srv *graphsim.Server
	env map[string]string
	// roots, when set, are the CAs trusted instead of srv's: an emulator
	// behind a server of the test's own (refusingTenant), srv nil.
	roots *x509.CertPool
}

// simEnv starts a graphsim server, stopped at the end of the test.
func simEnv(t *testing.T, opts graphsim.Options) *simTenant {
	t.Helper()
	srv, err := graphsim.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return &simTenant{srv: srv, env: map[string]string{
		"PHONEREG_GRAPH_URL":      srv.GraphURL(),
		"PHONEREG_AUTHORITY_HOST": srv.AuthorityHost(),
		"AZURE_TENANT_ID":         srv.TenantID(),
		"AZURE_CLIENT_ID":         srv.ClientID(),
		"AZURE_CLIENT_SECRET":     srv.ClientSecret(),
	}}
}

// cli is the package's cli with st.env as the environment and st's CA
// trusted, handed in through deps.
func (st *simTenant) cli(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	err := execute(ctx, args, deps{
		stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return st.env[k] }, rootCAs: st.rootCAs(),
	})
	return exitCode(err), out.String(), errb.String()
}

// rootCAs are the CAs the command line trusts for st.
func (st *simTenant) rootCAs() *x509.CertPool {
	if st.roots != nil {
		return st.roots
	}
	return st.srv.CertPool()
}

func TestRunExitCodes(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.csv", "userPrincipalName,mobile\na@contoso.com,+1 206 555 0100\nb@contoso.com,+1 206 555 0101\n")
	mixed := writeFile(t, dir, "mixed.csv", "userPrincipalName,mobile\na@contoso.com,+1 206 555 0100\nb@contoso.com,+1 555\n")
	notResults := writeFile(t, dir, "not-results.csv", "hello,world\n")
	noUser := writeFile(t, dir, "nouser.csv", "name,mobile\nx,+1 206 555 0100\n")
	tests := []struct {
		name string
		args []string
		want int
		has  string
	}{
		{"all rows succeed", []string{"run", "--sim", "--in", good, "--out", filepath.Join(dir, "g.results.csv")}, 0, "succeeded 2"},
		{"some rows fail", []string{"run", "--sim", "--in", mixed, "--out", filepath.Join(dir, "m.results.csv")}, 1, "invalid 1"},
		{"dry run", []string{"run", "--sim", "--dry-run", "--in", good, "--out", filepath.Join(dir, "d.csv")}, 0, "planned 2"},
		{"no --in", []string{"run", "--sim"}, 2, "in"},
		{"missing input file", []string{"run", "--sim", "--in", filepath.Join(dir, "nope.csv")}, 2, "no such file"},
		{"input without a user column", []string{"run", "--sim", "--in", noUser, "--out", filepath.Join(dir, "n.results.csv")}, 2, "user"},
		{"--out is not a result file", []string{"run", "--sim", "--in", good, "--out", notResults}, 2, "not a phonereg result file"},
		{"result file cannot be written", []string{"run", "--sim", "--in", good, "--out", "/dev/full"}, 2, "not a regular file"},
		{"unknown --default-region", []string{"run", "--sim", "--in", good, "--default-region", "XX"}, 2, "--default-region"},
		{"bad --on-existing", []string{"run", "--sim", "--in", good, "--on-existing", "maybe"}, 2, "--on-existing"},
		{"unknown flag", []string{"run", "--sim", "--in", good, "--frobnicate"}, 2, "unknown flag"},
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
		{"bad cloud", []string{"run", "--in", good, "--cloud", "mars", "--auth", "secret"}, 2, "unknown cloud"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := cli(t, context.Background(), tc.args...)
			if code != tc.want {
				t.Fatalf("got exit %d; want %d\nstderr:\n%s", code, tc.want, stderr)
			}
			if !strings.Contains(stderr, tc.has) {
				t.Errorf("stderr does not mention %q:\n%s", tc.has, stderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "n.results.csv")); !os.IsNotExist(err) {
		t.Errorf("an unreadable input left a result file behind (%v)", err)
	}
}

func TestRunAuthFailuresExit3AndWriteNothing(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", "userPrincipalName,mobile\na@contoso.com,+1 206 555 0100\n")
	tests := []struct {
		name  string
		opts  graphsim.Options
		setup func(env map[string]string)
		has   string
	}{
		{"wrong secret", graphsim.Options{AutoCreateUsers: true}, func(env map[string]string) { env["AZURE_CLIENT_SECRET"] = "wrong-secret-value" }, "AADSTS7000215"},
		{"no permission", graphsim.Options{AutoCreateUsers: true, Roles: []string{}}, nil, "UserAuthenticationMethod.ReadWrite.All"},
		{"read permission only", graphsim.Options{AutoCreateUsers: true, Roles: []string{graphsim.RoleReadAll}}, nil, "UserAuthenticationMethod.ReadWrite.All"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := simEnv(t, tc.opts)
			srv := st.srv
			if tc.setup != nil {
				tc.setup(st.env)
			}
			out := filepath.Join(dir, tc.name+".results.csv")
			code, _, stderr := st.cli(t, context.Background(), "run", "--auth", "secret", "--in", in, "--out", out)
			if code != 3 {
				t.Fatalf("got exit %d; want 3\n%s", code, stderr)
			}
			if !strings.Contains(stderr, tc.has) {
				t.Errorf("stderr does not mention %q:\n%s", tc.has, stderr)
			}
			if strings.Contains(stderr, "wrong-secret-value") || strings.Contains(stderr, srv.ClientSecret()) {
				t.Errorf("stderr shows a secret:\n%s", stderr)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("a result file was written (%v); want nothing written", err)
			}
			if srv.Writes() != 0 {
				t.Errorf("got %d writes to Graph; want none", srv.Writes())
			}
		})
	}
}

func TestRunAgainstExternalEmulatorWithSummaryJSON(t *testing.T) {
	st := simEnv(t, graphsim.Options{AutoCreateUsers: true})
	dir := t.TempDir()
	in := writeFile(t, dir, "in.csv", "userPrincipalName;mobile;office\na@contoso.com;+1 206 555 0100;+1 425 555 0100\n")
	sj := filepath.Join(dir, "summary.json")
	code, _, stderr := st.cli(t, context.Background(), "run", "--auth", "secret", "--in", in, "--summary-json", sj, "--log-format", "json")
	if code != 0 {
		t.Fatalf("got exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "in.results.csv")); err != nil {
		t.Errorf("default result file: %v", err)
	}
	var doc map[string]any
	b, err := os.ReadFile(sj)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("summary JSON: %v\n%s", err, b)
	}
	if doc["rows"] != float64(1) || doc["requests"] == float64(0) {
		t.Errorf("summary JSON: got %s", b)
	}
	if ms, _ := st.srv.Methods("a@contoso.com"); len(ms) != 2 {
		t.Errorf("got methods %+v; want mobile and office", ms)
	}
	// JSON logs: one line per row, numbers masked.
	if !strings.Contains(stderr, `"msg":"row"`) {
		t.Errorf("no row log line:\n%s", stderr)
	}
	if strings.Contains(stderr, "2065550100") {
		t.Errorf("a phone number is logged unmasked:\n%s", stderr)
	}
}

func TestRunInterruptedExits130(t *testing.T) {
	st := simEnv(t, graphsim.Options{AutoCreateUsers: true, Knobs: graphsim.Knobs{LatencyBase: 20 * time.Millisecond}})
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("userPrincipalName,mobile\n")
	for i := range 200 {
		fmt.Fprintf(&b, "u%d@contoso.com,+1 206 555 %04d\n", i, i)
	}
	in := writeFile(t, dir, "in.csv", b.String())
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for st.srv.Writes() < 10 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	code, _, stderr := st.cli(t, ctx, "run", "--auth", "secret", "--in", in, "--workers", "4", "--rate", "0")
	if code != 130 {
		t.Fatalf("got exit %d; want 130\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "resume") {
		t.Errorf("stderr does not say how to resume:\n%s", stderr)
	}
	code, _, stderr = st.cli(t, context.Background(), "run", "--auth", "secret", "--in", in, "--workers", "4", "--rate", "0")
	if code != 0 {
		t.Fatalf("resume: got exit %d\n%s", code, stderr)
	}
}

func TestVersionAndHelp(t *testing.T) {
	code, out, _ := cli(t, context.Background(), "version")
	if code != 0 || !strings.HasPrefix(out, "phonereg ") {
		t.Errorf("version: got %d %q", code, out)
	}
	for _, c := range []string{"run", "sim", "version"} {
		code, out, _ := cli(t, context.Background(), c, "--help")
		if code != 0 || !strings.Contains(out, "Usage:") {
			t.Errorf("%s --help: got %d %q", c, code, out)
		}
	}
}

func TestCountRowsAndRewind(t *testing.T) {
	tests := []struct {
		name, content string
		want          int
	}{
		{"empty", "", 0},
		{"header only", "userPrincipalName,mobile\n", 0},
		{"two rows", "h\na\nb\n", 2},
		{"no final newline", "h\na\nb", 2},
		{"blank and CRLF lines", "h\r\na\r\n\r\n\nb\r\n", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := os.Open(writeFile(t, t.TempDir(), "in.csv", tc.content))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			got, err := countRowsAndRewind(context.Background(), f)
			if err != nil || got != tc.want {
				t.Fatalf("got %d, %v; want %d", got, err, tc.want)
			}
			if pos, _ := f.Seek(0, io.SeekCurrent); pos != 0 {
				t.Errorf("got offset %d after counting; want 0", pos)
			}
		})
	}
}
