package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/phonereg/phonereg/graphclient"
	"github.com/phonereg/phonereg/graphclient/graphsim"
	"github.com/phonereg/phonereg/pipeline"
)

// runOptions are the flags of `phonereg run`.
type runOptions struct {
	in, out       string
	defaultRegion string
	maps          []string
	delimiter     string
	from          string
	onExisting    string
	smsSignIn     bool
	smsSignInSet  bool // --sms-sign-in was given (see checkSmsCloud)
	dryRun        bool
	restart       bool
	retryFailed   bool
	workers       int
	grace         time.Duration
	summaryJSON   string
	allowEmpty    bool
	scope         scopeOptions
	conn          connOptions
	logs          logOptions
}

// connOptions are the flags that say how to reach Graph (SPEC §6); run and
// undo share them.
type connOptions struct {
	// showPII leaves phone numbers in Graph's messages unmasked (--show-pii,
	// a logging flag, copied here by runJob).
	showPII       bool
	auth          string
	cloud         string
	graphURL      string
	authorityHost string
	tenant        string
	clientID      string
	secretFile    string
	certificate   string
	apiVersion    string
	rate          float64
	maxAttempts   int
	timeout       time.Duration
	sim           bool
	simUsers      string
}

// logOptions are the logging and progress flags (SPEC §8).
type logOptions struct {
	format   string
	showPII  bool
	progress string
	verbose  bool
}

func (c *connOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&c.auth, "auth", "auto", "credential: auto (azidentity's DefaultAzureCredential chain), secret, certificate, managed-identity, workload-identity, azure-cli")
	f.StringVar(&c.cloud, "cloud", "global", "national cloud: global, usgov, usgovdod, china (sets the Graph root, authority host and scope)")
	f.StringVar(&c.graphURL, "graph-url", "", "Graph service root without a version, e.g. https://graph.microsoft.com (env PHONEREG_GRAPH_URL)")
	f.StringVar(&c.authorityHost, "authority-host", "", "Entra authority host, e.g. https://login.microsoftonline.com (env PHONEREG_AUTHORITY_HOST)")
	f.StringVar(&c.tenant, "tenant", "", "tenant id or domain (env AZURE_TENANT_ID)")
	f.StringVar(&c.clientID, "client-id", "", "application (client) id, or a user-assigned managed identity's (env AZURE_CLIENT_ID)")
	f.StringVar(&c.secretFile, "client-secret-file", "", "file holding the client secret for --auth secret (default: env AZURE_CLIENT_SECRET); secrets are never taken from a flag value")
	f.StringVar(&c.certificate, "certificate", "", "PEM or PKCS#12 certificate with its key for --auth certificate (env AZURE_CLIENT_CERTIFICATE_PATH; password: env AZURE_CLIENT_CERTIFICATE_PASSWORD)")
	f.StringVar(&c.apiVersion, "api-version", "v1.0", "Graph API version: v1.0 or beta")
	f.Float64Var(&c.rate, "rate", 20, "ceiling of requests per second for the whole run, retries included, never exceeded in any second; the run finds the pace Graph accepts below it (Graph's write quota is 20/s per app and tenant); 0: no ceiling")
	f.IntVar(&c.maxAttempts, "max-attempts", 5, "tries per request for failures, the first included (5xx, timeouts and dropped connections), at most 100; waiting out throttling (429) does not use one up")
	f.DurationVar(&c.timeout, "timeout", 60*time.Second, "time limit of one try of a request (Graph gives up at 60s)")
	f.BoolVar(&c.sim, "sim", false, "run against the built-in Graph emulator, started in-process (users are created on first use)")
	f.StringVar(&c.simUsers, "sim-users", "", "with --sim: seed users from a CSV (userPrincipalName,id,mobile,alternateMobile,office,smsSignInPolicy,autoRegister,defaultMethod)")
}

func (l *logOptions) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&l.format, "log-format", "auto", "log format: auto (console on a terminal, JSON otherwise), console, json")
	f.BoolVar(&l.showPII, "show-pii", false, "show phone numbers in logs and messages unmasked")
	f.StringVar(&l.progress, "progress", "auto", "progress: auto (a bar on a terminal, a log line every 10s otherwise), bar, log, none")
	f.BoolVarP(&l.verbose, "verbose", "v", false, "debug logging: one line per HTTP try")
}

