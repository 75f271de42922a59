package pipeline

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestCheckPhones(t *testing.T) {
	tests := []struct {
		name   string
		phones Phones[string]
		want   []string
	}{
		{"no extension", Phones[string]{Mobile: "+1 2065550100", Office: "+44 2079460958"}, nil},
		{"9 digits", Phones[string]{Office: "+1 2065550100x123456789"}, nil},
		{"10 digits", Phones[string]{Office: "+1 2065550100x1234567890"}, []string{"office: the extension has 10 digits, more than the 9"}},
		{"each type named", Phones[string]{Mobile: "+1 2065550100x" + strings.Repeat("1", 12), AlternateMobile: "+1 2065550101x" + strings.Repeat("2", 20), Office: "+1 2065550102x1"},
			[]string{"mobile: the extension has 12 digits", "alternateMobile: the extension has 20 digits"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := checkPhones(&tc.phones, nil)
			if len(got) != len(tc.want) {
				t.Fatalf("got %q; want %d problems like %q", got, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(got[i], w) || strings.Contains(got[i], "2065550") {
					t.Errorf("problem %d: got %q; want it to start %q, without the number", i, got[i], w)
				}
			}
		})
	}
}

// TestReadRowsLongExtension: an extension longer than 9 digits, in any of
// the ways it can be written, makes the row invalid; 9 digits do not.
func TestReadRowsLongExtension(t *testing.T) {
	_, rows := readInput(t, "userPrincipalName,office\n"+
		"a@contoso.com,+1 425 555 0100 ext. 123456789\n"+
		"b@contoso.com,+1 425 555 0100 ext. 1234567890\n"+
		"c@contoso.com,+1 425 555 0100;ext=12345678901234567890\n"+
		"d@contoso.com,+1 425 555 0100 #1234567890\n", InputOptions{})
	if rows[0].Invalid != "" || rows[0].Phones.Office != "+1 4255550100x123456789" {
		t.Errorf("row 1: got %+v; want valid, with its 9-digit extension", rows[0])
	}
	for _, r := range rows[1:] {
		if !strings.HasPrefix(r.Invalid, "office: the extension has") {
			t.Errorf("row %d: got invalid %q; want the extension's problem", r.Num, r.Invalid)
		}
	}
}

func TestMobileOwnersClaim(t *testing.T) {
	o := mobileOwners{}
	steps := []struct {
		row        int
		user, m    string
		wantFirst  int // 0: no clash
		wantClash  clash
		wantPrefix string
	}{
		{1, "kim@contoso.com", "+1 2065550100", 0, 0, ""},
		{2, "kim@contoso.com", "+1 2065550100x5", 0, 0, ""}, // the same user
		{3, "lee@contoso.com", "+1 2065550100", 1, clashSame, "mobile M is also the mobile of row 1's user; SMS sign-in allows"},
		{4, "lee@contoso.com", "+1 2065550100x5", 1, clashWithExtension, "mobile M is the mobile of row 1's user with an extension: SMS sign-in ignores extensions"},
		{5, "ann@contoso.com", "+1 4255550100x7", 0, 0, ""},
		{6, "bo@contoso.com", "+1 4255550100", 5, clashWithoutExtension, "mobile M is the mobile of row 5's user without its extension"},
		{7, "cy@contoso.com", "+1 4255550100x8", 5, clashOtherExtension, "mobile M is the mobile of row 5's user with another extension"},
		{8, "di@contoso.com", "+1 4255550100x7", 5, clashSame, "mobile M is also"},
	}
	for _, s := range steps {
		first, c, ok := o.claim(s.row, s.user, s.m)
		if ok != (s.wantFirst != 0) || first.row != s.wantFirst || c != s.wantClash {
			t.Errorf("row %d: got first row %d, clash %d, %v; want %d, %d", s.row, first.row, c, ok, s.wantFirst, s.wantClash)
		}
		if got := c.problem("M", first); ok && !strings.HasPrefix(got, s.wantPrefix) {
			t.Errorf("row %d: got %q; want it to start %q", s.row, got, s.wantPrefix)
		}
	}
	if len(o) != 2 {
		t.Errorf("got %d numbers held; want 2, one per sign-in number", len(o))
	}
}

// TestValidateChecks: Validate reports every check with its row and line,
// counts them, and compares users by identity: an object id however
// written, a userPrincipalName in any case.
func TestValidateChecks(t *testing.T) {
	in := "userPrincipalName,userId,mobile,alternateMobile,office\n" +
		"kim@contoso.com,,+1 206 555 0100,,\n" + // row 1
		"lee@contoso.com,,+1 206 555 0100 x5,,\n" + // 2: kim's number, with an extension
		",3f2504e0-4f89-11d3-9a0c-0305e82c3301,+1 206 555 0101,,\n" + // 3
		",{3F2504E0-4F89-11D3-9A0C-0305E82C3301},+1 206 555 0101,,\n" + // 4: the same user as row 3
		"KIM@contoso.com,,+1 206 555 0100,,\n" + // 5: kim again
		"ann@contoso.com,,,,+1 425 555 0100 ext. 1234567890\n" + // 6: extension too long
		",ann@contoso.com,+1 206 555 0102,,\n" + // 7: a UPN as userId
		"bo contoso.com,,+1 206 555 0103,,\n" + // 8: no @
		"cy @contoso.com,,+1 206 555 0101,,\n" + // 9: a space, and row 3's number
		strings.Repeat("d", 65) + "@contoso.com,,+1 206 555 0104,,\n" + // 10: name too long
		"eve@contoso.com,,,+1 206 555 0105,\n" // 11: warning
	var out bytes.Buffer
	v, _, err := Validate(context.Background(), strings.NewReader(in), InputOptions{}, false, &out)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"row 2 (line 3): lee@contoso.com: mobile +1 ******0100x*** is the mobile of row 1's user with an extension: SMS sign-in ignores extensions, so it is the same number, and allows a number for one user only",
		"row 6 (line 7): ann@contoso.com: invalid: office: the extension has 10 digits, more than the 9 a number in Graph's form (+{country code} {number}x{extension}) can carry: phone software (libphonenumber) does not read a longer one after the x",
		"row 7 (line 8): ann@contoso.com: invalid: userId: not an object id (a GUID like 3f2504e0-4f89-11d3-9a0c-0305e82c3301): it looks like a userPrincipalName; give it in the userPrincipalName column",
		"row 8 (line 9): bo contoso.com: invalid: userPrincipalName: no @: a userPrincipalName is name@domain, like kim@contoso.com",
		"row 9 (line 10): cy @contoso.com: invalid: userPrincipalName: contains a space: Entra allows none in a userPrincipalName",
		"row 9 (line 10): cy @contoso.com: mobile +1 ******0101 is also the mobile of row 3's user; SMS sign-in allows a number for one user only",
		"row 10 (line 11): " + strings.Repeat("d", 65) + "@contoso.com: invalid: userPrincipalName: 65 characters before the @, more than the 64 Entra allows",
		"row 11 (line 12): eve@contoso.com: warning: alternateMobile without a mobile: it fails unless the user already has a mobile",
	}
	// Row 2 may also be invalid for its mobile's extension (a rule of its
	// own): its number still counts for the same-number check.
	if missing := linesInOrder(out.String(), want); missing != "" {
		t.Errorf("output lacks, in order, %q:\n%s", missing, out.String())
	}
	if v.Rows != 11 || v.Invalid < 5 || v.Invalid > 6 || v.Problems != 2 || v.Warnings != 1 {
		t.Errorf("got %+v; want 11 rows, 5 invalid (6 with row 2), 2 problems, 1 warning", *v)
	}
}

// linesInOrder is the first of want that is not a line of text after the
// lines before it matched, or "" when all are.
func linesInOrder(text string, want []string) string {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	for _, w := range want {
		for len(lines) > 0 && lines[0] != w {
			lines = lines[1:]
		}
		if len(lines) == 0 {
			return w
		}
		lines = lines[1:]
	}
	return ""
}
