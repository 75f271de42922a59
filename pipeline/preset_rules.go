package pipeline

// The presets --from knows: each provider's export, its columns and its
// rules (the machinery is preset.go's). Sources:
//
//   - MFA Server: Microsoft Learn, "Migrate to Azure AD MFA with federation"
//     (how-to-migrate-mfa-server-to-azure-mfa-with-federation.md, "Export
//     user phone numbers from MFA Server"): the admin console's File >
//     Export Users saves "Multi-Factor Authentication Users.csv", whose
//     columns of interest are Username, Primary Phone, Primary Country Code,
//     Backup Country Code, Backup Phone, Backup Extension; the MFA Server
//     user portal's help ("Change Phone") names the primary's extension
//     "Extension" and allows digits, commas (pauses), * and # in it. The
//     rules are the MFA Server Migration Utility's sync logic ("How to use
//     the MFA Server Migration Utility", how-to-mfa-server-migration-
//     utility.md): Phone: no extension → MFA (mobile) phone, an extension →
//     office, but when the default method is Text Message the extension is
//     dropped and the number is the mobile; Backup Phone: no extension →
//     alternate phone, an extension → office, skipped when both phones have
//     an extension. The export's name of the default method column is not
//     documented: "Default Method" and "Method" are both read; a value
//     naming a text message ("Text Message", "Text message (OTP)", "SMS")
//     counts. MFA Server stopped serving MFA on 30 September 2024.
//   - Okta: GET /api/v1/users/{id}/factors (developer.okta.com, Factors
//     API; the SDKs' SmsUserFactorProfile and CallUserFactorProfile):
//     factorType "sms" and "call", each with profile.phoneNumber (like
//     "+1-555-415-1337") and, for a call, profile.phoneExtension; status
//     NOT_SETUP, PENDING_ACTIVATION, ACTIVE (verified) or INACTIVE.
//   - Duo: the Admin API (duo.com/docs/adminapi), /admin/v1/phones and the
//     phones of /admin/v1/users: number ("+15555550100"; "if no leading
//     plus sign is provided then it is assumed to be a United States number
//     and an implicit +1 country code is prepended"), extension, type
//     ("Mobile", "Landline", or unknown); duo_client_python's
//     examples/Admin/report_users_and_phones.py writes one row per phone of
//     a user, as the README's export does.

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/phonereg/phonereg/graphclient"
	"github.com/phonereg/phonereg/pipeline/internal/phone"
)

var presets = []*Preset{mfaServerPreset, oktaPreset, duoPreset}

// The columns of --from mfa-server, in mfaServerPreset.columns.
const (
	mfaUser = iota
	mfaPrimaryCC
	mfaPrimary
	mfaPrimaryExt
	mfaBackupCC
	mfaBackup
	mfaBackupExt
	mfaMethod
)

var mfaServerPreset = &Preset{
	Name:    "mfa-server",
	Summary: "Azure MFA Server's File > Export Users CSV, mapped as the MFA Server Migration Utility does",
	columns: []presetColumn{
		mfaUser:       {names: []string{"Username", "User Name"}},
		mfaPrimaryCC:  {names: []string{"Primary Country Code", "Country Code"}},
		mfaPrimary:    {names: []string{"Primary Phone", "Primary Phone Number", "Phone", "Phone Number"}},
		mfaPrimaryExt: {names: []string{"Primary Extension", "Extension"}},
		mfaBackupCC:   {names: []string{"Backup Country Code"}},
		mfaBackup:     {names: []string{"Backup Phone", "Backup Phone Number"}},
		mfaBackupExt:  {names: []string{"Backup Extension"}},
		mfaMethod:     {names: []string{"Default Method", "Method"}},
	},
	need:      [][]int{{mfaPrimary, mfaBackup}},
	phoneCols: []int{mfaPrimary, mfaBackup},
	row:       mfaServerRow,
}

