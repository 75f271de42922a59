package pipeline

import "strings"

// A run's scope is the part of its input it works on: all of it, or what
// Config.Limit and Config.OnlyUser leave. The reader passes over the rows
// outside it, and they are left as they were: an earlier line of such a row
// stays in the result file, in its place and unchanged, and a row without
// one gets none. A run whose scope passed over rows is not complete, as an
// interrupted run is not: compaction keeps the lines of rows it did not
// read, and drops no line of a row it may not have seen.

// scope decides, row by row in input order, whether a row is in the run's
// scope. It is the reader's alone.
type scope struct {
	limit int    // Config.Limit: 0 for none
	user  string // Config.OnlyUser, trimmed: "" for every user
	taken int    // rows handed to workers so far
}

// newScope is the scope cfg asks for.
func newScope(cfg Config) scope {
	return scope{limit: max(cfg.Limit, 0), user: strings.TrimSpace(cfg.OnlyUser)}
}

// admits reports whether row is in scope: of the user OnlyUser names (its
// userPrincipalName or its userId, case-insensitively), and read before the
// limit was reached. Once Limit rows were handed out, no row is.
func (s *scope) admits(row Row) bool {
	if s.limit > 0 && s.taken >= s.limit {
		return false
	}
	return s.user == "" || strings.EqualFold(row.UserPrincipalName, s.user) || strings.EqualFold(row.UserID, s.user)
}

// took counts a row handed to a worker: one that sends requests. Rows
// finished earlier and invalid rows send none, and do not count.
func (s *scope) took() { s.taken++ }

// reached reports whether the limit stopped the run's work.
func (s *scope) reached() bool { return s.limit > 0 && s.taken >= s.limit }