func newRunCmd(d deps) *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run --in FILE",
		Short: "Add phone methods and enable SMS sign-in for every row of a CSV",
		Long: `run reads a CSV of users and phone numbers and, for each row, adds the mobile
phone, then the alternateMobile and office phones, then enables SMS sign-in on
the mobile. Every row gets a line in the result file (--out); running again with
the same --out resumes: rows already finished are skipped, the rest redone.

Input columns (matched ignoring case, spaces, _ and -): userPrincipalName or
userId, mobile, alternateMobile, office. Exit codes: 0 all rows succeeded, 1 some
rows failed, 2 usage error, unreadable input or unwritable result file,
3 authentication or permission failure, 130 interrupted (run again to resume).`,
		Example: `  # against a tenant, credentials from AZURE_TENANT_ID/AZURE_CLIENT_ID/AZURE_CLIENT_SECRET
  phonereg run --in users.csv

  # national numbers, replace numbers that differ, see what would happen first
  phonereg run --in users.csv --default-region US --on-existing update --dry-run

  # another system's export
  phonereg run --in mfa-export.csv --map userPrincipalName=Email --map 'mobile=+{Country Code} {Phone Number}x{Extension}'

  # a legacy MFA provider's export: mfa-server, okta or duo
  phonereg run --in "Multi-Factor Authentication Users.csv" --from mfa-server

  # the built-in emulator
  phonereg run --sim --in samples/users.csv --sim-users samples/sim-users.csv`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.smsSignInSet = cmd.Flags().Changed("sms-sign-in")
			return runJob(cmd.Context(), d, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.in, "in", "", "input CSV (- for standard input)")
	f.StringVar(&o.out, "out", "", "result file (default: the input's name with .results.csv, or .plan.csv for a dry run)")
	f.StringVar(&o.defaultRegion, "default-region", "", "region for numbers written without a country code, e.g. US, GB, DE")
	f.StringArrayVar(&o.maps, "map", nil, "read FIELD from another column: FIELD=COLUMN, or a template FIELD='+{Country Code} {Phone}x{Ext}' (repeatable)")
	f.StringVar(&o.delimiter, "delimiter", "", `force the delimiter: ",", ";", "tab" (default: detected from the header)`)
	registerFrom(cmd, &o.from)
	f.StringVar(&o.onExisting, "on-existing", "fail", "when the user has another number of a type: fail (conflict), skip (keep it), update (replace it)")
	f.BoolVar(&o.smsSignIn, "sms-sign-in", true, "enable SMS sign-in on each row's mobile (--sms-sign-in=false to leave it; off with --cloud china, which does not offer it)")
	f.BoolVar(&o.dryRun, "dry-run", false, "read each user's phone methods and record what run would do; write nothing to Graph")
	f.BoolVar(&o.restart, "restart", false, "start the result file over (the old one is kept as FILE.bak)")
	f.BoolVar(&o.retryFailed, "retry-failed", false, "redo every row that did not succeed, also those an admin had to fix first")
	f.IntVar(&o.workers, "workers", defaultWorkers, "the most users worked on at once; below it the run keeps as many as rate × latency needs")
	f.DurationVar(&o.grace, "grace", 30*time.Second, "on SIGINT/SIGTERM, how long rows in flight may take to finish (positive)")
	f.StringVar(&o.summaryJSON, "summary-json", "", "also write the summary as JSON to this file, for monitoring")
	f.BoolVar(&o.allowEmpty, "allow-empty", false, "exit 0 for an input with no data rows (only a header); without it such an input exits 1, so that an empty export does not look like success")
	requireFlag(cmd, "in")
	o.scope.register(cmd, "run")
	o.conn.register(cmd)
	o.logs.register(cmd)
	return cmd
}

