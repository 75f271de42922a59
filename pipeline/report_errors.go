package pipeline

import (
	"cmp"
	"regexp"
	"slices"
	"strings"

	"github.com/phonereg/phonereg/graphclient"
)

// errorGroups gathers a report's errors by their normalized text.
type errorGroups struct {
	byText map[string]*ErrorCount
}

// newErrorGroups is an empty errorGroups.
func newErrorGroups() *errorGroups {
	return &errorGroups{byText: map[string]*ErrorCount{}}
}

// add counts row n's error; rows come in row order, so the first row a
// group sees is its example.
func (g *errorGroups) add(n int, d rowDetail) {
	k := normalizeError(d.err)
	if e, ok := g.byText[k]; ok {
		e.Rows++
		return
	}
	e := &ErrorCount{Error: k, Rows: 1, FirstRow: n, FirstUser: d.user, Example: d.err, RequestID: d.requestID}
	e.HTTPStatus, e.Code, _ = graphclient.FindAnswer(d.err)
	g.byText[k] = e
}

// sorted are the groups, most rows first, then by first row.
func (g *errorGroups) sorted() []ErrorCount {
	out := make([]ErrorCount, 0, len(g.byText))
	for _, e := range g.byText {
		out = append(out, *e)
	}
	slices.SortFunc(out, func(a, b ErrorCount) int {
		if c := cmp.Compare(b.Rows, a.Rows); c != 0 {
			return c
		}
		return cmp.Compare(a.FirstRow, b.FirstRow)
	})
	return out
}

var (
	foldUUID  = regexp.MustCompile(`[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}`)
	foldPhone = regexp.MustCompile(`\+\d+ [\d*]+(?:x[\d*]+)?`)
	// foldQuoted matches "…" anywhere, and '…' only where a quote opens
	// and closes a value (an apostrophe, as in user's, does not).
	foldQuoted = regexp.MustCompile(`"[^"]*"|(^|[\s(\[=])'[^']*'($|[\s)\].,;:])`)
	foldDigits = regexp.MustCompile(`\d+`)
)

// normalizeError masks what differs from row to row in an error text, as
// …: ids, phone numbers (masked or not: "+1 ******0100" and "+1 ******0101"
// are one), quoted values, and numbers standing as words, but for Graph's
// HTTP status ("403 Authorization_RequestDenied" stays), so that one kind
// of error is one group.
func normalizeError(s string) string {
	s = foldUUID.ReplaceAllString(s, "…")
	s = foldPhone.ReplaceAllString(s, "+…")
	s = foldQuoted.ReplaceAllString(s, `$1"…"$2`)
	return maskNumbers(s)
}

// maskNumbers replaces each run of digits that stands as a word (not part
// of a name like AADSTS50020) with …, but a 4xx or 5xx status.
func maskNumbers(s string) string {
	idx := foldDigits.FindAllStringIndex(s, -1)
	if idx == nil {
		return s
	}
	var b strings.Builder
	prev := 0
	for _, m := range idx {
		if inWord(s, m[0], m[1]) || isStatus(s, m[0], m[1]) {
			continue
		}
		b.WriteString(s[prev:m[0]])
		b.WriteString("…")
		prev = m[1]
	}
	b.WriteString(s[prev:])
	return b.String()
}

// inWord reports whether s[i:j] touches a letter or '_'.
func inWord(s string, i, j int) bool {
	isLetter := func(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
	return i > 0 && isLetter(s[i-1]) || j < len(s) && isLetter(s[j])
}

// isStatus reports whether s[i:j] is an HTTP status as graphclient writes
// one into an error: three digits, 4xx or 5xx, after a space or an opening
// bracket and before a space, ':' or a closing bracket.
func isStatus(s string, i, j int) bool {
	if j-i != 3 || (s[i] != '4' && s[i] != '5') {
		return false
	}
	before := i == 0 || strings.IndexByte(" ([", s[i-1]) >= 0
	after := j == len(s) || strings.IndexByte(" :)]", s[j]) >= 0
	return before && after
}
