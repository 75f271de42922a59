package main

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"
)

func newVersionCmd(d deps) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print phonereg's version, commit and Go version",
		Example: `  phonereg version
  # in a bug report or a support ticket, with the platform:
  phonereg version   # phonereg v1.2.0 (commit 1a2b3c4, go1.26.8, linux/amd64)`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprintf(d.stdout, "phonereg %s (commit %s, %s, %s/%s)\n", version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}