// runJob is `phonereg run`: it checks the flags, opens the input, connects
// and checks the permissions, hands the rows to pipeline.Run, and prints the
// summary.
func runJob(ctx context.Context, d deps, o runOptions) error {
	read, out, err := o.check()
	if err != nil {
		return err
	}
	j, err := startJob(ctx, d, o.in, o.logs, o.conn)
	if err != nil {
		return err
	}
	defer j.close()
	if err := preflight(ctx, j.client, o, j.log, d.clock()()); err != nil {
		return err
	}
	cfg := j.config(out, read, o.workers, o.grace, o.retryFailed)
	cfg.OnExisting, cfg.SmsSignIn, cfg.DryRun, cfg.Restart = pipeline.OnExisting(o.onExisting), o.smsSignIn, o.dryRun, o.restart
	cfg.SmsUnavailable = !smsCloud(o.conn).SmsSignInAvailable()
	o.scope.apply(&cfg)
	sum, runErr := pipeline.Run(ctx, j.client, cfg)
	return j.finish(o.summaryJSON, o.allowEmpty, sum, runErr)
}

// preflight gets a token and checks its permissions before the first row,
// and before the result file is touched: either ReadWrite role does every
// step of run (GRAPH.md). A dry run only reads, so it goes on without write
// permissions. Then it says what the cloud and now make of the SMS step
// (smsNotice).
func preflight(ctx context.Context, client *graphclient.Client, o runOptions, log *zap.Logger, now time.Time) error {
	_, err := client.CheckPermissions(ctx)
	var pe *graphclient.PermissionError
	switch {
	case errors.As(err, &pe) && o.dryRun:
		log.Warn("the application lacks write permissions; a dry run only reads", zap.Error(err))
	case err != nil:
		return err
	}
	smsNotice(log, o, now)
	return nil
}

// printSummary prints sum, with the client's requests and pace, on stderr,
// and writes it to summaryJSON too when that is set, with how the job ended.
func printSummary(stderr io.Writer, summaryJSON string, end jobEnd, sum *pipeline.Summary, client *graphclient.Client) error {
	st := client.Stats()
	fl := client.Flow()
	doc := summaryDoc(end, sum, st, fl)
	if end.jsonLogs {
		// JSON logs: stderr stays all JSON, the summary one record of it.
		end.log.Info("summary", zap.Reflect("summary", doc))
	} else {
		fmt.Fprint(stderr, "\n"+sum.String())
		fmt.Fprintf(stderr, "    requests:  %d sent (%s per row processed), %s, %d throttled (429)\n", st.Requests, perRow(st.Requests, sum.Processed), quantity(int(max(0, st.Tries-st.Requests)), "retry", "retries"), st.Throttled)
		fmt.Fprintf(stderr, "    pace:      %s at the end (ceiling %s), slowed %s\n", formatRate(fl.Rate), formatRate(fl.Ceiling), quantity(int(fl.Cuts), "time", "times"))
	}
	if summaryJSON == "" {
		return nil
	}
	return writeSummaryJSON(summaryJSON, doc)
}

// check checks every flag before the input is opened, Graph is asked or the
// result file is touched (SPEC §5: a usage error is exit 2, with nothing
// done), and returns the input options and the result file's path.
func (o runOptions) check() (pipeline.InputOptions, string, error) {
	if err := o.validate(); err != nil {
		return pipeline.InputOptions{}, "", err
	}
	read, err := inputOptions(o.delimiter, o.defaultRegion, o.maps, o.from)
	if err != nil {
		return pipeline.InputOptions{}, "", err
	}
	out := o.out
	if out == "" {
		out = defaultOut(o.in)
		if o.dryRun {
			// A plan is not a record of what was done: it gets a file of
			// its own (and its lines would not resume a real run anyway).
			out = strings.TrimSuffix(out, ".results.csv") + ".plan.csv"
		}
	}
	for _, check := range []func() error{
		func() error { return checkOutputs(o.in, out, o.summaryJSON) },
		func() error { return checkResultPath("--out", out) },
		func() error { return checkWritable("--summary-json", o.summaryJSON) },
		o.conn.checkFiles,
	} {
		if err := check(); err != nil {
			return pipeline.InputOptions{}, "", err
		}
	}
	return read, out, nil
}

