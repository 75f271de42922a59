package pipeline

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/phonereg/phonereg/graphclient"
)

// Outcomes counts, per step (mobile, alternateMobile, office, smsSignIn), how
// many rows had each outcome.
type Outcomes map[string]map[string]int

// steps are a result's step columns, in order.
var steps = []string{"mobile", "alternateMobile", "office", "smsSignIn"}

// add counts the outcomes of one row.
func (o Outcomes) add(phones Phones[Outcome], sms SmsOutcome) {
	for _, t := range graphclient.PhoneTypes {
		o.count(string(t), string(phones.Get(t)))
	}
	o.count("smsSignIn", string(sms))
}

// addRead counts what export read of one user: each phone type it has
// (outcome "found") and its mobile's smsSignInState, under the smsSignIn
// step. A run's results read nothing.
func (o Outcomes) addRead(s snapshotLine) {
	for _, t := range graphclient.PhoneTypes {
		if s.numbers.Get(t) != "" {
			o.count(string(t), "found")
		}
	}
	o.count("smsSignIn", string(s.sms))
}

func (o Outcomes) count(step, outcome string) {
	if outcome == "" {
		return
	}
	m := o[step]
	if m == nil {
		m = map[string]int{}
		o[step] = m
	}
	m[outcome]++
}

// writeTally writes rows by status and the outcomes per step, one line each,
// for a terminal.
func writeTally(b *strings.Builder, indent string, byStatus map[Status]int, o Outcomes) {
	writeStatus(b, indent, byStatus)
	writeOutcomes(b, indent, o)
}

// writeStatus writes rows by status on one line.
func writeStatus(b *strings.Builder, indent string, byStatus map[Status]int) {
	var parts []string
	for _, st := range []Status{StatusSucceeded, StatusPlanned, StatusPartial, StatusFailed, StatusInvalid} {
		if n := byStatus[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", st, n))
		}
	}
	if len(parts) == 0 {
		parts = []string{"none"}
	}
	fmt.Fprintf(b, "%s%-10s %s\n", indent, "status:", strings.Join(parts, ", "))
}

// writeOutcomes writes the outcomes of each step on a line of its own.
func writeOutcomes(b *strings.Builder, indent string, o Outcomes) {
	for _, step := range steps {
		m := o[step]
		if len(m) == 0 {
			continue
		}
		var ps []string
		for _, k := range slices.Sorted(maps.Keys(m)) {
			ps = append(ps, fmt.Sprintf("%s %d", k, m[k]))
		}
		fmt.Fprintf(b, "%s%-10s %s\n", indent, step+":", strings.Join(ps, ", "))
	}
}

// quantity is n with the noun that fits it: "1 row", "2 rows", "0 rows".
func quantity(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
