package main

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/phonereg/phonereg/pipeline"
)

// registerFrom adds --from, a legacy provider's export (pipeline's presets),
// to cmd, whose input flags inputOptions checks; shell completion offers the
// presets, each with its summary.
func registerFrom(cmd *cobra.Command, from *string) {
	cmd.Flags().StringVar(from, "from", "", "read a legacy MFA provider's export: "+strings.Join(pipeline.PresetNames(), ", ")+
		" (its columns and rules; --map still overrides any field)")
	cmd.RegisterFlagCompletionFunc("from", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, p := range pipeline.Presets() {
			out = append(out, p.Name+"\t"+p.Summary)
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	})
}

// checkFrom checks --from's value up front: a usage error naming the
// presets when it is not one.
func checkFrom(from string) error {
	if from == "" {
		return nil
	}
	if err := pipeline.CheckPreset(from); err != nil {
		return usagef("--from: %v", err)
	}
	return nil
}
