package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/phonereg/phonereg/graphclient"
	"github.com/phonereg/phonereg/pipeline"
)

// exportOptions are the flags of `phonereg export`.
type exportOptions struct {
	in, out     string
	maps        []string
	delimiter   string
	from        string
	restart     bool
	retryFailed bool
	workers     int
	grace       time.Duration
	summaryJSON string
	allowEmpty  bool
	scope       scopeOptions
	conn        connOptions
	logs        logOptions
}

func newExportCmd(d deps) *cobra.Command {
	var o exportOptions
	cmd := &cobra.Command{
		Use:   "export --in USERS.csv [--out SNAPSHOT.csv]",
		Short: "Read the listed users' phone methods into a snapshot that run reads back as input",
		Long: `export reads each listed user's phone methods (GET only, nothing is written to
Graph) and writes a snapshot (--out): one line per input row, in input order,
with the user column as given (userPrincipalName or userId, both when the input
has both), then mobile, alternateMobile and office in Graph's form, then the
mobile's smsSignInState, the status (succeeded, failed, invalid), the error,
retryable, requestId and finishedAt. A user that cannot be read has its line
with the status and error; a user without phone methods, empty numbers.

The input needs only a user column, matched as run matches it (--map reads it
from another column); phone columns are ignored. The same user on two rows is
read for each, one after the other. The snapshot is input for run as it is:
run --in SNAPSHOT --on-existing update puts the numbers back (a row export
could not read, or without a number, is invalid there, with the reason; run
never removes a number). Cells a spreadsheet would run as a formula, every
number among them, are written with a leading ', which phonereg drops again
when it reads them. The file is written with mode 0600: it holds PII.

Running again with the same --out resumes: users whose line succeeded (or
failed where an admin must act) are skipped, the rest read again. Exit codes
as run's: 0 every user read, 1 some not, 2 usage error, unreadable input or a
snapshot that cannot be written or is in use, 3 authentication or permission
failure, 130 interrupted (run again to resume).`,
		Example: `  # the inventory before a migration: who has which number, whose SMS sign-in is ready
  phonereg export --in users.csv                 # writes users.snapshot.csv

  # another system's user list
  phonereg export --in hr.csv --map userPrincipalName=Email --out before.csv

  # ... and later, put the numbers back as they were
  phonereg run --in before.csv --on-existing update

  # the built-in emulator
  phonereg export --sim --in samples/users.csv --sim-users samples/sim-users.csv`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return exportJob(cmd.Context(), d, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.in, "in", "", "input CSV of users (- for standard input)")
	f.StringVar(&o.out, "out", "", "the snapshot (default: the input's name with .snapshot.csv)")
	f.StringArrayVar(&o.maps, "map", nil, "read the user from another column: userPrincipalName=COLUMN or userId=COLUMN, or a template (repeatable)")
	f.StringVar(&o.delimiter, "delimiter", "", `force the input's delimiter: ",", ";", "tab" (default: detected from the header)`)
	registerFrom(cmd, &o.from)
	f.BoolVar(&o.restart, "restart", false, "start the snapshot over (the old one is kept as FILE.bak)")
	f.BoolVar(&o.retryFailed, "retry-failed", false, "read again every user whose line did not succeed, also those an admin had to fix first")
	f.IntVar(&o.workers, "workers", defaultWorkers, "the most users read at once; below it the export keeps as many as rate × latency needs")
	f.DurationVar(&o.grace, "grace", 30*time.Second, "on SIGINT/SIGTERM, how long reads in flight may take to finish (positive)")
	f.StringVar(&o.summaryJSON, "summary-json", "", "also write the summary as JSON to this file, for monitoring")
	f.BoolVar(&o.allowEmpty, "allow-empty", false, "exit 0 for an input with no data rows (only a header); without it such an input exits 1")
	requireFlag(cmd, "in")
	o.scope.register(cmd, "read")
	o.conn.register(cmd)
	o.logs.register(cmd)
	return cmd
}

// exportJob is `phonereg export`: it checks the flags, opens the input,
// connects and checks the permission to read, hands the users to
// pipeline.Export, and prints the summary.
func exportJob(ctx context.Context, d deps, o exportOptions) error {
	read, out, err := o.check()
	if err != nil {
		return err
	}
	j, err := startJob(ctx, d, o.in, o.logs, o.conn)
	if err != nil {
		return err
	}
	defer j.close()
	if _, err := j.client.CheckReadPermissions(ctx); err != nil {
		return err
	}
	cfg := j.config(out, read, o.workers, o.grace, o.retryFailed)
	cfg.Restart = o.restart
	o.scope.apply(&cfg)
	sum, runErr := pipeline.Export(ctx, j.client, cfg)
	return j.finish(o.summaryJSON, o.allowEmpty, sum, runErr)
}

// finishJob prints the summary of a job (run, undo, export) that read input
// and returned sum and runErr, writes --summary-json with the exit code the
// command ends with, and returns the error it ends with: runErr, or
// errRowsFailed when some rows did not succeed. Without a summary (the input
// could not be read at all) it returns runErr.
func finishJob(d deps, end jobEnd, summaryJSON string, sum *pipeline.Summary, client *graphclient.Client, runErr error) error {
	if sum == nil {
		return runErr
	}
	jobErr := runErr
	if jobErr == nil && sum.Failed() > 0 {
		jobErr = errRowsFailed
	}
	if runErr == nil && noDataRows(sum) {
		end.log.Warn("the input has no data rows (only a header, or blank lines): nothing was done")
		if !end.allowEmpty {
			jobErr = errNoRows
		}
	}
	end.exitCode = exitCode(jobErr)
	sum.InputRows = end.rows
	if sum.Interrupted {
		sum.ResumeCommand = commandLine(d.args)
	}
	if err := printSummary(d.stderr, summaryJSON, end, sum, client); err != nil {
		return errors.Join(runErr, err)
	}
	return jobErr
}

// errNoRows ends a job whose input had no data rows (exit 1), unless
// --allow-empty: an empty nightly export must not look like success.
var errNoRows = errors.New("the input has no data rows: nothing was done (--allow-empty makes that exit 0)")

// noDataRows reports whether the job's input had no data row at all: none
// processed, none finished earlier, none passed over.
func noDataRows(sum *pipeline.Summary) bool {
	return sum.Processed+sum.Skipped == 0 && sum.Left == 0 && sum.OnlyUser == "" && !sum.Interrupted
}

// check checks every flag before the input is opened, Graph is asked or the
// snapshot is touched, and returns the input options and the snapshot's
// path.
func (o exportOptions) check() (pipeline.InputOptions, string, error) {
	if err := o.validate(); err != nil {
		return pipeline.InputOptions{}, "", err
	}
	read, err := inputOptions(o.delimiter, "", o.maps, o.from)
	if err != nil {
		return pipeline.InputOptions{}, "", err
	}
	read.UsersOnly = true
	if err := pipeline.CheckInputOptions(read); err != nil {
		return pipeline.InputOptions{}, "", err
	}
	out := o.out
	if out == "" {
		out = defaultSnapshot(o.in)
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

func (o exportOptions) validate() error {
	if o.in == "-" && o.out == "" {
		return usagef("--in - (standard input) needs --out")
	}
	if o.workers < 1 || o.workers > 1024 {
		return usagef("--workers %d: want 1 to 1024", o.workers)
	}
	if o.grace <= 0 {
		return usagef("--grace %v: want a positive duration", o.grace)
	}
	return o.conn.validate()
}

// defaultSnapshot is the snapshot next to the input.
func defaultSnapshot(in string) string {
	return strings.TrimSuffix(in, filepath.Ext(in)) + ".snapshot.csv"
}
