package graphsim

// The users file: CSV that seeds an emulator's users (phonereg sim --users).

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/gocarina/gocsv"
)

// usersColumns are the columns of a users file, in their documented order.
var usersColumns = []string{"userPrincipalName", "id", "mobile", "alternateMobile", "office", "smsSignInPolicy", "autoRegister", "defaultMethod"}

// userRecord is one line of a users file, as gocsv reads it: the tags are
// usersColumns.
type userRecord struct {
	UserPrincipalName string `csv:"userPrincipalName"`
	ID                string `csv:"id"`
	Mobile            string `csv:"mobile"`
	AlternateMobile   string `csv:"alternateMobile"`
	Office            string `csv:"office"`
	SmsSignInPolicy   string `csv:"smsSignInPolicy"`
	AutoRegister      string `csv:"autoRegister"`
	DefaultMethod     string `csv:"defaultMethod"`
}

// ReadUsers reads a users file for seeding: CSV with a header naming some of the
// columns userPrincipalName, id, mobile, alternateMobile, office,
// smsSignInPolicy (allowed|disallowed, default allowed), autoRegister
// (true|false, default true) and defaultMethod (the phone type that is the
// user's default MFA method, which Graph refuses to delete; default none),
// matched case-insensitively. Each row needs a userPrincipalName or an id.
// Errors name the line.
func ReadUsers(r io.Reader) ([]User, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	um, err := gocsv.NewUnmarshaller(cr, userRecord{})
	if errors.Is(err, gocsv.ErrEmptyCSVFile) || err == io.EOF {
		return nil, errors.New("users file: empty, a header row is needed")
	}
	if err != nil {
		return nil, fmt.Errorf("users file: %w", err)
	}
	var unknown error
	if err := um.RenormalizeHeaders(func(header []string) []string {
		header, unknown = usersHeader(header)
		return header
	}); err != nil {
		return nil, fmt.Errorf("users file: %w", err)
	}
	if unknown != nil {
		return nil, unknown
	}
	var users []User
	for {
		v, err := um.Read()
		if err == io.EOF {
			return users, nil
		}
		if err != nil {
			return nil, fmt.Errorf("users file: %w", err)
		}
		line, _ := cr.FieldPos(0)
		rec := v.(userRecord)
		if rec == (userRecord{}) {
			continue // a line of empty cells
		}
		u, err := rec.user()
		if err != nil {
			return nil, fmt.Errorf("users file line %d: %w", line, err)
		}
		users = append(users, u)
	}
}

// usersHeader names a header's cells as usersColumns does (matched
// case-insensitively, spaces trimmed); a cell that names none is an error.
func usersHeader(header []string) ([]string, error) {
	out := make([]string, len(header))
	for i, h := range header {
		h = strings.TrimSpace(h)
		out[i] = h
		known := h == ""
		for _, c := range usersColumns {
			if strings.EqualFold(h, c) {
				out[i], known = c, true
			}
		}
		if !known {
			return out, fmt.Errorf("users file: unknown column %q (known: %s)", h, strings.Join(usersColumns, ", "))
		}
	}
	return out, nil
}

// user checks a record and makes it a User.
func (rec userRecord) user() (User, error) {
	get := strings.TrimSpace
	u := User{ID: get(rec.ID), UserPrincipalName: get(rec.UserPrincipalName), Phones: map[string]string{}}
	if u.ID == "" && u.UserPrincipalName == "" {
		return User{}, errors.New("needs a userPrincipalName or an id")
	}
	for t, n := range map[string]string{TypeMobile: rec.Mobile, TypeAlternateMobile: rec.AlternateMobile, TypeOffice: rec.Office} {
		if n = get(n); n != "" {
			u.Phones[t] = n
		}
	}
	switch p := strings.ToLower(get(rec.SmsSignInPolicy)); p {
	case "", "allowed", "allow", "true", "yes", "enabled":
	case "disallowed", "disallow", "false", "no", "disabled":
		u.SmsSignInDisallowed = true
	default:
		return User{}, fmt.Errorf("smsSignInPolicy %q: want allowed or disallowed", p)
	}
	switch a := strings.ToLower(get(rec.AutoRegister)); a {
	case "", "true", "yes", "on":
	case "false", "no", "off":
		u.NoAutoRegister = true
	default:
		return User{}, fmt.Errorf("autoRegister %q: want true or false", a)
	}
	if dm := get(rec.DefaultMethod); dm != "" {
		for _, t := range phoneTypes {
			if strings.EqualFold(dm, t) {
				u.DefaultMethod = t
			}
		}
		if u.DefaultMethod == "" {
			return User{}, fmt.Errorf("defaultMethod %q: want mobile, alternateMobile or office", dm)
		}
	}
	return u, nil
}