// mfaServerRow maps an MFA Server user as the Migration Utility does: the
// primary phone to mobile, or to office when it has an extension (dropped,
// and mobile, when the default method is a text message); the backup phone
// to alternateMobile, or to office when it has an extension, unless the
// primary took office already (then it is skipped, with a note). A backup
// that is the primary's number again is skipped too. An alternateMobile
// without a mobile (the primary went to office) is kept: Graph adds it when
// the user has a mobile already, and run fails that step clearly otherwise.
func mfaServerRow(src []string, o PhoneOptions) presetRow {
	var out presetRow
	primary := presetNumber(src[mfaPrimaryCC], src[mfaPrimary], src[mfaPrimaryExt])
	backup := presetNumber(src[mfaBackupCC], src[mfaBackup], src[mfaBackupExt])
	text := isTextMessage(src[mfaMethod])
	switch {
	case primary == "":
	case text && hasExtension(primary, o):
		out.cells.Mobile = dropExtension(primary, presetNumber(src[mfaPrimaryCC], src[mfaPrimary], ""), o)
		out.notes = append(out.notes, presetNote{graphclient.Mobile, "primary phone: its extension is dropped and the number added as the mobile: " +
			"the default method is a text message, which cannot dial an extension (as the MFA Server Migration Utility does)"})
	case text || !hasExtension(primary, o):
		out.cells.Mobile = primary
	default:
		out.cells.Office = primary
	}
	switch {
	case backup == "":
	case samePhone(backup, out.cells.Mobile, o) || samePhone(backup, out.cells.Office, o):
		out.notes = append(out.notes, presetNote{graphclient.AlternateMobile, "backup phone skipped: it is the primary phone's number"})
	case !hasExtension(backup, o):
		out.cells.AlternateMobile = backup
	case out.cells.Office != "":
		out.notes = append(out.notes, presetNote{graphclient.Office, "backup phone skipped: it has an extension, and the primary phone already took office " +
			"(Entra holds one office phone; the MFA Server Migration Utility skips it too)"})
	default:
		out.cells.Office = backup
	}
	return out
}

// presetNumber writes a number from an export's split cells: "+{cc}
// {number} x{ext}". The country code is left out when number has its own
// (+ or 00) or cc is empty (then --default-region reads it); the extension
// loses MFA Server's pauses (commas) and spaces, and is left out when empty.
func presetNumber(cc, number, ext string) string {
	number = strings.TrimSpace(number)
	if number == "" {
		return ""
	}
	cc = strings.TrimLeft(strings.TrimSpace(cc), "+")
	if cc != "" && !strings.HasPrefix(number, "+") && !strings.HasPrefix(number, "00") {
		number = "+" + cc + " " + number
	}
	ext = strings.Map(func(r rune) rune {
		if r == ',' || unicode.IsSpace(r) {
			return -1
		}
		return r
	}, ext)
	if ext != "" {
		number += " x" + ext
	}
	return number
}

// hasExtension reports whether number has an extension, as Normalize reads
// it; a number it cannot read has one when it is written with " x" (as
// presetNumber writes one), so that it goes where its extension sends it and
// is reported invalid there.
func hasExtension(number string, o PhoneOptions) bool {
	if n, err := phone.Normalize(number, o); err == nil {
		return strings.ContainsRune(n, 'x')
	}
	return strings.Contains(number, " x")
}

// dropExtension is number without its extension: in Graph's form when
// Normalize reads it, else bare (the number written without its extension
// cell), which is then reported invalid.
func dropExtension(number, bare string, o PhoneOptions) string {
	if n, err := phone.Normalize(number, o); err == nil {
		n, _, _ = strings.Cut(n, "x")
		return n
	}
	return bare
}

// samePhone reports whether a and b are one number, extensions included ("" is
// no number).
func samePhone(a, b string, o PhoneOptions) bool {
	na, errA := phone.Normalize(a, o)
	nb, errB := phone.Normalize(b, o)
	return errA == nil && errB == nil && sameNumber(na, nb)
}

// isTextMessage reports whether an MFA Server default method is a text
// message ("Text Message", "Text message (OTP)", "SMS").
func isTextMessage(method string) bool {
	m := foldColumnName(method)
	return strings.Contains(m, "text") || strings.Contains(m, "sms")
}

// The columns of --from okta, in oktaPreset.columns.
const (
	oktaUser = iota
	oktaType
	oktaNumber
	oktaExt
	oktaStatus
	oktaProvider
)

var oktaPreset = &Preset{
	Name:    "okta",
	Summary: "Okta's factors (GET /api/v1/users/{id}/factors) flattened to one row per factor: sms → mobile, call → office with an extension, else alternateMobile (mobile when the user has no sms factor)",
	columns: []presetColumn{
		oktaUser:     {names: []string{"login", "profile.login", "username"}},
		oktaType:     {names: []string{"factorType"}},
		oktaNumber:   {names: []string{"profile.phoneNumber", "phoneNumber"}},
		oktaExt:      {names: []string{"profile.phoneExtension", "phoneExtension"}},
		oktaStatus:   {names: []string{"status"}},
		oktaProvider: {names: []string{"provider"}}, // known, not read
	},
	need:      [][]int{{oktaType}, {oktaNumber}},
	phoneCols: []int{oktaNumber},
	phone:     oktaPhone,
}

