package pipeline

import (
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/phonereg/phonereg/graphclient"
	"github.com/phonereg/phonereg/pipeline/internal/phone"
)

// Numbers Graph may take but no sign-in can use: what the input reader makes
// invalid (an extension too long), and what validate reports across rows
// (one number for SMS sign-in on two users, whatever their extensions).

// maxExtensionDigits is the longest extension a number in Graph's form
// ("+1 2065550100x123") can carry. Graph documents no limit, and the ITU
// allows 40 digits; but libphonenumber, which phone software reads numbers
// with, takes at most 9 digits after an "x" (extLimitAfterAmbiguousChar in
// PhoneNumberUtil's extension pattern: 20 after "ext.", 15 after a likely
// label, 9 after "x", "#" or "~"). In Graph's form a longer extension is not
// read as one, so no call can dial it: the row is invalid, and no write is
// spent on it.
const maxExtensionDigits = 9

// checkPhones adds to problems each of the row's phones whose extension is
// longer than maxExtensionDigits. Its messages name the field, never the
// number.
func checkPhones(phones *Phones[string], problems []string) []string {
	for i, t := range graphclient.PhoneTypes {
		_, ext, ok := strings.Cut(phones.Get(t), "x")
		if ok && len(ext) > maxExtensionDigits {
			problems = append(problems, fmt.Sprintf("%s: the extension has %d digits, more than the %d a number in Graph's form (+{country code} {number}x{extension}) can carry: phone software (libphonenumber) does not read a longer one after the x",
				inputFieldNames[fieldMobile+i], len(ext), maxExtensionDigits))
		}
	}
	return problems
}

// readMobile is the row's mobile in Graph's form when its cell reads as a
// number: Phones.Mobile, or, where a rule kept the number out of Phones
// (a mobile with an extension is invalid), the cell normalized again. The
// number is still the row's for SMS sign-in once the row is fixed. It is ""
// for a row without a mobile, or one that is not a number.
func (in *inputReader) readMobile(rr *rawInputRow, row *Row) string {
	if row.Phones.Mobile != "" {
		return row.Phones.Mobile
	}
	if rr.long[fieldMobile] || rr.cells[fieldMobile] == "" {
		return ""
	}
	p, err := phone.Normalize(rr.cells[fieldMobile], in.phone)
	if err != nil {
		return ""
	}
	return p
}

// signInNumber is the number SMS sign-in knows mobile m by: m without its
// extension, if any ("+1 2065550100x5" and "+1 2065550100" are one sign-in
// name).
func signInNumber(m string) string {
	n, _, _ := strings.Cut(m, "x")
	return n
}

// mobileOwners remembers, for validate, which row's user first had each
// sign-in number as a mobile. It holds 24 bytes per distinct number (and
// the map's overhead), never the numbers.
type mobileOwners map[uint64]mobileOwner

// mobileOwner is the first row that had a sign-in number as its mobile.
type mobileOwner struct {
	row  int
	user uint64 // fnvHash of the row's userIdentity
	full uint64 // fnvHash of the mobile as written, extension included
}

// claim records that row's user (userIdentity) has mobile m. When another
// user had the same sign-in number first, it returns that first row and how
// the two mobiles differ; the first row keeps the number.
func (o mobileOwners) claim(row int, user, m string) (mobileOwner, clash, bool) {
	k, u, full := fnvHash(signInNumber(m)), fnvHash(user), fnvHash(m)
	first, ok := o[k]
	switch {
	case !ok:
		o[k] = mobileOwner{row: row, user: u, full: full}
		return mobileOwner{}, 0, false
	case first.user == u:
		return mobileOwner{}, 0, false
	}
	hasExt, firstExt := strings.Contains(m, "x"), first.full != k
	switch {
	case first.full == full:
		return first, clashSame, true
	case hasExt && firstExt:
		return first, clashOtherExtension, true
	case hasExt:
		return first, clashWithExtension, true
	}
	return first, clashWithoutExtension, true
}

// clash is how a mobile whose sign-in number is another user's differs from
// that user's mobile.
type clash int8

const (
	clashSame             clash = iota // the same text
	clashWithExtension                 // this one has an extension, the first none
	clashWithoutExtension              // the first has an extension, this one none
	clashOtherExtension                // both have one, not the same
)

// problem is validate's message for a mobile, m as shown, whose sign-in
// number is the mobile of first's user.
func (c clash) problem(m string, first mobileOwner) string {
	var how string
	switch c {
	case clashSame:
		return fmt.Sprintf("mobile %s is also the mobile of row %d's user; SMS sign-in allows a number for one user only", m, first.row)
	case clashWithExtension:
		how = "with an extension"
	case clashWithoutExtension:
		how = "without its extension"
	default:
		how = "with another extension"
	}
	return fmt.Sprintf("mobile %s is the mobile of row %d's user %s: SMS sign-in ignores extensions, so it is the same number, and allows a number for one user only", m, first.row, how)
}

// fnvHash is FNV-1a 64 of s.
func fnvHash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}
