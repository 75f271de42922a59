package pipeline

import (
	"context"
	"fmt"
	"io"
)

// Validation counts what Validate found.
type Validation struct {
	Rows     int // data rows read
	Invalid  int // rows run would record as invalid
	Problems int // other problems: the same mobile on two users
	Warnings int // rows that may fail (alternateMobile without a mobile), a preset's notes
}

// Validate reads and normalizes every row offline, as run would, and writes
// each problem with its row number to w: invalid rows (among them users that
// cannot exist and extensions too long to dial: see checkUser, checkPhones),
// the same mobile number on two users (SMS sign-in allows a number for one
// user only, and ignores extensions: "+1 2065550100x5" is "+1 2065550100"),
// and, as warnings, an alternateMobile without a mobile on its row or an
// earlier row of its user, and the notes of a --from preset (Row.Notes). The
// same-number check takes every row with a user and a mobile that reads as a
// number (Row.mobile), invalid or not: an invalid row fixed later still
// collides. Users are compared by userIdentity. It never touches the
// network. Memory grows only with the number of distinct mobiles (see
// mobileOwners), of users with a mobile (8 bytes each and a map entry) and,
// with a preset of one row per phone, of users (see presetReader).
func Validate(ctx context.Context, r io.Reader, o InputOptions, showPII bool, w io.Writer) (*Validation, Header, error) {
	v := &Validation{}
	mobiles := mobileOwners{}
	withMobile := map[uint64]bool{} // users a row gave a mobile: their later rows run after it
	h, err := ReadRows(ctx, r, o, func(row Row) error {
		v.Rows++
		who := row.givenUser()
		if who == "" {
			who = "(no user)"
		}
		for _, n := range row.Notes {
			v.Warnings++
			if _, err := fmt.Fprintf(w, "row %d (line %d): %s: warning: %s\n", row.Num, row.Line, who, n); err != nil {
				return err
			}
		}
		if row.Invalid != "" {
			v.Invalid++
			if _, err := fmt.Fprintf(w, "row %d (line %d): %s: invalid: %s\n", row.Num, row.Line, who, row.Invalid); err != nil {
				return err
			}
		}
		if m := row.mobile; m != "" && row.User != "" {
			if first, c, ok := mobiles.claim(row.Num, userIdentity(row), m); ok {
				v.Problems++
				if _, err := fmt.Fprintf(w, "row %d (line %d): %s: %s\n", row.Num, row.Line, who, c.problem(maskPII(m, showPII), first)); err != nil {
					return err
				}
			}
		}
		if row.Invalid == "" && row.Phones.Mobile != "" {
			withMobile[fnvHash(userIdentity(row))] = true
		}
		if row.Invalid == "" && row.Phones.Mobile == "" && row.Phones.AlternateMobile != "" && !withMobile[fnvHash(userIdentity(row))] {
			v.Warnings++
			if _, err := fmt.Fprintf(w, "row %d (line %d): %s: warning: alternateMobile without a mobile: it fails unless the user already has a mobile\n", row.Num, row.Line, who); err != nil {
				return err
			}
		}
		return nil
	})
	return v, h, err
}
