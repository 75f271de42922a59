package pipeline

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

// presetWant is what a preset test checks of a row: its phones, what makes
// it invalid (a substring; "" valid) and a substring of each note (nil:
// none).
type presetWant struct {
	user    string
	phones  Phones[string]
	invalid string
	notes   []string
}

// checkPresetRows reads text with o and checks each row against wants.
func checkPresetRows(t *testing.T, text string, o InputOptions, wants []presetWant) []Row {
	t.Helper()
	rows, _, err := readAll(t, text, o)
	if err != nil {
		t.Fatalf("got error %v; want rows", err)
	}
	if len(rows) != len(wants) {
		t.Fatalf("got %d rows; want %d: %+v", len(rows), len(wants), rows)
	}
	for i, w := range wants {
		r := rows[i]
		if r.Num != i+1 || r.User != w.user || r.Phones != w.phones {
			t.Errorf("row %d: got num %d user %q phones %q; want num %d user %q phones %q", i+1, r.Num, r.User, r.Phones, i+1, w.user, w.phones)
		}
		switch {
		case w.invalid == "" && r.Invalid != "":
			t.Errorf("row %d: got invalid %q; want a valid row", i+1, r.Invalid)
		case w.invalid != "" && !strings.Contains(r.Invalid, w.invalid):
			t.Errorf("row %d: got invalid %q; want it to contain %q", i+1, r.Invalid, w.invalid)
		}
		if len(r.Notes) != len(w.notes) {
			t.Errorf("row %d: got notes %q; want %d like %q", i+1, r.Notes, len(w.notes), w.notes)
			continue
		}
		for k, n := range w.notes {
			if !strings.Contains(r.Notes[k], n) {
				t.Errorf("row %d: got note %q; want it to contain %q", i+1, r.Notes[k], n)
			}
		}
	}
	return rows
}

const mfaHeader = "Username,Primary Country Code,Primary Phone,Primary Extension,Backup Country Code,Backup Phone,Backup Extension,Default Method\n"

