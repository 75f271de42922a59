package pipeline

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The users a row can name. A request for a user that cannot exist can only
// answer 404, so the input reader makes such a row invalid, with the reason,
// before any request: a userId that is not an object id, a userPrincipalName
// that breaks Entra's username policy. An object id is read in its canonical
// form, so that the spellings of one id are one user everywhere: the row's
// key, the per-user queue of run, validate's checks, the requests.

// Entra's username policy for userPrincipalName, for cloud-only and synced
// accounts alike ("Password policies and account restrictions in Microsoft
// Entra ID", Username policies: entra-docs
// docs/identity/authentication/concept-sspr-policy.md; Graph's user resource
// points there for userPrincipalName): the total length must not exceed 113
// characters, with up to 64 before the "@" and up to 48 after it; an "@" that
// does not separate the username from the domain is not allowed. (Active
// Directory's own limit, rangeUpper 1024, is not Entra's.) The allowed
// characters are not checked: GRAPH.md has real UPNs with characters the
// policy does not list.
const (
	maxUPNChars       = 113
	maxUPNNameChars   = 64
	maxUPNDomainChars = 48
)

// exampleObjectID is the form a userId must have, for messages.
const exampleObjectID = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"

// canonicalObjectID reads s as an Entra object id: a GUID of 32 hex digits
// in groups of 8-4-4-4-12, perhaps in braces, in either case. It returns the
// id lower-case, without braces, and whether s is one.
func canonicalObjectID(s string) (string, bool) {
	if len(s) == 38 && s[0] == '{' && s[37] == '}' {
		s = s[1:37]
	}
	if len(s) != 36 {
		return "", false
	}
	var b [36]byte
	for i := range len(s) {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return "", false
			}
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f':
		case 'A' <= c && c <= 'F':
			c += 'a' - 'A'
		default:
			return "", false
		}
		b[i] = c
	}
	return string(b[:]), true
}

// objectIDProblem says why userId s, which canonicalObjectID refused, names
// no user.
func objectIDProblem(s string) string {
	msg := "userId: not an object id (a GUID like " + exampleObjectID + ")"
	if strings.Contains(s, "@") {
		msg += ": it looks like a userPrincipalName; give it in the userPrincipalName column"
	}
	return msg
}

// upnProblem says why userPrincipalName s cannot be an Entra user's (see
// maxUPNChars), or "" when it may be.
func upnProblem(s string) string {
	name, domain, found := strings.Cut(s, "@")
	switch {
	case !found:
		if _, ok := canonicalObjectID(s); ok {
			return "userPrincipalName: no @: it looks like an object id; give it in the userId column"
		}
		return "userPrincipalName: no @: a userPrincipalName is name@domain, like kim@contoso.com"
	case strings.Contains(domain, "@"):
		return "userPrincipalName: more than one @: Entra allows only the one between the name and the domain"
	case name == "":
		return "userPrincipalName: nothing before the @"
	case domain == "":
		return "userPrincipalName: nothing after the @"
	case strings.IndexFunc(s, unicode.IsSpace) >= 0:
		return "userPrincipalName: contains a space: Entra allows none in a userPrincipalName"
	}
	if n := utf8.RuneCountInString(s); n > maxUPNChars {
		return fmt.Sprintf("userPrincipalName: %d characters, more than the %d Entra allows", n, maxUPNChars)
	}
	if n := utf8.RuneCountInString(name); n > maxUPNNameChars {
		return fmt.Sprintf("userPrincipalName: %d characters before the @, more than the %d Entra allows", n, maxUPNNameChars)
	}
	if n := utf8.RuneCountInString(domain); n > maxUPNDomainChars {
		return fmt.Sprintf("userPrincipalName: %d characters after the @, more than the %d Entra allows", n, maxUPNDomainChars)
	}
	return ""
}

// checkUser checks the user the row names (its userId when set, else its
// userPrincipalName), adds what makes it a user that cannot exist to
// problems, and sets row.User to an object id's canonical form. A cell whose
// text is already a problem (userTextProblem) is not checked again.
func checkUser(row *Row, problems []string) []string {
	switch {
	case row.UserID != "": // readUser made it the row's user
		if userTextProblem(row.UserID) != "" {
			return problems
		}
		id, ok := canonicalObjectID(row.UserID)
		if !ok {
			return append(problems, objectIDProblem(row.UserID))
		}
		row.User = id
	case row.UserPrincipalName != "":
		if userTextProblem(row.UserPrincipalName) != "" {
			return problems
		}
		if p := upnProblem(row.UserPrincipalName); p != "" {
			return append(problems, p)
		}
	}
	return problems
}

// givenUser is the row's user as the input gives it: its userId when set,
// else its userPrincipalName. Result lines carry it (SPEC §4: the user as
// given), while requests go to row.User.
func (r Row) givenUser() string {
	if r.UserID != "" {
		return r.UserID
	}
	return r.UserPrincipalName
}

// userIdentity is what rows of one user share: the user, lower-cased (an
// object id is already canonical; Entra matches a userPrincipalName in any
// case). Run queues a user's rows under it and validate compares users by
// it.
func userIdentity(row Row) string {
	return strings.ToLower(row.User)
}
