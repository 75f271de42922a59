package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// securityInput has a row that succeeds; one whose office number a
// refusingTenant refuses, quoting it in its message ("Invalid phone number
// \"+1 2065550150x1234567890123\"", once it lengthened the extension), and
// the --sim emulator takes; and one that phonereg itself finds invalid (an
// extension longer than 9 digits), which no request is sent for.
const securityInput = "userPrincipalName,mobile,office\n" +
	"a@contoso.com,+1 206 555 0100,\n" +
	"pii@contoso.com,,+1 206 555 0150 x1234\n" +
	"long@contoso.com,,+1 206 555 0151 x1234567890123\n"

// TestRunLeaksNoSecretOrToken runs a whole `phonereg run` with debug logging
// (one line per HTTP try), JSON logs and --summary-json, the client secret
// taken from the environment or a file, and scans everything the run wrote —
// stdout, stderr, the result file, the summary — for the secret, for any
// token (the emulator's are JWTs, which start "eyJ") and for the refused
// number unmasked. The command line holds no secret, so `ps` shows none.
func TestRunLeaksNoSecretOrToken(t *testing.T) {
	tests := []struct {
		name string
		// args are the connection flags; secret is what must not show.
		setup func(t *testing.T, dir string) (st *simTenant, args []string, secret string)
	}{
		{"--auth secret, AZURE_CLIENT_SECRET", func(t *testing.T, dir string) (*simTenant, []string, string) {
			st := refusingTenant(t, graphsim.Options{AutoCreateUsers: true})
			return st, []string{"--auth", "secret"}, st.env["AZURE_CLIENT_SECRET"]
		}},
		{"--auth secret, --client-secret-file", func(t *testing.T, dir string) (*simTenant, []string, string) {
			st := refusingTenant(t, graphsim.Options{AutoCreateUsers: true})
			secret := st.env["AZURE_CLIENT_SECRET"]
			delete(st.env, "AZURE_CLIENT_SECRET")
			file := filepath.Join(dir, "secret")
			if err := os.WriteFile(file, []byte(secret+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			return st, []string{"--auth", "secret", "--client-secret-file", file}, secret
		}},
		{"--sim", func(t *testing.T, dir string) (*simTenant, []string, string) {
			// The in-process emulator's secret is unknown here; it starts "sim~".
			// It takes the pii row's number: only phonereg's invalid row fails.
			return &simTenant{env: map[string]string{}}, []string{"--sim"}, "sim~"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			st, conn, secret := tc.setup(t, dir)
			in := writeFile(t, dir, "in.csv", securityInput)
			out, summary := filepath.Join(dir, "in.results.csv"), filepath.Join(dir, "summary.json")
			args := append([]string{"run", "--in", in, "--out", out, "-v", "--log-format", "json", "--progress", "log", "--summary-json", summary}, conn...)
			code, stdout, stderr := runWith(t, st, args...)
			if code != exitRowsFailed {
				t.Fatalf("got exit %d; want %d (one row fails)\n%s", code, exitRowsFailed, stderr)
			}
			if !strings.Contains(stderr, `"msg":"graph try"`) {
				t.Fatalf("no debug line per try in stderr; the scan would prove little:\n%s", stderr)
			}
			outputs := map[string]string{"stdout": stdout, "stderr": stderr, "result file": readFile(t, out), "summary JSON": readFile(t, summary)}
			for what, text := range outputs {
				for _, leak := range []string{secret, "eyJ", "2065550150", "2065550151", "1234567890123"} {
					if strings.Contains(text, leak) {
						t.Errorf("%s holds %q:\n%s", what, leak, text)
					}
				}
			}
			if refuses := st.roots != nil; refuses && !strings.Contains(outputs["result file"], "+1 ******0150x***") {
				t.Errorf("the result file does not hold Graph's refusal with the number masked:\n%s", outputs["result file"])
			}
			if !strings.Contains(outputs["result file"], "long@contoso.com,invalid,,,,,false,\"office: the extension has 13 digits") {
				t.Errorf("the result file does not hold the row phonereg found invalid:\n%s", outputs["result file"])
			}
			if slices.ContainsFunc(args, func(a string) bool { return strings.Contains(a, secret) }) {
				t.Errorf("the command line %q holds the secret", args)
			}
			for _, f := range []string{out, summary} {
				if fi, err := os.Stat(f); err != nil || fi.Mode().Perm() != 0o600 {
					t.Errorf("%s: got %v, %v; want mode 0600", f, fi.Mode().Perm(), err)
				}
			}
		})
	}
}

// runWith runs the command line with st's environment and CA, or, for st
// without a server (--sim), with an empty environment.
func runWith(t *testing.T, st *simTenant, args ...string) (int, string, string) {
	t.Helper()
	if st.srv != nil || st.roots != nil {
		return st.cli(t, context.Background(), args...)
	}
	return cli(t, context.Background(), args...)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// secretWords mark a flag that might carry a credential.
var secretWords = []string{"secret", "password", "passphrase", "token", "credential", "key"}

// TestNoFlagTakesASecret: no flag of any command takes a secret as its value
// (a command line shows in `ps`, shell history and CI logs): a flag named
// for a credential is a file path (-file, or the certificate's path) or
// not a string at all (--token-lifetime). And there is no --client-secret.
func TestNoFlagTakesASecret(t *testing.T) {
	root := newRootCmd(deps{getenv: func(string) string { return "" }})
	cmds := []string{}
	stack := root.Commands()
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = append(stack[:len(stack)-1], c.Commands()...)
		cmds = append(cmds, c.CommandPath())
		c.Flags().VisitAll(func(f *pflag.Flag) {
			name := strings.ToLower(f.Name)
			if !slices.ContainsFunc(secretWords, func(w string) bool { return strings.Contains(name, w) }) {
				return
			}
			if t := f.Value.Type(); t != "string" && t != "stringSlice" && t != "stringArray" {
				return
			}
			if !strings.HasSuffix(name, "-file") && !strings.HasSuffix(name, "-path") {
				t.Errorf("%s --%s takes a %s that may be a secret; want a file (…-file) or the environment", c.CommandPath(), f.Name, f.Value.Type())
			}
		})
	}
	if !slices.Contains(cmds, "phonereg run") {
		t.Fatalf("walked %q; want every command, run among them", cmds)
	}
	code, _, stderr := cli(t, context.Background(), "run", "--in", "x.csv", "--client-secret", "s3cret")
	if code != exitUsage || !strings.Contains(stderr, "unknown flag: --client-secret") || strings.Contains(stderr, "s3cret") {
		t.Errorf("--client-secret: got exit %d, stderr %q; want an unknown flag (exit 2) and the value not echoed", code, stderr)
	}
}

// TestShowPIIUnmasksGraphMessages: --show-pii is the one way to see the
// numbers Graph quotes in its refusals; the secret and the token stay hidden.
func TestShowPIIUnmasksGraphMessages(t *testing.T) {
	dir := t.TempDir()
	st := refusingTenant(t, graphsim.Options{AutoCreateUsers: true})
	in := writeFile(t, dir, "in.csv", securityInput)
	out := filepath.Join(dir, "in.results.csv")
	code, _, stderr := runWith(t, st, "run", "--in", in, "--out", out, "--auth", "secret", "--log-format", "json", "--progress", "none", "--show-pii")
	if code != exitRowsFailed {
		t.Fatalf("got exit %d; want %d\n%s", code, exitRowsFailed, stderr)
	}
	if res := readFile(t, out); !strings.Contains(res, "2065550150") {
		t.Errorf("with --show-pii the result file does not hold Graph's message as it came:\n%s", res)
	}
	for _, leak := range []string{st.env["AZURE_CLIENT_SECRET"], "eyJ"} {
		if strings.Contains(stderr, leak) {
			t.Errorf("stderr holds %q", leak)
		}
	}
}
