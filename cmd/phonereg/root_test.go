package main

import (
	"context"
	"strings"
	"testing"
)

// TestUsageErrors: every check cobra makes of the command line (unknown
// commands, arguments, flags, required flags) is a usage error, exit 2, with
// cobra's message.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		has  string
	}{
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate" for "phonereg"`},
		{"unknown flag of root", []string{"--frobnicate"}, "unknown flag: --frobnicate"},
		{"an argument run does not take", []string{"run", "extra"}, `unknown command "extra" for "phonereg run"`},
		{"an argument version does not take", []string{"version", "extra"}, `unknown command "extra" for "phonereg version"`},
		{"report without its file", []string{"report"}, "accepts 1 arg(s), received 0"},
		{"report with two files", []string{"report", "a", "b"}, "accepts 1 arg(s), received 2"},
		{"run without --in", []string{"run", "--sim"}, `required flag --in not set`},
		{"validate without --in", []string{"validate"}, `required flag --in not set`},
		{"a flag without its value", []string{"run", "--in"}, "flag needs an argument: --in"},
		{"a flag's value of the wrong type", []string{"run", "--in", "x.csv", "--workers", "many"}, `invalid argument "many" for "--workers"`},
		{"an unknown shorthand", []string{"run", "-x"}, "unknown shorthand flag: 'x' in -x"},
		{"an argument completion does not take", []string{"completion", "bash", "extra"}, `unknown command "extra" for "phonereg completion bash"`},
		{"__complete without arguments", []string{"__complete"}, "requires at least 1 arg(s), only received 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := cli(t, context.Background(), tc.args...)
			if code != exitUsage {
				t.Errorf("got exit %d; want %d\n%s", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, tc.has) {
				t.Errorf("got stderr %q; want it to mention %q", stderr, tc.has)
			}
		})
	}
}
