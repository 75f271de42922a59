package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/phonereg/phonereg/graphclient/graphsim"
	"github.com/spf13/cobra"
)

// simOptions are the flags of `phonereg sim`.
type simOptions struct {
	listen        string
	allowRemote   bool
	stateDir      string
	usersFile     string
	autoUsers     bool
	tenantID      string
	clientID      string
	roles         []string
	tokenLifetime time.Duration
	knobs         graphsim.Knobs
	throttleScope string
	smsRefusal    string
}

func newSimCmd(d deps) *cobra.Command {
	var o simOptions
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Run the Microsoft Graph emulator until interrupted",
		Long: `sim runs graphsim, phonereg's in-memory emulator of the Microsoft Graph phone
authentication method endpoints and of the Entra token service, over TLS on
loopback with a certificate authority it generates.

It writes ca.pem and sim.env into --state-dir and prints the same lines, so that

    source STATE_DIR/sim.env && phonereg run --in users.csv

talks to it with the default --auth auto. It runs until SIGINT or SIGTERM.`,
		Example: `  phonereg sim --state-dir sim-state --auto-users
  phonereg sim --users samples/sim-users.csv --throttle-rate 20 --fault-503 0.05
  phonereg sim --roles UserAuthMethod-Phone.ReadWrite.All --token-lifetime 30s`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serveSim(cmd.Context(), o, d.stdout, d.stderr)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:0", "address to listen on (host:port); a loopback address unless --allow-remote")
	f.BoolVar(&o.allowRemote, "allow-remote", false, "allow a non-loopback --listen address")
	f.StringVar(&o.stateDir, "state-dir", "", "folder for ca.pem and sim.env (default: a new temporary folder)")
	f.StringVar(&o.usersFile, "users", "", "seed users from a CSV: userPrincipalName,id,mobile,alternateMobile,office,smsSignInPolicy,autoRegister,defaultMethod")
	f.BoolVar(&o.autoUsers, "auto-users", false, "create unknown users on first use instead of answering 404")
	f.StringVar(&o.tenantID, "tenant-id", "", "tenant id (default: generated)")
	f.StringVar(&o.clientID, "client-id", "", "the application's client id (default: generated; the secret is always generated)")
	f.StringSliceVar(&o.roles, "roles", []string{graphsim.RoleReadWriteAll}, `application permissions in tokens' roles claim; "none" for no claim`)
	f.DurationVar(&o.tokenLifetime, "token-lifetime", time.Hour, "lifetime of access tokens")
	f.Float64Var(&o.knobs.ThrottleRate, "throttle-rate", 0, "throttle with a token bucket of this many requests per second (0: off)")
	f.IntVar(&o.knobs.ThrottleBurst, "throttle-burst", 0, "the throttle bucket's size (default: the rate)")
	f.BoolVar(&o.knobs.ThrottleAfterLatency, "throttle-after-latency", false, "add the latency before the throttle decides (network jitter bunches requests at the bucket); default: the throttle decides on arrival")
	f.StringVar(&o.throttleScope, "throttle-scope", "writes", "what the throttle counts: writes or all")
	f.BoolVar(&o.knobs.FractionalRetryAfter, "retry-after-fractional", false, "send Retry-After with milliseconds (2.128) instead of whole seconds")
	f.BoolVar(&o.knobs.OmitRetryAfter, "no-retry-after", false, "send 429s without Retry-After")
	f.DurationVar(&o.knobs.LatencyBase, "latency", 0, "latency added to every Graph request")
	f.DurationVar(&o.knobs.LatencyJitter, "latency-jitter", 0, "mean of an exponentially distributed extra latency (capped at 10x)")
	f.Float64Var(&o.knobs.Fault503, "fault-503", 0, "probability of a 503 serviceNotAvailable")
	f.Float64Var(&o.knobs.FaultReset, "fault-reset", 0, "probability of dropping the connection before handling a request")
	f.Float64Var(&o.knobs.FaultAmbiguous, "fault-ambiguous", 0, "probability of applying a write, then dropping its response")
	f.BoolVar(&o.knobs.Create200, "create-200", false, "answer a create with 200 instead of 201")
	f.BoolVar(&o.knobs.Legacy200, "legacy-200", false, "answer update and enableSmsSignIn with 200 instead of 204 (older beta)")
	f.BoolVar(&o.knobs.NotUniqueConflict, "not-unique-conflict", false, "a mobile whose automatic SMS registration collides answers 409 phoneNumberNotUnique, yet is created")
	f.BoolVar(&o.knobs.DuplicateTypeConflict, "duplicate-conflict", false, "a create of a phone type the user has answers 409 instead of 400")
	f.StringVar(&o.smsRefusal, "sms-refusal", string(graphsim.RefusalStateAndCode), "how a refused enableSmsSignIn says why: state-and-code, state, code or silent")
	f.BoolVar(&o.knobs.PhoneRoleLegacy, "phone-role-legacy", false, "the older Graph pages' rule: UserAuthMethod-Phone.ReadWrite.All cannot enable/disable SMS sign-in (by default it can; delete always needs UserAuthenticationMethod.ReadWrite.All)")
	f.Int64Var(&o.knobs.Seed, "seed", 0, "seed for fault and latency randomness (0: random)")
	return cmd
}