func (o runOptions) validate() error {
	switch o.onExisting {
	case "fail", "skip", "update":
	default:
		return usagef("--on-existing %q: want fail, skip or update", o.onExisting)
	}
	if o.in == "-" && o.out == "" {
		return usagef("--in - (standard input) needs --out")
	}
	if err := checkPool(o.workers, o.grace); err != nil {
		return err
	}
	if err := o.conn.validate(); err != nil {
		return err
	}
	return o.checkSmsCloud()
}

// checkPool checks --workers and --grace, which run and undo share.
func checkPool(workers int, grace time.Duration) error {
	if workers < 1 || workers > 1024 {
		return usagef("--workers %d: want 1 to 1024", workers)
	}
	if grace <= 0 {
		// pipeline takes 0 for its default of 30s: --grace 0 would not mean
		// what it says.
		return usagef("--grace %v: want a positive duration", grace)
	}
	return nil
}

// maxAttempts bounds --max-attempts: graphclient counts retries in an int32,
// and a hundred tries with backoff already outlast any Graph outage a run
// should wait out.
const maxAttempts = 100

func (c connOptions) validate() error {
	if c.rate < 0 || math.IsNaN(c.rate) || math.IsInf(c.rate, 0) {
		return usagef("--rate %v: want a finite number of requests per second, 0 for no ceiling", c.rate)
	}
	if c.maxAttempts < 1 || c.maxAttempts > maxAttempts {
		return usagef("--max-attempts %d: want 1 to %d", c.maxAttempts, maxAttempts)
	}
	if c.timeout <= 0 {
		return usagef("--timeout must be positive")
	}
	if !slices.Contains(graphclient.AuthModes, c.auth) {
		return usagef("--auth %q: want one of %s", c.auth, strings.Join(graphclient.AuthModes, ", "))
	}
	if c.secretFile != "" && c.auth != graphclient.AuthSecret {
		return usagef("--client-secret-file needs --auth secret (--auth %s does not read it)", c.auth)
	}
	if c.certificate != "" && c.auth != graphclient.AuthCertificate {
		return usagef("--certificate needs --auth certificate (--auth %s does not read it)", c.auth)
	}
	switch c.apiVersion {
	case "v1.0", "beta":
	default:
		return usagef("--api-version %q: want v1.0 or beta", c.apiVersion)
	}
	if c.simUsers != "" && !c.sim {
		return usagef("--sim-users needs --sim")
	}
	return c.validateEndpoints()
}

// validateEndpoints checks --cloud, --graph-url and --authority-host, also
// with --sim, which does not use them. Their environment fallbacks are
// checked as the client is built.
func (c connOptions) validateEndpoints() error {
	if _, err := graphclient.LookupCloud(c.cloud); err != nil {
		return usagef("--cloud: %v", err)
	}
	if _, err := graphclient.ResolveEndpoints(c.cloud, c.graphURL, ""); err != nil {
		return usagef("--graph-url: %v", err)
	}
	if _, err := graphclient.ResolveEndpoints(c.cloud, "", c.authorityHost); err != nil {
		return usagef("--authority-host: %v", err)
	}
	return nil
}

// checkFiles checks that the files the connection flags name can be read,
// before the credential reads them: otherwise a missing secret file would be
// an authentication failure (exit 3) rather than a usage error.
func (c connOptions) checkFiles() error {
	return errors.Join(checkReadable("--client-secret-file", c.secretFile),
		checkReadable("--certificate", c.certificate), checkReadable("--sim-users", c.simUsers))
}

