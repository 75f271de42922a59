package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/zap"

	"github.com/phonereg/phonereg/graphclient"
	"github.com/phonereg/phonereg/pipeline"
)

// undoOptions are the flags of `phonereg undo`.
type undoOptions struct {
	in, results, out string
	defaultRegion    string
	maps             []string
	delimiter        string
	from             string
	dryRun           bool
	retryFailed      bool
	workers          int
	grace            time.Duration
	summaryJSON      string
	scope            scopeOptions
	conn             connOptions
	logs             logOptions
}

func newUndoCmd(d deps) *cobra.Command {
	var o undoOptions
	cmd := &cobra.Command{
		Use:   "undo --in FILE --results RESULTS",
		Short: "Revert what a run did, from its result file",
		Long: `undo reverts what a run did, user by user, from the run's result file
(--results) and the run's input (--in, read with the same --map, --from,
--delimiter and --default-region as the run): it deletes the phone methods the run added (office
and alternateMobile before mobile), puts back the numbers it replaced (from the
previous column), and disables SMS sign-in where the run enabled it and the
mobile stays.

It acts only where the user's number is still the one the run wrote: a number
changed since is left alone and reported changed-since. A method Graph will not
delete (the user's default sign-in method) is not-removable: change the user's
default sign-in method, then run undo again with --retry-failed.

The run's result file is only read, and locked while undo runs. The undo's own
result file (--out, default RESULTS with .csv replaced by .undo.csv) has the same
columns and resumes the same way: after an interruption, run the same undo
again. With --sim the emulator starts without the run's changes: seed it with
--sim-users as the run left the users. Exit codes: 0 every row undone (or
nothing to undo), 1 some rows changed since, not removable or failed, 2 usage
error, unreadable input or result file, 3 authentication or permission failure,
130 interrupted (run again to resume).`,
		Example: `  # see what undo would do (reads only), then do it
  phonereg undo --in users.csv --results users.results.csv --dry-run --out plan.undo.csv
  phonereg undo --in users.csv --results users.results.csv

  # the run read its input with options: give undo the same ones
  phonereg undo --in mfa-export.csv --results mfa-export.results.csv --map userPrincipalName=Email --default-region US

  # after changing a user's default sign-in method, redo the rows left
  phonereg undo --in users.csv --results users.results.csv --retry-failed

  # the built-in emulator, seeded with the users as the run left them
  phonereg undo --sim --sim-users after-run.csv --in samples/users.csv --results samples/users.results.csv`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return undoJob(cmd.Context(), d, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.in, "in", "", "the run's input CSV (- for standard input)")
	f.StringVar(&o.results, "results", "", "the run's result file (only read)")
	f.StringVar(&o.out, "out", "", "the undo's result file (default: --results with .csv replaced by .undo.csv); a dry run's planned rows are redone by the next undo")
	f.StringVar(&o.defaultRegion, "default-region", "", "region for numbers written without a country code, as the run had it")
	f.StringArrayVar(&o.maps, "map", nil, "read FIELD from another column, as the run did: FIELD=COLUMN, or a template (repeatable)")
	f.StringVar(&o.delimiter, "delimiter", "", `force the delimiter: ",", ";", "tab" (default: detected from the header)`)
	registerFrom(cmd, &o.from)
	f.BoolVar(&o.dryRun, "dry-run", false, "read each user's phone methods and record what undo would do; write nothing to Graph")
	f.BoolVar(&o.retryFailed, "retry-failed", false, "redo every row that was not undone, also those an admin had to act on first")
	f.IntVar(&o.workers, "workers", defaultWorkers, "the most users worked on at once; below it undo keeps as many as rate × latency needs")
	f.DurationVar(&o.grace, "grace", 30*time.Second, "on SIGINT/SIGTERM, how long rows in flight may take to finish (positive)")
	f.StringVar(&o.summaryJSON, "summary-json", "", "also write the summary as JSON to this file, for monitoring")
	requireFlag(cmd, "in", "results")
	o.scope.register(cmd, "undo")
	o.conn.register(cmd)
	o.logs.register(cmd)
	return cmd
}

// undoJob is `phonereg undo`: it checks the flags, opens the input, connects
// and checks the permissions, hands the rows to pipeline.Undo, and prints
// the summary.
func undoJob(ctx context.Context, d deps, o undoOptions) error {
	read, out, err := o.check()
	if err != nil {
		return err
	}
	j, err := startJob(ctx, d, o.in, o.logs, o.conn)
	if err != nil {
		return err
	}
	defer j.close()
	if err := undoPreflight(ctx, j.client, o.dryRun, j.log); err != nil {
		return err
	}
	undoSmsNotice(j.log, o.conn)
	cfg := pipeline.UndoConfig{Results: o.results, Config: j.config(out, read, o.workers, o.grace, o.retryFailed)}
	cfg.DryRun, cfg.SmsUnavailable = o.dryRun, !smsCloud(o.conn).SmsSignInAvailable()
	o.scope.apply(&cfg.Config)
	sum, undoErr := pipeline.Undo(ctx, j.client, cfg)
	return j.finish(o.summaryJSON, false, sum, undoErr)
}

// undoPreflight gets a token and checks its permissions before the first
// row. Deleting phone methods is documented for
// UserAuthenticationMethod.ReadWrite.All only, and so is disabling SMS
// sign-in on the older reference pages: with the phone role alone undo
// warns and goes on (a refusal is the row's outcome, its error naming the
// permission). A dry run only reads, so it goes on without write
// permissions.
func undoPreflight(ctx context.Context, client *graphclient.Client, dryRun bool, log *zap.Logger) error {
	grant, err := client.CheckPermissions(ctx)
	var pe *graphclient.PermissionError
	switch {
	case errors.As(err, &pe) && dryRun:
		log.Warn("the application lacks write permissions; a dry run only reads", zap.Error(err))
	case err != nil:
		return err
	case !dryRun && !grant.Has(graphclient.PermReadWriteAll):
		log.Warn("the application has " + graphclient.PermPhoneReadWriteAll + " but not " + graphclient.PermReadWriteAll +
			": deleting phone methods is documented only for the latter (and disabling SMS sign-in on older reference pages); Graph may refuse those steps (403), and their rows say so")
	}
	return nil
}

// check checks every flag before the input is opened, Graph is asked or a
// file is touched, and returns the input options and the undo's result
// file's path.
func (o undoOptions) check() (pipeline.InputOptions, string, error) {
	if err := o.validate(); err != nil {
		return pipeline.InputOptions{}, "", err
	}
	read, err := inputOptions(o.delimiter, o.defaultRegion, o.maps, o.from)
	if err != nil {
		return pipeline.InputOptions{}, "", err
	}
	out := o.out
	if out == "" {
		out = defaultUndoOut(o.results)
	}
	for _, check := range []func() error{
		func() error { return checkReadable("--results", o.results) },
		func() error { return checkNotResults(o.results, out, o.summaryJSON) },
		func() error { return checkOutputs(o.in, out, o.summaryJSON) },
		func() error { return checkResultPath("--out", out) },
		func() error { return checkWritable("--summary-json", o.summaryJSON) },
		func() error { return checkResultFile(o.results) },
		o.conn.checkFiles,
	} {
		if err := check(); err != nil {
			return pipeline.InputOptions{}, "", err
		}
	}
	return read, out, nil
}

func (o undoOptions) validate() error {
	if o.results == "-" {
		return usagef("--results -: want the run's result file, not standard input")
	}
	if err := checkPool(o.workers, o.grace); err != nil {
		return err
	}
	return o.conn.validate()
}

// checkNotResults refuses a file undo writes that is the run's result file,
// which undo only reads.
func checkNotResults(results, out, summaryJSON string) error {
	if sameFile(out, results) {
		return usagef("--out %s: the same file as --results, which undo only reads; choose another file for the undo's results", out)
	}
	if summaryJSON != "" && sameFile(summaryJSON, results) {
		return usagef("--summary-json %s: the same file as --results", summaryJSON)
	}
	return nil
}

// checkResultFile makes sure --results is a result file, before any request.
func checkResultFile(path string) error {
	err := pipeline.CheckResultFile(path)
	if errors.Is(err, pipeline.ErrNotResultFile) {
		return &usageError{fmt.Errorf("--results %w", err)}
	}
	if err != nil {
		return usagef("--results: %v", err)
	}
	return nil
}

// defaultUndoOut is undo's result file beside the run's: RESULTS with .csv
// replaced by .undo.csv (users.results.csv → users.results.undo.csv).
func defaultUndoOut(results string) string {
	if ext := filepath.Ext(results); strings.EqualFold(ext, ".csv") {
		return strings.TrimSuffix(results, ext) + ".undo.csv"
	}
	return results + ".undo.csv"
}
