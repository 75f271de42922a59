package main

import (
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCheckListen(t *testing.T) {
	tests := []struct {
		addr   string
		remote bool
		ok     bool
	}{
		{"127.0.0.1:0", false, true},
		{"localhost:8443", false, true},
		{"[::1]:0", false, true},
		{"127.1.2.3:0", false, true},
		{"0.0.0.0:0", false, false},
		{":8443", false, false},
		{"192.0.2.10:8443", false, false},
		{"192.0.2.10:8443", true, true},
		{"nonsense", false, false},
	}
	for _, tc := range tests {
		err := checkListen(tc.addr, tc.remote)
		if (err == nil) != tc.ok {
			t.Errorf("checkListen(%q, %v): got %v; want ok=%v", tc.addr, tc.remote, err, tc.ok)
		}
		if err != nil && exitCode(err) != exitUsage {
			t.Errorf("checkListen(%q): got exit %d; want %d", tc.addr, exitCode(err), exitUsage)
		}
	}
}

func TestSimWritesStateAndStops(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	users := writeFile(t, t.TempDir(), "users.csv", "userPrincipalName,mobile\nseeded@contoso.com,+1 2065550100\n")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var code int
	var stdout string
	go func() {
		defer close(done)
		code, stdout, _ = cli(t, ctx, "sim", "--state-dir", dir, "--auto-users", "--users", users, "--throttle-rate", "20")
	}()
	env := readSimEnv(t, filepath.Join(dir, "sim.env"))
	cancel()
	<-done
	if code != 0 {
		t.Fatalf("sim: got exit %d", code)
	}
	for _, k := range []string{"PHONEREG_GRAPH_URL", "PHONEREG_AUTHORITY_HOST", "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET", "SSL_CERT_FILE"} {
		if env[k] == "" {
			t.Errorf("sim.env: no %s", k)
		}
		if !strings.Contains(stdout, "export "+k+"=") {
			t.Errorf("stdout does not print %s", k)
		}
	}
	if !strings.HasPrefix(env["PHONEREG_GRAPH_URL"], "https://127.0.0.1:") {
		t.Errorf("got Graph URL %q; want https on 127.0.0.1", env["PHONEREG_GRAPH_URL"])
	}
	fi, err := os.Stat(filepath.Join(dir, "sim.env"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("sim.env: got %v %v; want mode 0600 (it holds the secret)", fi.Mode().Perm(), err)
	}
	pem, err := os.ReadFile(env["SSL_CERT_FILE"])
	if err != nil || !x509.NewCertPool().AppendCertsFromPEM(pem) {
		t.Errorf("ca.pem: %v", err)
	}
}

func TestSimRefusals(t *testing.T) {
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.csv", "userPrincipalName,mobile\nx@contoso.com,+12065550100\n")
	tests := []struct {
		name string
		args []string
		has  string
	}{
		{"non-loopback listen", []string{"sim", "--listen", "0.0.0.0:0"}, "--allow-remote"},
		{"bad users file", []string{"sim", "--users", bad}, "Graph's format"},
		{"missing users file", []string{"sim", "--users", filepath.Join(dir, "nope.csv")}, "no such file"},
		{"bad knob", []string{"sim", "--fault-503", "2"}, "probability"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			code, _, stderr := cli(t, ctx, tc.args...)
			if code != exitUsage || !strings.Contains(stderr, tc.has) {
				t.Errorf("got exit %d, stderr %q; want %d mentioning %q", code, stderr, exitUsage, tc.has)
			}
		})
	}
}
