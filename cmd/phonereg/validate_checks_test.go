package main

import (
	"context"
	"strings"
	"testing"
)

// TestValidateChecksCLI drives `phonereg validate` over a file with one row
// for each check: every problem is printed with its row and line numbers,
// the summary counts them in words that fit, and the exit code is 1.
func TestValidateChecksCLI(t *testing.T) {
	long := strings.Repeat("k", 60) + "@" + strings.Repeat("c", 50) + ".com"
	in := writeFile(t, t.TempDir(), "checks.csv", "userPrincipalName,userId,mobile,alternateMobile,office\n"+
		"kim@contoso.com,,+1 206 555 0100,,\n"+ // row 1
		"lee@contoso.com,,+1 206 555 0100 x5,,\n"+ // 2: kim's number, with an extension
		",{3F2504E0-4F89-11D3-9A0C-0305E82C3301},+1 206 555 0101,,\n"+ // 3
		",3f2504e0-4f89-11d3-9a0c-0305e82c3301,+1 206 555 0101,,\n"+ // 4: row 3's user: no problem
		"\n"+
		",not-a-guid,+1 206 555 0102,,\n"+ // 5, line 7
		"no.at.sign,,+1 206 555 0103,,\n"+ // 6
		"two words@contoso.com,,+1 206 555 0104,,\n"+ // 7
		long+",,+1 206 555 0105,,\n"+ // 8
		"ann@contoso.com,,,,+1 425 555 0100 ext. 12345678901\n"+ // 9
		"bo@contoso.com,,+1 206 555 0101,,\n"+ // 10: row 3's number
		"cy@contoso.com,,,+1 206 555 0106,\n") // 11: warning
	code, stdout, stderr := cli(t, context.Background(), "validate", "--in", in)
	if code != 1 {
		t.Fatalf("got exit %d; want 1\n%s%s", code, stdout, stderr)
	}
	want := []string{
		"row 2 (line 3): lee@contoso.com: mobile +1 ******0100x*** is the mobile of row 1's user with an extension: SMS sign-in ignores extensions, so it is the same number, and allows a number for one user only",
		"row 5 (line 7): not-a-guid: invalid: userId: not an object id (a GUID like 3f2504e0-4f89-11d3-9a0c-0305e82c3301)",
		"row 6 (line 8): no.at.sign: invalid: userPrincipalName: no @: a userPrincipalName is name@domain, like kim@contoso.com",
		"row 7 (line 9): two words@contoso.com: invalid: userPrincipalName: contains a space: Entra allows none in a userPrincipalName",
		"row 8 (line 10): " + long + ": invalid: userPrincipalName: 115 characters, more than the 113 Entra allows",
		"row 9 (line 11): ann@contoso.com: invalid: office: the extension has 11 digits, more than the 9 a number in Graph's form (+{country code} {number}x{extension}) can carry: phone software (libphonenumber) does not read a longer one after the x",
		"row 10 (line 12): bo@contoso.com: mobile +1 ******0101 is also the mobile of row 3's user; SMS sign-in allows a number for one user only",
		"row 11 (line 13): cy@contoso.com: warning: alternateMobile without a mobile: it fails unless the user already has a mobile",
	}
	// Row 2 may also be invalid for its mobile's extension (a rule of its
	// own): the lines above come in this order, perhaps with that one among
	// them, and the summary counts it.
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	for _, w := range want {
		for len(lines) > 0 && lines[0] != w {
			lines = lines[1:]
		}
		if len(lines) == 0 {
			t.Fatalf("stdout lacks, in order, %q:\n%s", w, stdout)
		}
		lines = lines[1:]
	}
	if len(lines) != 1 || (lines[0] != "11 rows: 5 invalid, 2 other problems, 1 warning" && lines[0] != "11 rows: 6 invalid, 2 other problems, 1 warning") {
		t.Errorf("got summary %q; want \"11 rows: 5 invalid, 2 other problems, 1 warning\" (6 invalid with row 2)", lines)
	}
	if stderr != "" {
		t.Errorf("got stderr %q; want none", stderr)
	}
}
