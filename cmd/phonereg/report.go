package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/phonereg/phonereg/pipeline"
)

func newReportCmd(d deps) *cobra.Command {
	var asJSON bool
	var top int
	cmd := &cobra.Command{
		Use:   "report RESULTS",
		Short: "Summarize a result file: rows by status, outcomes per step, top errors",
		Long: `report reads a result file written by run (also one a crash left as a
journal: the last line of each row counts) and prints rows by status, the
outcomes of each step, how many failed rows a rerun would retry, and the most
frequent errors.`,
		Example: `  phonereg report users.results.csv
  phonereg report users.results.csv --json --top 20`,
		Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := os.Open(args[0])
			if err != nil {
				return usagef("%v", err)
			}
			defer f.Close()
			rep, err := pipeline.ReadReport(cmd.Context(), f, top)
			if err != nil {
				return usagef("%s: %v", args[0], err)
			}
			if asJSON {
				enc := json.NewEncoder(d.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			}
			fmt.Fprint(d.stdout, rep.String())
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().IntVar(&top, "top", 10, "how many of the most frequent errors to list")
	return cmd
}
