package graphsim

// The users file: CSV that seeds an emulator's users (phonereg sim --users).

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
)

// usersColumns are the columns of a users file, in their documented order.
var usersColumns = []string{"userPrincipalName", "id", "mobile", "alternateMobile", "office", "smsSignInPolicy", "autoRegister"}

// ReadUsers reads a users file for seeding: CSV with a header naming some of the
// columns userPrincipalName, id, mobile, alternateMobile, office,
// smsSignInPolicy (allowed|disallowed, default allowed) and autoRegister
// (true|false, default true), matched case-insensitively. Each row needs a
// userPrincipalName or an id. Errors name the line.
func ReadUsers(r io.Reader) ([]User, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil, errors.New("users file: empty, a header row is needed")
	}
	if err != nil {
		return nil, fmt.Errorf("users file: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		known := false
		for _, c := range usersColumns {
			if strings.EqualFold(h, c) {
				col[c], known = i, true
			}
		}
		if !known && h != "" {
			return nil, fmt.Errorf("users file: unknown column %q (known: %s)", h, strings.Join(usersColumns, ", "))
		}
	}
	var users []User
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return users, nil
		}
		if err != nil {
			return nil, fmt.Errorf("users file: %w", err)
		}
		line, _ := cr.FieldPos(0)
		get := func(c string) string {
			if i, ok := col[c]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		u := User{ID: get("id"), UserPrincipalName: get("userPrincipalName"), Phones: map[string]string{}}
		if u.ID == "" && u.UserPrincipalName == "" {
			if strings.Join(rec, "") == "" {
				continue
			}
			return nil, fmt.Errorf("users file line %d: needs a userPrincipalName or an id", line)
		}
		for _, t := range phoneTypes {
			if n := get(t); n != "" {
				u.Phones[t] = n
			}
		}
		switch p := strings.ToLower(get("smsSignInPolicy")); p {
		case "", "allowed", "allow", "true", "yes", "enabled":
		case "disallowed", "disallow", "false", "no", "disabled":
			u.SmsSignInDisallowed = true
		default:
			return nil, fmt.Errorf("users file line %d: smsSignInPolicy %q: want allowed or disallowed", line, p)
		}
		switch a := strings.ToLower(get("autoRegister")); a {
		case "", "true", "yes", "on":
		case "false", "no", "off":
			u.NoAutoRegister = true
		default:
			return nil, fmt.Errorf("users file line %d: autoRegister %q: want true or false", line, a)
		}
		users = append(users, u)
	}
}