// serveSim is `phonereg sim`: it starts the emulator, writes its state for
// other processes, and serves until ctx is cancelled.
func serveSim(ctx context.Context, o simOptions, stdout, stderr io.Writer) error {
	if err := checkListen(o.listen, o.allowRemote); err != nil {
		return err
	}
	o.knobs.ThrottleScope = graphsim.ThrottleScope(o.throttleScope)
	o.knobs.SmsRefusal = graphsim.SmsRefusalStyle(o.smsRefusal)
	roles := o.roles
	if len(roles) == 1 && strings.EqualFold(roles[0], "none") {
		roles = []string{}
	}
	opts := graphsim.Options{
		Addr: o.listen, TenantID: o.tenantID, ClientID: o.clientID, Roles: roles,
		TokenLifetime: o.tokenLifetime, AutoCreateUsers: o.autoUsers, Knobs: o.knobs,
	}
	if host, _, err := net.SplitHostPort(o.listen); err == nil && o.allowRemote && host != "" {
		opts.ExtraHosts = []string{host}
	}
	if o.usersFile != "" {
		users, err := readSimUsers("--users", o.usersFile)
		if err != nil {
			return err
		}
		opts.Users = users
	}
	srv, err := graphsim.NewServer(opts)
	if err != nil {
		var ne *net.OpError
		if errors.As(err, &ne) {
			return err
		}
		return &usageError{err}
	}
	defer srv.Close()

	dir := o.stateDir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "phonereg-sim-"); err != nil {
			return err
		}
	}
	env, err := writeSimState(dir, srv)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, env)
	fmt.Fprintf(stderr, "graphsim: Graph and token service at %s (tenant %s); wrote %s and %s; Ctrl-C to stop\n",
		srv.URL, srv.TenantID(), filepath.Join(dir, "ca.pem"), filepath.Join(dir, "sim.env"))
	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(shutdownCtx)
	fmt.Fprintln(stderr, "graphsim: stopped")
	return nil
}

// readSimUsers reads the users seed file that flag names (usage error when
// it is unreadable).
func readSimUsers(flag, path string) ([]graphsim.User, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usagef("%s: %v", flag, err)
	}
	defer f.Close()
	users, err := graphsim.ReadUsers(f)
	if err != nil {
		return nil, usagef("%s %s: %v", flag, path, err)
	}
	return users, nil
}

// checkListen refuses a listen address that is not loopback, unless allowed.
func checkListen(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return usagef("--listen %q: %v (want host:port, e.g. 127.0.0.1:8443)", addr, err)
	}
	if allowRemote {
		return nil
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return usagef("--listen %q is not a loopback address; the emulator serves a test tenant with a known secret, so listening elsewhere needs --allow-remote", addr)
}

// writeSimState writes ca.pem and sim.env (mode 0600: it holds the client
// secret) into dir and returns sim.env's text.
func writeSimState(dir string, srv *graphsim.Server) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("--state-dir: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	caPath := filepath.Join(abs, "ca.pem")
	if err := os.WriteFile(caPath, srv.CACertPEM(), 0o644); err != nil {
		return "", fmt.Errorf("--state-dir: %w", err)
	}
	var b strings.Builder
	for _, kv := range [][2]string{
		{"PHONEREG_GRAPH_URL", srv.GraphURL()},
		{"PHONEREG_AUTHORITY_HOST", srv.AuthorityHost()},
		{"AZURE_TENANT_ID", srv.TenantID()},
		{"AZURE_CLIENT_ID", srv.ClientID()},
		{"AZURE_CLIENT_SECRET", srv.ClientSecret()},
		{"SSL_CERT_FILE", caPath},
		// With --auth auto, azidentity's chain then uses only the variables
		// above: it never goes on to probe for a managed identity (IMDS)
		// elsewhere on the network.
		{"AZURE_TOKEN_CREDENTIALS", "EnvironmentCredential"},
	} {
		fmt.Fprintf(&b, "export %s=%s\n", kv[0], shellQuote(kv[1]))
	}
	envPath := filepath.Join(abs, "sim.env")
	if err := os.WriteFile(envPath, []byte(b.String()), 0o600); err != nil {
		return "", fmt.Errorf("--state-dir: %w", err)
	}
	if err := os.Chmod(envPath, 0o600); err != nil { // an older sim.env keeps its mode otherwise
		return "", fmt.Errorf("--state-dir: %w", err)
	}
	return b.String(), nil
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:~+=@%,", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