func TestPresetMFAServer(t *testing.T) {
	tests := []struct {
		name string
		row  string
		opts InputOptions
		want presetWant
	}{
		{"primary without an extension is the mobile, backup the alternateMobile", "a@contoso.com,1,206-555-0100,,1,206-555-0101,,Phone Call", InputOptions{},
			presetWant{user: "a@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100", AlternateMobile: "+1 2065550101"}}},
		{"primary with an extension is the office phone", "a@contoso.com,1,425-555-0100,1234,,,,Phone Call", InputOptions{},
			presetWant{user: "a@contoso.com", phones: Phones[string]{Office: "+1 4255550100x1234"}}},
		{"backup with an extension is the office phone", "a@contoso.com,1,206-555-0100,,1,425-555-0101,77,Phone Call", InputOptions{},
			presetWant{user: "a@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100", Office: "+1 4255550101x77"}}},
		{"both with an extension: the backup is skipped, with a note", "a@contoso.com,1,425-555-0100,12,1,425-555-0101,34,Phone Call", InputOptions{},
			presetWant{user: "a@contoso.com", phones: Phones[string]{Office: "+1 4255550100x12"}, notes: []string{"backup phone skipped: it has an extension, and the primary phone already took office"}}},
		{"text message: the primary's extension is dropped and it is the mobile", "a@contoso.com,1,425-555-0100,12,1,425-555-0101,34,Text Message", InputOptions{},
			presetWant{user: "a@contoso.com", phones: Phones[string]{Mobile: "+1 4255550100", Office: "+1 4255550101x34"}, notes: []string{"its extension is dropped and the number added as the mobile"}}},
		{"text message without an extension: no note", "a@contoso.com,1,206-555-0100,,,,,Text message (OTP)", InputOptions{},
			presetWant{user: "a@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}}},
		{"an extension written in the number cell counts", "a@contoso.com,1,425-555-0100 ext. 9,,,,,Phone Call", InputOptions{},
			presetWant{user: "a@contoso.com", phones: Phones[string]{Office: "+1 4255550100x9"}}},
		{"pauses in an extension are dropped", "a@contoso.com,1,425-555-0100,\",,12\",,,,Phone Call", InputOptions{},
			presetWant{user: "a@contoso.com", phones: Phones[string]{Office: "+1 4255550100x12"}}},
		{"a backup that is the primary again is skipped", "a@contoso.com,1,(206) 555-0100,,1,2065550100,,Phone Call", InputOptions{},
			presetWant{user: "a@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}, notes: []string{"backup phone skipped: it is the primary phone's number"}}},
		{"a backup that is what the primary became is skipped", "a@contoso.com,1,206-555-0100,12,1,206-555-0100,,Text Message", InputOptions{},
			presetWant{user: "a@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}, notes: []string{"its extension is dropped", "backup phone skipped: it is the primary phone's number"}}},
		{"an alternateMobile without a mobile is kept (Graph adds it when the user has one)", "a@contoso.com,1,425-555-0100,12,1,206-555-0101,,Phone Call", InputOptions{},
			presetWant{user: "a@contoso.com", phones: Phones[string]{AlternateMobile: "+1 2065550101", Office: "+1 4255550100x12"}}},
		{"no country code: --default-region reads it", "a@contoso.com,,206-555-0100,,,,,Phone Call", InputOptions{Phone: PhoneOptions{DefaultRegion: "US"}},
			presetWant{user: "a@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}}},
		{"a country code with its +, a national 0 after it", "a@contoso.com,+44,020 7946 0958,,,,,Phone Call", InputOptions{},
			presetWant{user: "a@contoso.com", phones: Phones[string]{Office: "", Mobile: "+44 2079460958"}}},
		{"a down-level user name is invalid", `CONTOSO\ada,1,206-555-0100,,,,,Phone Call`, InputOptions{},
			presetWant{user: `CONTOSO\ada`, phones: Phones[string]{Mobile: "+1 2065550100"}, invalid: `Username "CONTOSO\ada" is not a userPrincipalName`}},
		{"an object id is a user", "11111111-2222-3333-4444-555555555555,1,206-555-0100,,,,,Phone Call", InputOptions{},
			presetWant{user: "11111111-2222-3333-4444-555555555555", phones: Phones[string]{Mobile: "+1 2065550100"}}},
		{"a --map of the user overrides the preset's, and its check", "ada,1,206-555-0100,,,,,Phone Call", InputOptions{Maps: []string{"userPrincipalName={Username}@contoso.com"}},
			presetWant{user: "ada@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}}},
		{"a --map of a phone field overrides the preset's, and drops its notes", "a@contoso.com,1,425-555-0100,12,1,425-555-0101,34,Phone Call", InputOptions{Maps: []string{"office=Backup Phone"}, Phone: PhoneOptions{DefaultRegion: "US"}},
			presetWant{user: "a@contoso.com", phones: Phones[string]{Office: "+1 4255550101"}}},
		{"a bad number is invalid where the rule sent it", "a@contoso.com,1,555,,,,,Phone Call", InputOptions{},
			presetWant{user: "a@contoso.com", invalid: "mobile: "}},
		{"no phone", "a@contoso.com,,,,,,,Mobile App", InputOptions{},
			presetWant{user: "a@contoso.com", invalid: "no phone: Primary Phone and Backup Phone are empty"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.From = "mfa-server"
			checkPresetRows(t, mfaHeader+tc.row+"\n", tc.opts, []presetWant{tc.want})
		})
	}
}

// TestPresetColumnsLoose: a preset's columns match as phonereg's own do
// (case, spaces, '_', '-', and '.'), by any of their names; the columns it
// does not read are ignored with the warning.
func TestPresetColumnsLoose(t *testing.T) {
	rows, h, err := readAll(t, "USERNAME;country_code;phone number;EXTENSION;First Name\na@contoso.com;1;425-555-0100;12;Ada\n", InputOptions{From: "MFA-Server"})
	if err != nil || len(rows) != 1 || rows[0].Phones.Office != "+1 4255550100x12" {
		t.Fatalf("got %+v, %v; want the office phone read from the loose names", rows, err)
	}
	if !slices.Equal(h.Ignored, []string{"First Name"}) {
		t.Errorf("got ignored %q; want [First Name]", h.Ignored)
	}
	checkPresetRows(t, "Login,Factor_Type,Profile_PhoneNumber,phone-Extension\na@contoso.com,SMS,+1-206-555-0100,\n", InputOptions{From: "okta"},
		[]presetWant{{user: "a@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}}})
}

func TestPresetInputErrors(t *testing.T) {
	tests := []struct {
		name, in, from string
		maps           []string
		has            string
	}{
		{"unknown preset", "a\n", "rsa", nil, `--from: unknown preset "rsa": want mfa-server, okta or duo`},
		{"mfa-server without a phone column", "Username,Email\n", "mfa-server", nil, "--from mfa-server: the header needs Primary Phone or Backup Phone"},
		{"mfa-server without a user column", "Email,Primary Phone\n", "mfa-server", nil, "--from mfa-server: no user column: the header needs Username"},
		{"okta without factorType", "login,profile.phoneNumber\n", "okta", nil, "--from okta: the header needs factorType"},
		{"duo without number", "username,type\n", "duo", nil, "--from duo: the header needs number"},
		{"two columns of one name", "username,number,Number\n", "duo", nil, `--from duo: the header has 2 columns named like "number"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readAll(t, tc.in, InputOptions{From: tc.from, Maps: tc.maps})
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.has) {
				t.Fatalf("got %v; want an *InputError with %q", err, tc.has)
			}
		})
	}
	if err := CheckInputOptions(InputOptions{From: "duo "}); err != nil {
		t.Errorf("CheckInputOptions(duo): got %v; want nil", err)
	}
	if err := CheckInputOptions(InputOptions{From: "rsa"}); err == nil {
		t.Error("CheckInputOptions(rsa): got nil; want an error")
	}
	// A --map of a phone field gives the phones: the preset's columns are
	// not needed then.
	checkPresetRows(t, "Username,Cell\na@contoso.com,+1 206 555 0100\n", InputOptions{From: "mfa-server", Maps: []string{"mobile=Cell"}},
		[]presetWant{{user: "a@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}}})
}

const oktaHeader = "login,factorType,provider,profile.phoneNumber,profile.phoneExtension,status\n"

func TestPresetOkta(t *testing.T) {
	tests := []struct {
		name string
		rows string
		want []presetWant
	}{
		{"sms is the mobile, a call the alternateMobile", "a@contoso.com,sms,OKTA,+1-206-555-0100,,ACTIVE\na@contoso.com,call,OKTA,+1-206-555-0101,,ACTIVE\n", []presetWant{
			{user: "a@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}},
			{user: "a@contoso.com", phones: Phones[string]{AlternateMobile: "+1 2065550101"}},
		}},
		{"a call before the sms adds the sms's mobile first", "a@contoso.com,call,OKTA,+1-206-555-0101,,ACTIVE\na@contoso.com,sms,OKTA,+1-206-555-0100,,ACTIVE\n", []presetWant{
			{user: "a@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100", AlternateMobile: "+1 2065550101"}, notes: []string{"adds row 2's mobile first"}},
			{user: "a@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}},
		}},
		{"a call with an extension is the office phone", "a@contoso.com,call,OKTA,+1-425-555-0100,4410,ACTIVE\n", []presetWant{
			{user: "a@contoso.com", phones: Phones[string]{Office: "+1 4255550100x4410"}},
		}},
		{"without an sms factor, a call is the mobile", "a@contoso.com,call,OKTA,+1-425-555-0100,12,ACTIVE\na@contoso.com,call,OKTA,+1-206-555-0101,,ACTIVE\n", []presetWant{
			{user: "a@contoso.com", phones: Phones[string]{Office: "+1 4255550100x12"}},
			{user: "a@contoso.com", phones: Phones[string]{Mobile: "+1 2065550101"}},
		}},
		{"a call on the sms's number is that mobile", "a@contoso.com,call,OKTA,+1-206-555-0100,,ACTIVE\na@contoso.com,sms,OKTA,+1 206 555 0100,,ACTIVE\n", []presetWant{
			{user: "a@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}},
			{user: "a@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}},
		}},
		{"each user's rows apart", "a@contoso.com,sms,OKTA,+1-206-555-0100,,ACTIVE\nb@contoso.com,call,OKTA,+1-206-555-0101,,ACTIVE\n", []presetWant{
			{user: "a@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}},
			{user: "b@contoso.com", phones: Phones[string]{Mobile: "+1 2065550101"}},
		}},
		{"a factor not ACTIVE is invalid, and takes nothing", "a@contoso.com,sms,OKTA,+1-206-555-0100,,PENDING_ACTIVATION\na@contoso.com,call,OKTA,+1-206-555-0101,,ACTIVE\n", []presetWant{
			{user: "a@contoso.com", invalid: "okta: the sms factor's status is PENDING_ACTIVATION, not ACTIVE"},
			{user: "a@contoso.com", phones: Phones[string]{Mobile: "+1 2065550101"}},
		}},
		{"a factor without a number is invalid", "a@contoso.com,push,OKTA,,,ACTIVE\na@contoso.com,sms,OKTA,,,ACTIVE\n", []presetWant{
			{user: "a@contoso.com", invalid: `okta: factorType "push" holds no phone number`},
			{user: "a@contoso.com", invalid: "okta: the sms factor has no profile.phoneNumber"},
		}},
		{"an sms number with an extension is invalid and takes nothing", "a@contoso.com,sms,OKTA,+1-206-555-0100 x5,,ACTIVE\na@contoso.com,call,OKTA,+1-206-555-0101,,ACTIVE\n", []presetWant{
			{user: "a@contoso.com", invalid: "mobile: +1 ******0100x*** has an extension"},
			{user: "a@contoso.com", phones: Phones[string]{Mobile: "+1 2065550101"}},
		}},
		{"a bad number is invalid and takes nothing", "a@contoso.com,sms,OKTA,+1-555,,ACTIVE\na@contoso.com,call,OKTA,+1-206-555-0101,,ACTIVE\n", []presetWant{
			{user: "a@contoso.com", invalid: "mobile: "},
			{user: "a@contoso.com", phones: Phones[string]{Mobile: "+1 2065550101"}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkPresetRows(t, oktaHeader+tc.rows, InputOptions{From: "okta"}, tc.want)
		})
	}
}

const duoHeader = "username,number,extension,type\n"

func TestPresetDuo(t *testing.T) {
	tests := []struct {
		name string
		rows string
		opts InputOptions
		want []presetWant
	}{
		{"a Mobile is the mobile, a second the alternateMobile, a third is not added", "a@contoso.com,+12065550100,,Mobile\na@contoso.com,+12065550101,,Mobile\na@contoso.com,+12065550102,,Mobile\n", InputOptions{}, []presetWant{
			{user: "a@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}},
			{user: "a@contoso.com", phones: Phones[string]{AlternateMobile: "+1 2065550101"}},
			{user: "a@contoso.com", invalid: "duo: this phone is not added: Entra holds one phone of each type, and this user's mobile is row 1's, alternateMobile is row 2's"},
		}},
		{"a Landline is the office phone, with its extension", "a@contoso.com,+14255550100,210,Landline\na@contoso.com,+14255550101,,Landline\n", InputOptions{}, []presetWant{
			{user: "a@contoso.com", phones: Phones[string]{Office: "+1 4255550100x210"}},
			{user: "a@contoso.com", invalid: "this user's office is row 1's"},
		}},
		{"a Mobile with an extension is the office phone, with a note", "a@contoso.com,+14255550100,9,Mobile\n", InputOptions{}, []presetWant{
			{user: "a@contoso.com", phones: Phones[string]{Office: "+1 4255550100x9"}, notes: []string{"a Mobile phone with an extension is added as the office phone"}},
		}},
		{"numbers without +: E.164 digits, or ten digits of a US number", "a@contoso.com,15555550100,,Mobile\nb@contoso.com,2065550101,,Mobile\nc@contoso.com,1 (206) 555-0102,,Mobile\n", InputOptions{}, []presetWant{
			{user: "a@contoso.com", invalid: "mobile: not a valid number"},
			{user: "b@contoso.com", phones: Phones[string]{Mobile: "+1 2065550101"}},
			{user: "c@contoso.com", phones: Phones[string]{Mobile: "+1 2065550102"}},
		}},
		{"a national number with a leading 0 goes by --default-region", "a@contoso.com,020 7946 0958,,Landline\n", InputOptions{Phone: PhoneOptions{DefaultRegion: "GB"}}, []presetWant{
			{user: "a@contoso.com", phones: Phones[string]{Office: "+44 2079460958"}},
		}},
		{"an unknown type goes by its extension", "a@contoso.com,+12065550100,,Unknown\na@contoso.com,+14255550101,5,\na@contoso.com,+12065550102,,Pager\n", InputOptions{}, []presetWant{
			{user: "a@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}},
			{user: "a@contoso.com", phones: Phones[string]{Office: "+1 4255550101x5"}},
			{user: "a@contoso.com", phones: Phones[string]{AlternateMobile: "+1 2065550102"}, notes: []string{`type "Pager" is neither Mobile nor Landline`}},
		}},
		{"a phone without a number (a tablet) is invalid", "a@contoso.com,,,Mobile\n", InputOptions{}, []presetWant{
			{user: "a@contoso.com", invalid: "duo: the phone has no number"},
		}},
		{"a user's rows apart still get one phone per type, with a note", "a@contoso.com,+12065550100,,Mobile\nb@contoso.com,+12065550101,,Mobile\nA@contoso.com,+12065550102,,Mobile\n", InputOptions{}, []presetWant{
			{user: "a@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}},
			{user: "b@contoso.com", phones: Phones[string]{Mobile: "+1 2065550101"}},
			{user: "A@contoso.com", phones: Phones[string]{AlternateMobile: "+1 2065550102"}, notes: []string{"this user has rows earlier in the input, not next to this one"}},
		}},
		{"a user's number again, rows apart, is that phone again", "a@contoso.com,+12065550100,,Mobile\nb@contoso.com,+12065550101,,Mobile\na@contoso.com,+1 206 555 0100,,Mobile\n", InputOptions{}, []presetWant{
			{user: "a@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}},
			{user: "b@contoso.com", phones: Phones[string]{Mobile: "+1 2065550101"}},
			{user: "a@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}, notes: []string{"rows earlier in the input"}},
		}},
		{"a short user name is invalid; a template builds the UPN", "ada,+12065550100,,Mobile\n", InputOptions{}, []presetWant{
			{user: "ada", phones: Phones[string]{Mobile: "+1 2065550100"}, invalid: `username "ada" is not a userPrincipalName`},
		}},
		{"rows without a user are not grouped", ",+12065550100,,Mobile\n,+12065550101,,Mobile\n", InputOptions{}, []presetWant{
			{invalid: "no user: username is empty", phones: Phones[string]{Mobile: "+1 2065550100"}},
			{invalid: "no user: username is empty", phones: Phones[string]{Mobile: "+1 2065550101"}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.From = "duo"
			checkPresetRows(t, duoHeader+tc.rows, tc.opts, tc.want)
		})
	}
	checkPresetRows(t, duoHeader+"ada,+12065550100,,Mobile\n", InputOptions{From: "duo", Maps: []string{"userPrincipalName={username}@contoso.com"}},
		[]presetWant{{user: "ada@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}}})
}

// TestPresetGroupBound: a user with more rows than a group holds gets them
// in several groups, which still give one phone per type.
func TestPresetGroupBound(t *testing.T) {
	var b strings.Builder
	b.WriteString(duoHeader)
	for range maxPresetGroup + 2 {
		b.WriteString("a@contoso.com,+14255550100,,Landline\n")
	}
	b.WriteString("a@contoso.com,+12065550101,,Mobile\n")
	rows, _, err := readAll(t, b.String(), InputOptions{From: "duo"})
	if err != nil || len(rows) != maxPresetGroup+3 {
		t.Fatalf("got %d rows, %v", len(rows), err)
	}
	for i, r := range rows[:maxPresetGroup+2] {
		if r.Invalid != "" || r.Phones.Office != "+1 4255550100" {
			t.Errorf("row %d: got %+v; want the office phone again", i+1, r)
		}
	}
	if last := rows[len(rows)-1]; last.Phones.Mobile != "+1 2065550101" || last.Invalid != "" {
		t.Errorf("last row: got %+v; want the mobile", last)
	}
	for _, r := range rows {
		if len(r.Notes) > 0 {
			t.Errorf("row %d: got notes %q; want none (the user's rows stand together)", r.Num, r.Notes)
		}
	}
}

// TestPresetKeys: a row of one row per user has the key of the same user
// and phones in phonereg's own columns; rows of one row per phone that got
// the same phones have keys of their own (undo finds each one's line); an
// invalid row's key changes with any cell the preset reads.
func TestPresetKeys(t *testing.T) {
	own, _, _ := readAll(t, "userPrincipalName,mobile\na@contoso.com,+1 206 555 0100\n", InputOptions{})
	mfa, _, _ := readAll(t, mfaHeader+"a@contoso.com,1,206-555-0100,,,,,Phone Call\n", InputOptions{From: "mfa-server"})
	if own[0].Key != mfa[0].Key {
		t.Errorf("got key %s from mfa-server; want %s, the plain row's", mfa[0].Key, own[0].Key)
	}
	okta, _, _ := readAll(t, oktaHeader+"a@contoso.com,sms,OKTA,+1-206-555-0100,,ACTIVE\na@contoso.com,call,OKTA,+1 206 555 0100,,ACTIVE\n", InputOptions{From: "okta"})
	if okta[0].Phones != okta[1].Phones || okta[0].Key == okta[1].Key {
		t.Errorf("got rows %+v; want the same phones under two keys", okta)
	}
	again, _, _ := readAll(t, oktaHeader+"a@contoso.com,sms,OKTA,+1 (206) 555-0100,,ACTIVE\na@contoso.com,call,OKTA,+12065550100,,ACTIVE\n", InputOptions{From: "okta"})
	if again[0].Key != okta[0].Key || again[1].Key != okta[1].Key {
		t.Errorf("got keys %s %s; want %s %s: the numbers are the same, written differently", again[0].Key, again[1].Key, okta[0].Key, okta[1].Key)
	}
	pending, _, _ := readAll(t, oktaHeader+"a@contoso.com,sms,OKTA,+1-206-555-0100,,PENDING_ACTIVATION\n", InputOptions{From: "okta"})
	suspended, _, _ := readAll(t, oktaHeader+"a@contoso.com,sms,OKTA,+1-206-555-0100,,SUSPENDED\n", InputOptions{From: "okta"})
	if pending[0].Invalid == "" || pending[0].Key == suspended[0].Key {
		t.Errorf("got keys %s and %s for two invalid rows that differ in status; want them different", pending[0].Key, suspended[0].Key)
	}
}

// TestPresetUsersOnly: export reads only the user, from the preset's column.
func TestPresetUsersOnly(t *testing.T) {
	rows, _, err := readAll(t, duoHeader+"a@contoso.com,+12065550100,,Mobile\na@contoso.com,,,Mobile\n", InputOptions{From: "duo", UsersOnly: true})
	if err != nil || len(rows) != 2 {
		t.Fatalf("got %+v, %v", rows, err)
	}
	for _, r := range rows {
		if r.User != "a@contoso.com" || r.Invalid != "" || r.Phones != (Phones[string]{}) {
			t.Errorf("got %+v; want the user alone", r)
		}
	}
}

// TestExtensionOnlyOnOffice: phonereg's own columns: a mobile or
// alternateMobile with an extension is invalid, with the number masked; an
// office phone keeps it.
func TestExtensionOnlyOnOffice(t *testing.T) {
	checkRows(t, mustRead(t, "userPrincipalName,mobile,alternateMobile,office\n"+
		"a@contoso.com,+1 206 555 0100 x12,,\n"+
		"b@contoso.com,+1 206 555 0100,+1 206 555 0101 ext. 3,\n"+
		"c@contoso.com,,,+1 425 555 0102 #77\n"), []want{
		{num: 1, line: 2, user: "a@contoso.com", invalid: "mobile: +1 ******0100x*** has an extension: Graph accepts it, but sign-in cannot dial an extension"},
		{num: 2, line: 3, user: "b@contoso.com", phones: Phones[string]{Mobile: "+1 2065550100"}, invalid: "alternateMobile: +1 ******0101x*** has an extension"},
		{num: 3, line: 4, user: "c@contoso.com", phones: Phones[string]{Office: "+1 4255550102x77"}},
	})
	rows := mustRead(t, "userPrincipalName,mobile\na@contoso.com,+1 206 555 0100 x12\n")
	if strings.Contains(rows[0].Invalid, "2065550100") || strings.Contains(rows[0].Invalid, "x12") {
		t.Errorf("got %q; want the number masked", rows[0].Invalid)
	}
}

func mustRead(t *testing.T, text string) []Row {
	t.Helper()
	rows, _, err := readAll(t, text, InputOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestPresetValidate: validate prints a preset's notes as warnings, and no
// "alternateMobile without a mobile" for a row whose user's mobile came on
// an earlier row.
func TestPresetValidate(t *testing.T) {
	var out bytes.Buffer
	in := duoHeader + "a@contoso.com,+12065550100,,Mobile\na@contoso.com,+12065550101,,Mobile\na@contoso.com,+14255550102,9,Mobile\nb@contoso.com,+12065550103,,Mobile\n"
	v, _, err := Validate(context.Background(), strings.NewReader(in), InputOptions{From: "duo"}, false, &out)
	if err != nil {
		t.Fatal(err)
	}
	if v.Rows != 4 || v.Invalid != 0 || v.Warnings != 1 || !strings.Contains(out.String(), "row 3 (line 4): a@contoso.com: warning: a Mobile phone with an extension") {
		t.Errorf("got %+v:\n%s\nwant 4 rows, one warning (row 3's note)", v, &out)
	}
}