// inputOptions checks and converts the input flags that run and validate
// share (--from: see from.go).
func inputOptions(delimiter, region string, maps []string, from string) (pipeline.InputOptions, error) {
	d := delimiterRune(delimiter)
	if d < 0 {
		return pipeline.InputOptions{}, usagef("--delimiter %q: want one character, or tab", delimiter)
	}
	if region != "" {
		if err := pipeline.CheckRegion(region); err != nil {
			return pipeline.InputOptions{}, usagef("--default-region: %v", err)
		}
	}
	for _, m := range maps {
		if !strings.Contains(m, "=") {
			return pipeline.InputOptions{}, usagef("--map %q: want FIELD=COLUMN or FIELD=template", m)
		}
	}
	if err := checkFrom(from); err != nil {
		return pipeline.InputOptions{}, err
	}
	o := pipeline.InputOptions{Delimiter: d, Maps: maps, Phone: pipeline.PhoneOptions{DefaultRegion: strings.ToUpper(region)}, From: from}
	if err := pipeline.CheckInputOptions(o); err != nil {
		return pipeline.InputOptions{}, err
	}
	return o, nil
}

// delimiterRune is --delimiter as a rune: 0 for auto-detection, -1 when
// invalid.
func delimiterRune(s string) rune {
	switch strings.ToLower(s) {
	case "":
		return 0
	case "tab", `\t`, "\t":
		return '\t'
	}
	r := []rune(s)
	if len(r) != 1 || r[0] == '"' || r[0] == '\n' || r[0] == '\r' {
		return -1
	}
	return r[0]
}

// defaultWorkers is --workers' default: a cap high enough for Graph's
// quota at any latency Graph shows (20/s × 60 s would need more, but Graph
// gives up at 60 s); the run keeps as many busy as rate × latency needs.
const defaultWorkers = 256

// perRow is n/rows with one decimal, or "-" with no rows.
func perRow(n int64, rows int) string {
	if rows == 0 {
		return "-"
	}
	return strconv.FormatFloat(float64(n)/float64(rows), 'f', 1, 64)
}

// formatRate renders requests per second; +Inf is "none".
func formatRate(r float64) string {
	if math.IsInf(r, 1) {
		return "none"
	}
	return strconv.FormatFloat(r, 'f', 1, 64) + "/s"
}

func finite(f float64) *float64 {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil
	}
	f = math.Round(f*10) / 10
	return &f
}

// defaultOut is the result file next to the input (SPEC §4).
func defaultOut(in string) string {
	return strings.TrimSuffix(in, filepath.Ext(in)) + ".results.csv"
}

// openInputFile opens --in for run and validate: the file at path, or stdin
// for "-". With count, rows estimates a regular file's data rows for run's
// progress bar. Anything else streams, with rows 0, as stdin does: a pipe,
// a FIFO, /dev/stdin or <(…), which cannot be read twice, and a character
// device, which may never end (/dev/zero). Opening a FIFO waits for its
// writer; that wait, and the count, give way to ctx.
func openInputFile(ctx context.Context, path string, stdin io.Reader, count bool) (in io.Reader, rows int, closeIn func(), err error) {
	if path == "-" {
		return stdin, 0, func() {}, nil
	}
	if strings.TrimSpace(path) == "" {
		return nil, 0, nil, usagef("--in is empty: give the input CSV's path, or - for standard input")
	}
	f, err := openCtx(ctx, path)
	if err != nil {
		return nil, 0, nil, err
	}
	fi, err := f.Stat()
	switch {
	case err == nil && fi.IsDir():
		f.Close()
		return nil, 0, nil, usagef("--in %s: is a folder; give the input CSV file in it", path)
	case err != nil:
		f.Close()
		return nil, 0, nil, usagef("--in %s: not a readable file: %v", path, err)
	}
	if count && fi.Mode().IsRegular() {
		if rows, err = countRowsAndRewind(ctx, f); err != nil {
			f.Close()
			return nil, 0, nil, err
		}
	}
	return f, rows, func() { f.Close() }, nil
}