// oktaPhone reads one Okta factor: an sms factor's number is the mobile (or
// the alternateMobile, when another row took the mobile); a call factor's,
// with its extension, the office phone, and without one the alternateMobile,
// or the mobile when the user has no sms factor (it chooses after the sms
// rows: rank 1). A factor of another type has no number, and one whose
// status is not ACTIVE was never verified by its user: either makes the row
// invalid.
func oktaPhone(src []string, o PhoneOptions) presetPhone {
	kind := strings.ToLower(strings.TrimSpace(src[oktaType]))
	if kind != "sms" && kind != "call" {
		return presetPhone{problem: fmt.Sprintf("okta: factorType %q holds no phone number (only sms and call factors do): leave it out of the export", cutName(src[oktaType]))}
	}
	if st := strings.TrimSpace(src[oktaStatus]); st != "" && !strings.EqualFold(st, "ACTIVE") {
		return presetPhone{problem: fmt.Sprintf("okta: the %s factor's status is %s, not ACTIVE: its user never verified the number", kind, cutName(st))}
	}
	if kind == "sms" {
		return presetPhone{number: src[oktaNumber], kind: kind, wants: []graphclient.PhoneType{graphclient.Mobile, graphclient.AlternateMobile},
			noPhone: "okta: the sms factor has no profile.phoneNumber"}
	}
	ph := presetPhone{number: presetNumber("", src[oktaNumber], src[oktaExt]), kind: kind, rank: 1, noPhone: "okta: the call factor has no profile.phoneNumber"}
	if ph.number != "" && hasExtension(ph.number, o) {
		ph.wants = []graphclient.PhoneType{graphclient.Office}
	} else {
		ph.wants = []graphclient.PhoneType{graphclient.Mobile, graphclient.AlternateMobile}
	}
	return ph
}

// The columns of --from duo, in duoPreset.columns.
const (
	duoUser = iota
	duoNumber
	duoExt
	duoType
)

var duoPreset = &Preset{
	Name:    "duo",
	Summary: "Duo's phones (Admin API /admin/v1/phones), one row per phone and user: Mobile → mobile, a second → alternateMobile; Landline or an extension → office",
	columns: []presetColumn{
		duoUser:   {names: []string{"username", "user"}},
		duoNumber: {names: []string{"number", "phoneNumber", "phone"}},
		duoExt:    {names: []string{"extension"}},
		duoType:   {names: []string{"type", "phoneType"}},
	},
	need:      [][]int{{duoNumber}},
	phoneCols: []int{duoNumber},
	phone:     duoPhone,
}

// duoPhone reads one Duo phone: a Mobile without an extension is the mobile,
// a second one the alternateMobile; a Landline, or any phone with an
// extension, the office phone. A phone whose type is unknown (Duo's
// "Unknown", or empty) goes by its extension, as a Mobile would. A phone
// without a number (a tablet) makes the row invalid.
func duoPhone(src []string, o PhoneOptions) presetPhone {
	ph := presetPhone{noPhone: "duo: the phone has no number (a tablet?): nothing to add"}
	if src[duoNumber] == "" {
		return ph
	}
	ph.number = presetNumber("", duoDigits(src[duoNumber]), src[duoExt])
	kind := strings.ToLower(strings.TrimSpace(src[duoType]))
	ph.kind = kind
	ext := hasExtension(ph.number, o)
	switch {
	case kind == "landline":
		ph.wants = []graphclient.PhoneType{graphclient.Office}
	case ext:
		ph.wants = []graphclient.PhoneType{graphclient.Office}
		if kind == "mobile" {
			ph.note = "a Mobile phone with an extension is added as the office phone: extensions work only on office phones"
		}
	default:
		ph.wants = []graphclient.PhoneType{graphclient.Mobile, graphclient.AlternateMobile}
	}
	if kind != "" && kind != "mobile" && kind != "landline" && kind != "unknown" {
		ph.note = fmt.Sprintf("type %q is neither Mobile nor Landline: read by its extension", cutName(src[duoType]))
	}
	return ph
}

// duoDigits reads a Duo number written without a "+": Duo's user objects
// hold E.164 digits ("15555550100"), and Duo takes a number of ten digits
// without one as a United States number. A number with a +, or with a
// leading 0 (a national number, read with --default-region), is left as it
// is.
func duoDigits(s string) string {
	s = strings.TrimSpace(s)
	digits := strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9':
			return r
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
			return -1
		}
		return 'a' // anything else: not digits only
	}, s)
	switch {
	case digits == "" || strings.ContainsRune(digits, 'a') || digits[0] == '0':
		return s
	case len(digits) == 10:
		return "+1" + digits
	}
	return "+" + digits
}
