package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.uber.org/zap"
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
	d.args = args
	root := newRootCmd(d)
	root.SetArgs(args)
	root.SetIn(d.stdin)
	root.SetOut(d.stdout)
	root.SetErr(d.stderr)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil || errors.Is(err, errRowsFailed) {
		return err
	}
	if cmd.CalledAs() == "" || cmd.Name() == cobra.ShellCompRequestCmd {
		// cobra found no command to call (the command line names an
		// unknown one), or its hidden __complete command, which cobra adds
		// only as it executes and which can fail only its argument check,
		// was called without arguments. The other commands' mistakes in
		// arguments and flags are usage errors already (see usageArgs).
		err = &usageError{err}
	}
	msg := err.Error()
	if errors.Is(err, context.Canceled) {
		msg = "interrupted; the result file is consistent: run the same command again to resume"
	}
	if jsonLogsFor(cmd) {
		// JSON logs: stderr stays all JSON, the error one record of it.
		if log, lerr := newLogger(logOptions{format: "json", progress: "none"}, newStderrWriter(d.stderr)); lerr == nil {
			log.Error(msg, zap.Int("exitCode", exitCode(err)))
			return err
		}
	}
	fmt.Fprintf(d.stderr, "phonereg: %s\n", msg)
	return err
}

// jsonLogsFor reports whether what execute says about err is a JSON record:
// when --log-format json asked for JSON logs, so that stderr stays all JSON.
// Under auto, logs off a terminal are JSON but the summary and the final
// error stay text, for the person who reads the mail or the journal.
func jsonLogsFor(cmd *cobra.Command) bool {
	f := cmd.Flags().Lookup("log-format")
	return f != nil && f.Value.String() == "json"
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
	root.AddCommand(newRunCmd(d), newUndoCmd(d), newExportCmd(d), newValidateCmd(d), newReportCmd(d), newSimCmd(d), newVersionCmd(d))
	// Before the completion command is added: it writes its script to the
	// output root has then.
	root.SetOut(d.stdout)
	addCompletionCmd(root)
	registerCompletions(root)
	return root
}

// Mistakes in the command line are usage errors (exit 2). cobra reports its
// own checks as plain errors, so each check is routed to one: flag parsing
// through root's FlagErrorFunc, argument checks through usageArgs, required
// flags through requireFlag, and an unknown command in execute.

// usageArgs makes the complaints of the cobra argument check a usage error.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := flagTookAFlag(cmd); err != nil {
			return err
		}
		if err := check(cmd, args); err != nil {
			return &usageError{err}
		}
		return nil
	}
}

// flagTookAFlag finds a flag given without its value, which took the next
// flag as its value instead: in "run --in --progress none", --in took
// "--progress" (and "none" is then an argument run does not take). It names
// the flag that lacks its value, rather than what follows from it.
func flagTookAFlag(cmd *cobra.Command) error {
	var bad error
	cmd.Flags().Visit(func(f *pflag.Flag) {
		v := f.Value.String()
		if bad != nil || f.Value.Type() != "string" || len(v) < 2 || v[0] != '-' {
			return
		}
		name, _, _ := strings.Cut(strings.TrimLeft(v, "-"), "=")
		if other := cmd.Flags().Lookup(name); other != nil || (len(v) == 2 && cmd.Flags().ShorthandLookup(v[1:]) != nil) {
			bad = usagef("--%s needs a value: it took %q, which is a flag; give --%s its value first", f.Name, v, f.Name)
		}
	})
	return bad
}

// requireFlag marks the flags of cmd it names required and checks them in
// cmd's PreRunE, which cobra calls before its own check: a missing flag is a usage
// error, with cobra's message. The mark stays for shell completion, which
// offers required flags first.
func requireFlag(cmd *cobra.Command, names ...string) {
	for _, name := range names {
		cmd.MarkFlagRequired(name)
	}
	cmd.PreRunE = func(cmd *cobra.Command, _ []string) error {
		var missing []string
		for _, name := range names {
			if !cmd.Flags().Changed(name) {
				missing = append(missing, name)
			}
		}
		if len(missing) > 0 {
			word := "flag"
			if len(missing) > 1 {
				word = "flags"
			}
			return usagef(`required %s --%s not set`, word, strings.Join(missing, ", --"))
		}
		return nil
	}
}

// addCompletionCmd adds cobra's completion command and its command per
// shell now rather than when root executes, so that their argument checks
// can be usage errors too. The completion command itself runs (printing its
// help) so that cobra checks its arguments: a shell it does not know is a
// usage error, not its help with exit 0.
func addCompletionCmd(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		c.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
		c.Example = `  # bash, for this shell, then for every new one:
  source <(phonereg completion bash)
  phonereg completion bash > /etc/bash_completion.d/phonereg
  # zsh, fish, PowerShell:
  phonereg completion zsh > "${fpath[1]}/_phonereg"
  phonereg completion fish > ~/.config/fish/completions/phonereg.fish
  phonereg completion powershell | Out-String | Invoke-Expression
  # flag values complete too: phonereg run --on-existing <TAB>`
		for _, c := range append(c.Commands(), c) {
			if c.Args != nil {
				c.Args = usageArgs(c.Args)
			}
		}
	}
}
