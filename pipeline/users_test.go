package pipeline

import (
	"strings"
	"testing"
	"time"
)

func TestCanonicalObjectID(t *testing.T) {
	const id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"canonical", id, true},
		{"upper case", strings.ToUpper(id), true},
		{"mixed case in braces", "{3F2504E0-4f89-11D3-9a0c-0305E82C3301}", true},
		{"braces", "{" + id + "}", true},
		{"no hyphens", strings.ReplaceAll(id, "-", ""), false},
		{"brace not closed", "{" + id, false},
		{"parentheses", "(" + id + ")", false},
		{"hyphen misplaced", "3f2504e04-f89-11d3-9a0c-0305e82c3301", false},
		{"not hex", "3f2504e0-4f89-11d3-9a0c-0305e82c330g", false},
		{"one digit short", id[:35], false},
		{"UPN", "kim@contoso.com", false},
		{"empty", "", false},
		{"wide digits", "３f2504e0-4f89-11d3-9a0c-0305e82c330", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := canonicalObjectID(tc.in)
			if ok != tc.ok || (ok && got != id) {
				t.Errorf("canonicalObjectID(%q) = %q, %v; want %q, %v", tc.in, got, ok, id, tc.ok)
			}
		})
	}
}

func TestUPNProblem(t *testing.T) {
	name64, domain48 := strings.Repeat("n", 64), strings.Repeat("d", 44)+".com"
	tests := []struct {
		name, in, want string // want: a part of the problem, "" for none
	}{
		{"plain", "kim@contoso.com", ""},
		{"guest", "kim_fabrikam.com#EXT#@contoso.onmicrosoft.com", ""},
		{"apostrophe and hash", "o'brien#1@contoso.com", ""},
		{"at the limits", name64 + "@" + domain48, ""},
		{"no @", "kim.contoso.com", "no @: a userPrincipalName is name@domain"},
		{"display name", "Kim Smith", "no @"},
		{"object id", "3f2504e0-4f89-11d3-9a0c-0305e82c3301", "looks like an object id; give it in the userId column"},
		{"two @", "kim@contoso@com", "more than one @"},
		{"nothing before", "@contoso.com", "nothing before the @"},
		{"nothing after", "kim@", "nothing after the @"},
		{"space", "kim smith@contoso.com", "contains a space"},
		{"no-break space", "kim\u00a0smith@contoso.com", "contains a space"},
		{"too long", name64 + "@" + strings.Repeat("d", 50), "115 characters, more than the 113"},
		{"name too long", name64 + "n@contoso.com", "65 characters before the @, more than the 64"},
		{"domain too long", "kim@" + strings.Repeat("d", 45) + ".com", "49 characters after the @, more than the 48"},
		{"characters, not bytes", strings.Repeat("é", 64) + "@contoso.com", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := upnProblem(tc.in)
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("upnProblem(%q) = %q; want %q", tc.in, got, tc.want)
			}
			if got != "" && !strings.HasPrefix(got, "userPrincipalName: ") {
				t.Errorf("got %q; want it to name the field first", got)
			}
		})
	}
}

// TestReadRowsUsers: the input reader makes a row naming a user that cannot
// exist invalid, with its reason; the spellings of one object id are one
// user (one Row.User, one key, one userIdentity) while result lines keep
// the id as given.
func TestReadRowsUsers(t *testing.T) {
	const id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
	_, rows := readInput(t, "userPrincipalName,userId,mobile\n"+
		","+id+",+1 206 555 0100\n"+
		",{3F2504E0-4F89-11D3-9A0C-0305E82C3301},+1 206 555 0100\n"+
		"kim@contoso.com,"+strings.ToUpper(id)+",+1 206 555 0100\n"+
		",kim@contoso.com,+1 206 555 0101\n"+
		",12345,+1 206 555 0102\n"+
		"kim,,+1 206 555 0103\n"+
		"Kim@Contoso.com,,+1 206 555 0104\n"+
		"kim@contoso.com,,+1 206 555 0104\n"+
		"\"kim\nsmith@contoso.com\",,+1 206 555 0105\n"+
		"not an upn,"+id+",+1 206 555 0100\n", InputOptions{})
	if len(rows) != 10 {
		t.Fatalf("got %d rows; want 10", len(rows))
	}
	for i := range 3 {
		r := rows[i]
		if r.Invalid != "" || r.User != id || r.Key != rows[0].Key || userIdentity(r) != id {
			t.Errorf("row %d: got user %q key %s invalid %q; want %q, the key of row 1, valid", r.Num, r.User, r.Key, r.Invalid, id)
		}
	}
	if got := invalidResult(rows[1], time.Now()).User; got != "{3F2504E0-4F89-11D3-9A0C-0305E82C3301}" {
		t.Errorf("row 2's result line: got user %q; want the id as given", got)
	}
	if got := rows[2].givenUser(); got != strings.ToUpper(id) {
		t.Errorf("row 3: got given user %q; want the userId as given (it wins over the UPN)", got)
	}
	wantInvalid := map[int]string{
		4:  "userId: not an object id (a GUID like 3f2504e0-4f89-11d3-9a0c-0305e82c3301): it looks like a userPrincipalName; give it in the userPrincipalName column",
		5:  "userId: not an object id (a GUID like 3f2504e0-4f89-11d3-9a0c-0305e82c3301)",
		6:  "userPrincipalName: no @: a userPrincipalName is name@domain, like kim@contoso.com",
		9:  "userPrincipalName: contains a line break: is a quote (\") not closed?",
		10: "",
	}
	for n, want := range wantInvalid {
		if got := rows[n-1].Invalid; got != want {
			t.Errorf("row %d: got invalid %q; want %q", n, got, want)
		}
	}
	if rows[3].User != "kim@contoso.com" || rows[4].User != "12345" {
		t.Errorf("got users %q, %q; want a userId that is not an id as given", rows[3].User, rows[4].User)
	}
	if a, b := rows[6], rows[7]; a.Invalid != "" || b.Invalid != "" || userIdentity(a) != userIdentity(b) || a.User != "Kim@Contoso.com" {
		t.Errorf("got %+v and %+v; want one user in two cases, the UPN as given", a, b)
	}
}

// TestReadRowsUsersOnlyObjectIDs: export's key of an object id is the same
// for each of its spellings, and the snapshot's line for it, which keeps the
// id as given, scans to the row's key.
func TestReadRowsUsersOnlyObjectIDs(t *testing.T) {
	_, rows := readInput(t, "userId\n3f2504e0-4f89-11d3-9a0c-0305e82c3301\n{3F2504E0-4F89-11D3-9A0C-0305E82C3301}\nnot-an-id\n", InputOptions{UsersOnly: true})
	if len(rows) != 3 || rows[0].Key != rows[1].Key || rows[1].Invalid != "" || rows[2].Invalid == "" {
		t.Fatalf("got %+v; want two valid rows of one key, then an invalid one", rows)
	}
	codec := newSnapshotCodec(false, true)
	for _, row := range rows {
		res := invalidResult(row, time.Now())
		if row.Invalid == "" {
			res.Status, res.Error = StatusSucceeded, ""
		}
		var b strings.Builder
		must(t, codec.newEncoder(&b).encode(res))
		if !strings.HasPrefix(b.String(), row.UserID+",") {
			t.Errorf("row %d: got line %q; want the userId as given first", row.Num, b.String())
		}
		if _, _, key, ok := codec.scan([]byte(b.String())); !ok || key != keyHash(row.Key) {
			t.Errorf("row %d: line %q scans to key %016x, %v; want %s", row.Num, b.String(), key, ok, row.Key)
		}
	}
}
