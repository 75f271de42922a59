package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/phonereg/phonereg/pipeline"
)

// reportOptions are the flags of `phonereg report`.
type reportOptions struct {
	format string
	asJSON bool
	top    int
	out    string
}

// newReportCmd is `phonereg report`.
func newReportCmd(d deps) *cobra.Command {
	var o reportOptions
	cmd := &cobra.Command{
		Use:   "report RESULTS",
		Short: "Summarize a result file: rows by status, outcomes per step, top errors, rows to retry",
		Long: `report reads a result file written by run or undo (also one a crash left as a
journal: the last line of each row counts) and reports rows by status, the
outcomes of each step, the most frequent errors (numbers and ids masked, so
that one kind of error is one line, with Graph's code, the first row that has
it and its request-id), the rows a rerun retries with the command that does,
and the rows that need an admin first. An export snapshot is not a result
file: export prints its summary as it ends.

Formats (--format): text (the default, for a terminal), json (a stable shape,
documented in the README), markdown (GitHub-flavoured tables), html (one
self-contained page with a chart of the outcomes per step, to attach to a
change ticket), csv (the helpdesk's worklist: every row that needs an admin,
one line per failed step: row,user,step,outcome,error,requestId). --top bounds
the lists of every format but csv. The report holds user names: --out writes
it with mode 0600.`,
		Example: `  phonereg report users.results.csv
  phonereg report users.results.csv --format json --top 0
  phonereg report users.results.csv --format html --out change-1234.html
  phonereg report users.results.csv --format csv --out helpdesk.csv
  phonereg report users.results.undo.csv`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return reportJob(cmd, d, o, args[0])
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.format, "format", string(pipeline.ReportText), "output format: "+joinFormats(", "))
	f.BoolVar(&o.asJSON, "json", false, "the same as --format json")
	f.IntVar(&o.top, "top", 10, "how many errors, rows to retry and rows that need an admin to list (0: all); csv lists all")
	f.StringVar(&o.out, "out", "", "write the report to this file, mode 0600 (default: standard output)")
	cmd.RegisterFlagCompletionFunc("format", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return strings.Split(joinFormats(","), ","), cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// joinFormats lists the report formats, joined by sep.
func joinFormats(sep string) string {
	names := make([]string, len(pipeline.ReportFormats))
	for i, f := range pipeline.ReportFormats {
		names[i] = string(f)
	}
	return strings.Join(names, sep)
}

// reportJob is `phonereg report`: it checks the flags, reads the result file
// and writes the report to stdout or --out.
func reportJob(cmd *cobra.Command, d deps, o reportOptions, results string) error {
	format, err := o.check(cmd, results)
	if err != nil {
		return err
	}
	f, err := os.Open(results)
	if err != nil {
		return usagef("%v", err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return usagef("%s: is a folder; want a result file", results)
	}
	rep, err := pipeline.ReadReport(cmd.Context(), f, results)
	if err != nil {
		return usagef("%s: %v", results, err)
	}
	if o.out == "" {
		return rep.Write(d.stdout, format, o.top)
	}
	var buf bytes.Buffer
	if err := rep.Write(&buf, format, o.top); err != nil {
		return err
	}
	return writePrivateFile(o.out, buf.Bytes())
}

// check checks the flags before the result file is read, and returns the
// format.
func (o reportOptions) check(cmd *cobra.Command, results string) (pipeline.ReportFormat, error) {
	format := pipeline.ReportFormat(o.format)
	if o.asJSON {
		if cmd.Flags().Changed("format") && format != pipeline.ReportJSON {
			return "", usagef("--json and --format %s: choose one", o.format)
		}
		format = pipeline.ReportJSON
	}
	if !slices.Contains(pipeline.ReportFormats, format) {
		return "", usagef("--format %q: want one of %s", o.format, joinFormats(", "))
	}
	if o.top < 0 {
		return "", usagef("--top %d: want 0 (all) or more", o.top)
	}
	if o.out != "" && sameFile(o.out, results) {
		return "", usagef("--out %s: the same file as the result file it reports on", o.out)
	}
	return format, checkWritable("--out", o.out)
}

// writePrivateFile writes b to path with mode 0600, whether or not path
// exists (a file that does keeps no earlier mode): through a temporary file
// in its folder, renamed over it. A path that exists and is not a regular
// file (a FIFO, /dev/stdout) is written as it is.
func writePrivateFile(path string, b []byte) error {
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		if err != nil {
			return usagef("--out: %v", err)
		}
		_, werr := f.Write(b)
		return outErr(errors.Join(werr, f.Close()))
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return usagef("--out: %v", err)
	}
	_, werr := tmp.Write(b)
	err = errors.Join(werr, tmp.Chmod(0o600), tmp.Sync(), tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return outErr(err)
}

// outErr is a failure to write --out, a usage error (exit 2) as for run's
// result file; nil stays nil.
func outErr(err error) error {
	if err == nil {
		return nil
	}
	return usagef("--out: %w", err)
}
