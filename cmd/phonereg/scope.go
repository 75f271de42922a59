package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/phonereg/phonereg/pipeline"
)

// scopeOptions are --limit and --only-user, which run, undo and export share:
// the part of the input a run works on (pipeline.Config.Limit and OnlyUser).
// Their values are checked as the flags are parsed, so that a bad one is a
// usage error (exit 2) before anything is opened.
type scopeOptions struct {
	limit    rowLimit
	onlyUser userName
}

// register adds the flags to cmd; what names the job's rows in their help.
func (s *scopeOptions) register(cmd *cobra.Command, what string) {
	f := cmd.Flags()
	f.Var(&s.limit, "limit", fmt.Sprintf("%s only the first `N` rows that send requests (a canary: rows finished earlier and invalid rows do not count); the rest are left for the next run", what))
	f.Var(&s.onlyUser, "only-user", fmt.Sprintf("%s only the rows of this `UPN` or userId (any case); other rows and their lines are left as they were", what))
}

// apply sets cfg's scope.
func (s scopeOptions) apply(cfg *pipeline.Config) {
	cfg.Limit, cfg.OnlyUser = int(s.limit), string(s.onlyUser)
}

// rowLimit is --limit's value: 0 when not given, else at least 1.
type rowLimit int

func (l *rowLimit) String() string {
	if *l == 0 {
		return ""
	}
	return strconv.Itoa(int(*l))
}

// Set parses a number of rows, 1 or more.
func (l *rowLimit) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 {
		return fmt.Errorf("want a number of rows, 1 or more")
	}
	*l = rowLimit(n)
	return nil
}

// Type names the value in cobra's messages.
func (l *rowLimit) Type() string { return "int" }

// userName is --only-user's value: a user, never empty.
type userName string

func (u *userName) String() string { return string(*u) }

// Set takes a userPrincipalName or userId, trimmed.
func (u *userName) Set(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return fmt.Errorf("want a userPrincipalName or userId")
	}
	*u = userName(s)
	return nil
}

// Type names the value in cobra's messages.
func (u *userName) Type() string { return "string" }
