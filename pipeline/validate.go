package pipeline

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"strings"
)

// Validation counts what Validate found.
type Validation struct {
	Rows     int // data rows read
	Invalid  int // rows run would record as invalid
	Problems int // other problems: the same mobile on two users
	Warnings int // rows that may fail (alternateMobile without a mobile), a preset's notes
}

// Validate reads and normalizes every row offline, as run would, and writes
// each problem with its row number to w: invalid rows, the same mobile number
// on two users (SMS sign-in allows a number for one user only), and, as
// warnings, an alternateMobile without a mobile on its row or an earlier row
// of its user, and the notes of a --from preset (Row.Notes). It never touches
// the network. Memory grows only with the number of distinct mobiles and of
// users with a mobile (16 and 8 bytes each, and their map entries) and, with
// a preset of one row per phone, of users (see presetReader).
func Validate(ctx context.Context, r io.Reader, o InputOptions, showPII bool, w io.Writer) (*Validation, Header, error) {
	v := &Validation{}
	type owner struct {
		row  int
		user uint64
	}
	mobiles := map[uint64]owner{}
	withMobile := map[uint64]bool{} // users a row gave a mobile: their later rows run after it
	hash := func(s string) uint64 {
		h := fnv.New64a()
		h.Write([]byte(s))
		return h.Sum64()
	}
	h, err := ReadRows(ctx, r, o, func(row Row) error {
		v.Rows++
		who := row.User
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
			_, err := fmt.Fprintf(w, "row %d (line %d): %s: invalid: %s\n", row.Num, row.Line, who, row.Invalid)
			return err
		}
		if m := row.Phones.Mobile; m != "" {
			k, u := hash(m), hash(strings.ToLower(row.User))
			withMobile[u] = true
			if first, ok := mobiles[k]; ok && first.user != u {
				v.Problems++
				if _, err := fmt.Fprintf(w, "row %d (line %d): %s: mobile %s is also the mobile of row %d's user; SMS sign-in allows a number for one user only\n",
					row.Num, row.Line, who, maskPII(m, showPII), first.row); err != nil {
					return err
				}
			} else if !ok {
				mobiles[k] = owner{row.Num, u}
			}
		} else if row.Phones.AlternateMobile != "" && !withMobile[hash(strings.ToLower(row.User))] {
			v.Warnings++
			if _, err := fmt.Fprintf(w, "row %d (line %d): %s: warning: alternateMobile without a mobile: it fails unless the user already has a mobile\n", row.Num, row.Line, who); err != nil {
				return err
			}
		}
		return nil
	})
	return v, h, err
}
