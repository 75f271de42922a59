package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/phonereg/phonereg/pipeline"
)

// validateOptions are the flags of `phonereg validate`.
type validateOptions struct {
	in            string
	defaultRegion string
	maps          []string
	delimiter     string
	from          string
	showPII       bool
}

func newValidateCmd(d deps) *cobra.Command {
	var o validateOptions
	cmd := &cobra.Command{
		Use:   "validate --in FILE",
		Short: "Check an input CSV offline: every row parsed and normalized, each problem with its row number",
		Long: `validate reads the input as run would, without touching the network, and prints
each problem with its row number: bad numbers, missing users, rows without a
phone, users that cannot exist (a userId that is not an object id, a
userPrincipalName without its @, with a space, or longer than Entra allows),
extensions longer than 9 digits, the same mobile on two users (SMS sign-in
allows a number for one user only, and ignores extensions), and, as
warnings, an alternateMobile without a mobile (on its row or an earlier row
of its user) and what a --from preset's rules changed (a backup phone
skipped, an extension dropped). What makes a row invalid here makes it
invalid in run too: no request is sent for it.

Exit codes: 0 no problems (warnings allowed), 1 problems found, 2 the input
cannot be read at all.`,
		Example: `  phonereg validate --in users.csv --default-region US
  phonereg validate --in mfa-export.csv --map userPrincipalName=Email --map 'mobile=+{Country Code} {Phone Number}x{Extension}'
  phonereg validate --in okta-factors.csv --from okta`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			read, err := inputOptions(o.delimiter, o.defaultRegion, o.maps, o.from)
			if err != nil {
				return err
			}
			in, _, closeIn, err := openInputFile(cmd.Context(), o.in, d.stdin, false)
			if err != nil {
				return err
			}
			defer closeIn()
			out := d.stdout
			v, h, err := pipeline.Validate(cmd.Context(), in, read, o.showPII, out)
			if err != nil {
				return err
			}
			if len(h.Ignored) > 0 {
				fmt.Fprintf(d.stderr, "note: ignoring columns phonereg does not use: %s\n", h.IgnoredSummary())
			}
			fmt.Fprintf(out, "%s: %d invalid, %s, %s\n", quantity(v.Rows, "row", "rows"), v.Invalid,
				quantity(v.Problems, "other problem", "other problems"), quantity(v.Warnings, "warning", "warnings"))
			if v.Invalid+v.Problems > 0 {
				return errRowsFailed
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.in, "in", "", "input CSV (- for standard input)")
	f.StringVar(&o.defaultRegion, "default-region", "", "region for numbers written without a country code, e.g. US, GB, DE")
	f.StringArrayVar(&o.maps, "map", nil, "read FIELD from another column: FIELD=COLUMN, or a template (repeatable)")
	f.StringVar(&o.delimiter, "delimiter", "", `force the delimiter: ",", ";", "tab" (default: detected from the header)`)
	registerFrom(cmd, &o.from)
	f.BoolVar(&o.showPII, "show-pii", false, "show phone numbers unmasked")
	requireFlag(cmd, "in")
	return cmd
}

// quantity is n with the noun that fits it: "1 row", "2 rows", "0 rows".
func quantity(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