// openCtx opens --in, giving way to ctx while the open blocks (a FIFO whose
// writer has not opened it yet). The open then goes on in the background,
// and closes what it opens.
func openCtx(ctx context.Context, path string) (*os.File, error) {
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.Open(path)
		ch <- opened{f, err}
	}()
	select {
	case o := <-ch:
		if o.err != nil {
			return nil, usagef("--in: %v", o.err)
		}
		return o.f, nil
	case <-ctx.Done():
		go func() {
			if o := <-ch; o.f != nil {
				o.f.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// countRowsAndRewind reads the regular file f to its end, counting the
// non-empty lines after the first (an estimate of the data rows: a quoted
// newline counts twice), then seeks back to its start. The input is thus
// read twice, here and by pipeline, because the progress bar needs a total
// before the first row while pipeline's CSV reader streams; a second read of
// a local file costs little next to Graph's 20 writes/s.
func countRowsAndRewind(ctx context.Context, f *os.File) (int, error) {
	n, prevNL, first := 0, true, true
	buf := make([]byte, 1<<20)
	for {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		k, err := f.Read(buf)
		for _, c := range buf[:k] {
			if c == '\n' {
				if !prevNL && !first {
					n++
				}
				if first {
					first = false
				}
				prevNL = true
			} else if c != '\r' {
				prevNL = false
			}
		}
		if err == io.EOF {
			if !prevNL && !first {
				n++
			}
			break
		}
		if err != nil {
			return 0, usagef("--in: %v", err)
		}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, usagef("--in: %v", err)
	}
	return n, nil
}

// connect builds the Graph client: against the tenant the flags and
// environment name, or with --sim against an emulator started here. The
// function it returns stops that emulator (it does nothing otherwise).
func connect(d deps, c connOptions, log *zap.Logger) (*graphclient.Client, func(), error) {
	if c.sim {
		return connectSim(c, log)
	}
	client, err := connectTenant(d, c, log)
	if err != nil {
		return nil, nil, err
	}
	return client, func() {}, nil
}

// connectTenant builds the client for the tenant, cloud and credential that
// the flags name, with d's environment as their fallback.
func connectTenant(d deps, c connOptions, log *zap.Logger) (*graphclient.Client, error) {
	graphURL := firstNonEmpty(c.graphURL, d.getenv("PHONEREG_GRAPH_URL"))
	authority := firstNonEmpty(c.authorityHost, d.getenv("PHONEREG_AUTHORITY_HOST"))
	cloud, err := graphclient.ResolveEndpoints(c.cloud, graphURL, authority)
	if err != nil {
		return nil, usagef("%v", err)
	}
	tr := newTransport(d.rootCAs)
	cred, err := graphclient.NewCredential(graphclient.CredentialOptions{
		Mode: c.auth, Cloud: cloud, TenantID: c.tenant, ClientID: c.clientID,
		ClientSecretFile: c.secretFile, CertificatePath: c.certificate, Transport: tr,
		Getenv: d.getenv,
	})
	if err != nil {
		return nil, &graphclient.AuthError{Err: err}
	}
	client, err := graphclient.New(clientConfig(c, log, cred, cloud, tr))
	if err != nil {
		return nil, usagef("%v", err)
	}
	return client, nil
}

// connectSim starts the emulator for --sim and builds a client for it. The
// function it returns stops the emulator.
func connectSim(c connOptions, log *zap.Logger) (*graphclient.Client, func(), error) {
	srv, err := startSim(c.simUsers)
	if err != nil {
		return nil, nil, err
	}
	client, err := simClient(c, srv, log)
	if err != nil {
		srv.Close()
		return nil, nil, err
	}
	log.Info("using the built-in Graph emulator", zap.String("url", srv.URL))
	return client, srv.Close, nil
}

// simClient builds the client for the emulator srv, with an explicit
// client-secret credential: nothing probes any other address.
func simClient(c connOptions, srv *graphsim.Server, log *zap.Logger) (*graphclient.Client, error) {
	tr := newTransport(srv.CertPool())
	cloud, err := graphclient.ResolveEndpoints("global", srv.GraphURL(), srv.AuthorityHost())
	if err != nil {
		return nil, err
	}
	cred, err := graphclient.NewCredential(graphclient.CredentialOptions{
		Mode: graphclient.AuthSecret, Cloud: cloud, TenantID: srv.TenantID(), ClientID: srv.ClientID(),
		ClientSecret: srv.ClientSecret(), Transport: tr,
	})
	if err != nil {
		return nil, err
	}
	return graphclient.New(clientConfig(c, log, cred, cloud, tr))
}

// newTransport is the HTTP client for Graph and the token service, trusting
// roots instead of the system's roots when roots is not nil.
func newTransport(roots *x509.CertPool) *http.Client {
	var tlsCfg *tls.Config
	if roots != nil {
		tlsCfg = &tls.Config{RootCAs: roots}
	}
	return graphclient.NewHTTPClient(tlsCfg)
}

// clientConfig is the graphclient.Config for the connection flags c, a
// credential and the endpoints and transport it was built for.
func clientConfig(c connOptions, log *zap.Logger, cred azcore.TokenCredential, cloud graphclient.Cloud, tr *http.Client) graphclient.Config {
	return graphclient.Config{
		Credential: cred, GraphURL: cloud.GraphURL, Transport: tr,
		APIVersion: c.apiVersion, Rate: c.rate, MaxAttempts: c.maxAttempts,
		Timeout: c.timeout, Version: version, Logger: log.Named("graph"), ShowPII: c.showPII,
	}
}

// startSim starts the emulator for --sim, seeded from usersFile.
func startSim(usersFile string) (*graphsim.Server, error) {
	opts := graphsim.Options{AutoCreateUsers: true}
	if usersFile != "" {
		users, err := readSimUsers("--sim-users", usersFile)
		if err != nil {
			return nil, err
		}
		opts.Users = users
	}
	srv, err := graphsim.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("starting the emulator: %w", err)
	}
	return srv, nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// summaryJSON is --summary-json's document.
type summaryJSON struct {
	*pipeline.Summary
	Requests       int64    `json:"requests"`
	RequestsPerRow float64  `json:"requestsPerRow"`
	Tries          int64    `json:"tries"`
	Retries        int64    `json:"retries"`
	Throttled      int64    `json:"throttled"`
	Rate           *float64 `json:"rate"`    // the pace at the end, requests/s; null: unpaced
	Ceiling        *float64 `json:"ceiling"` // --rate; null: none
	Version        string   `json:"version"`
	// ExitCode is the code the command exits with (SPEC §5); Input is its
	// --in as given, "-" for standard input.
	ExitCode int    `json:"exitCode"`
	Input    string `json:"input"`
}

// jobEnd is how a job ended, for --summary-json: the input it read and the
// exit code the command ends with.
type jobEnd struct {
	input    string
	rows     int // the input's data rows, when counted (a regular file); 0 otherwise
	exitCode int
	// allowEmpty: an input without data rows is not an error (--allow-empty).
	allowEmpty bool
	// log is the job's logger; with jsonLogs the summary is one of its
	// records instead of text.
	log      *zap.Logger
	jsonLogs bool
}

// commandLine is the command line args as a shell would take it back: each
// argument quoted when it needs to be. No flag takes a secret
// (TestNoFlagTakesASecret), so it is safe to print.
func commandLine(args []string) string {
	parts := []string{"phonereg"}
	for _, a := range args {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(r == '-' || r == '_' || r == '.' || r == '/' || r == '=' || r == ':' || r == '@' || r == ',' || r == '+' ||
				(r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9'))
		}) < 0 {
			parts = append(parts, a)
			continue
		}
		parts = append(parts, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
	}
	return strings.Join(parts, " ")
}

// writeSummaryJSON writes --summary-json: sum, the client's requests and
// pace, and how the job ended.
func writeSummaryJSON(path string, doc summaryJSON) error {
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("--summary-json: %w", err)
	}
	return nil
}

// summaryDoc is the summary as --summary-json (and, with JSON logs, the
// summary's log record) has it: sum, the client's requests and pace, and how
// the job ended.
func summaryDoc(end jobEnd, sum *pipeline.Summary, st graphclient.Stats, fl graphclient.FlowStats) summaryJSON {
	doc := summaryJSON{Summary: sum, Requests: st.Requests, Tries: st.Tries, Retries: max(0, st.Tries-st.Requests), Throttled: st.Throttled,
		Rate: finite(fl.Rate), Ceiling: finite(fl.Ceiling), Version: version, ExitCode: end.exitCode, Input: end.input}
	if sum.Processed > 0 {
		doc.RequestsPerRow = math.Round(float64(st.Requests)/float64(sum.Processed)*100) / 100
	}
	return doc
}
