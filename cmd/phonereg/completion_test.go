package main

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// completions asks cobra's hidden __complete command what the shell would
// offer after args, and returns the values offered (without descriptions)
// and the directive line.
func completions(t *testing.T, args ...string) (values []string, directive string) {
	t.Helper()
	code, stdout, stderr := cli(t, context.Background(), append([]string{cobra.ShellCompRequestCmd}, args...)...)
	if code != exitOK {
		t.Fatalf("__complete %s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
	for _, l := range strings.Split(strings.TrimSpace(stdout), "\n") {
		if strings.HasPrefix(l, ":") {
			directive = l
			continue
		}
		v, _, _ := strings.Cut(l, "\t")
		values = append(values, v)
	}
	return values, directive
}

// TestFlagValuesComplete: every flag of completedFlags that a command has
// today completes to its values, with no file names, and a prefix narrows
// them; the flags the issue names are among them.
func TestFlagValuesComplete(t *testing.T) {
	root := newRootCmd(deps{})
	var seen []string
	var walk func(cmd *cobra.Command)
	walk = func(cmd *cobra.Command) {
		for _, fv := range completedFlags() {
			if cmd.LocalFlags().Lookup(fv.flag) == nil || fv.commands != nil && !slices.Contains(fv.commands, cmd.Name()) {
				continue
			}
			path := strings.Fields(cmd.CommandPath())[1:]
			seen = append(seen, strings.Join(path, " ")+" --"+fv.flag)
			var want []string
			for _, v := range fv.values {
				name, _, _ := strings.Cut(v, "\t")
				want = append(want, name)
			}
			t.Run(strings.Join(path, " ")+" --"+fv.flag, func(t *testing.T) {
				got, dir := completions(t, append(path, "--"+fv.flag, "")...)
				if !slices.Equal(got, want) || dir != ":4" {
					t.Errorf("got %v %s; want %v :4 (no file completion)", got, dir, want)
				}
				last := want[len(want)-1]
				if got, _ := completions(t, append(path, "--"+fv.flag+"="+last)...); !slices.Contains(got, "--"+fv.flag+"="+last) && !slices.Contains(got, last) {
					t.Errorf("--%s=%s: got %v; want it offered", fv.flag, last, got)
				}
			})
		}
		for _, c := range cmd.Commands() {
			walk(c)
		}
	}
	walk(root)
	for _, must := range []string{
		"run --on-existing", "run --cloud", "run --auth", "run --log-format", "run --api-version", "run --progress",
		"undo --auth", "undo --cloud", "export --auth", "export --progress", "sim --throttle-scope",
	} {
		if !slices.Contains(seen, must) {
			t.Errorf("%s does not complete its values (completed: %v)", must, seen)
		}
	}
}

// TestFlagValuesCompleteByPrefix: what was typed narrows the values.
func TestFlagValuesCompleteByPrefix(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"run", "--auth", "m"}, []string{"managed-identity"}},
		{[]string{"run", "--cloud", "usgov"}, []string{"usgov", "usgovdod"}},
		{[]string{"undo", "--log-format", "c"}, []string{"console"}},
		{[]string{"run", "--on-existing", "x"}, nil},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			if got, _ := completions(t, tc.args...); !slices.Equal(got, tc.want) {
				t.Errorf("got %v; want %v", got, tc.want)
			}
		})
	}
}

// TestCompleteValuesWithoutTheFlag: completeValues does nothing for a flag
// the command lacks (as --from did before it landed), and leaves a flag's
// own completion alone.
func TestCompleteValuesWithoutTheFlag(t *testing.T) {
	cmd := &cobra.Command{Use: "x"}
	completeValues(cmd, "from", "mfa-server", "okta", "duo")
	if _, ok := cmd.GetFlagCompletionFunc("from"); ok {
		t.Errorf("a completion was registered for a flag the command does not have")
	}
	cmd.Flags().String("format", "", "")
	own := func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
		return []cobra.Completion{"mine"}, cobra.ShellCompDirectiveNoFileComp
	}
	cmd.RegisterFlagCompletionFunc("format", own)
	completeValues(cmd, "format", "text")
	f, _ := cmd.GetFlagCompletionFunc("format")
	if got, _ := f(cmd, nil, ""); !slices.Equal(got, []string{"mine"}) {
		t.Errorf("got %v; want the command's own completion kept", got)
	}
}

// TestCompletionScripts: phonereg completion SHELL writes a script for each
// shell cobra knows, one that asks phonereg's __complete; another shell is a
// usage error.
func TestCompletionScripts(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish", "powershell"} {
		t.Run(sh, func(t *testing.T) {
			code, stdout, stderr := cli(t, context.Background(), "completion", sh)
			if code != exitOK || !strings.Contains(stdout, "__complete") || !strings.Contains(stdout, "phonereg") {
				t.Errorf("got exit %d, %d bytes; want a script calling phonereg __complete\n%s", code, len(stdout), stderr)
			}
		})
	}
	if code, _, _ := cli(t, context.Background(), "completion", "tcsh"); code != exitUsage {
		t.Errorf("completion tcsh: got exit %d; want 2", code)
	}
}
