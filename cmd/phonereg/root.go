package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// Set at build time with -ldflags "-X main.version=… -X main.commit=…".
var (
	version = "dev"
	commit  = "unknown"
)

// run runs the phonereg command line args with the given standard streams and
// the process's environment. It is main without the process: tests call it
// with buffers.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return execute(ctx, args, deps{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv})
}

// execute runs the command line args with d and, when it fails, says why on
// d.stderr.
func execute(ctx context.Context, args []string, d deps) error {
	root := newRootCmd(d)
	root.SetArgs(args)
	root.SetIn(d.stdin)
	root.SetOut(d.stdout)
	root.SetErr(d.stderr)
	err := root.ExecuteContext(ctx)
	if err == nil || errors.Is(err, errSilent) || errors.Is(err, errRowsFailed) {
		return err
	}
	if isCobraUsageError(err) {
		err = &usageError{err}
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(d.stderr, "phonereg: interrupted; the result file is consistent: run the same command again to resume")
	} else {
		fmt.Fprintf(d.stderr, "phonereg: %v\n", err)
	}
	return err
}

// isCobraUsageError tells cobra's own flag and argument errors, which it
// returns as plain errors, from the commands' errors.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "invalid argument", "flag needs an argument", "accepts ", "requires at least", "required flag"} {
		if strings.HasPrefix(msg, p) || strings.Contains(msg, " "+p) {
			return true
		}
	}
	return false
}

func newRootCmd(d deps) *cobra.Command {
	root := &cobra.Command{
		Use:   "phonereg",
		Short: "Onboard phone authentication methods into Microsoft Entra ID, in bulk",
		Long: `phonereg reads a CSV of users and phone numbers and, through Microsoft Graph,
adds each user's mobile, alternateMobile and office phone methods and enables
SMS sign-in on the mobile. Every input row gets a line in a result file; a run
that was stopped or crashed resumes from it.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &usageError{fmt.Errorf("%w\nSee '%s --help'.", err, c.CommandPath())}
	})
	root.AddCommand(newRunCmd(d), newValidateCmd(d), newReportCmd(d), newSimCmd(d), newVersionCmd(d))
	return root
}
