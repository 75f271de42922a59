package pipeline

import (
	"context"
	"strings"
	"testing"

	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// TestRunUserChecks: run records rows naming users that cannot exist, and
// extensions too long to dial, as invalid, and sends no request for them;
// the spellings of one object id are one user, asked for by its canonical
// id, while the result file keeps the user as given.
func TestRunUserChecks(t *testing.T) {
	const id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301"
	e := newEnv(t, graphsim.Options{AutoCreateUsers: true, Users: []graphsim.User{{ID: id, UserPrincipalName: "ida@contoso.com"}}})
	in := "userPrincipalName,userId,mobile,office\n" +
		",{3F2504E0-4F89-11D3-9A0C-0305E82C3301},+1 206 555 0100,\n" +
		"," + strings.ToUpper(id) + ",+1 206 555 0100,+1 425 555 0100\n" +
		",not-an-id,+1 206 555 0101,\n" +
		"kim,,+1 206 555 0102,\n" +
		"kim smith@contoso.com,,+1 206 555 0103,\n" +
		strings.Repeat("k", 60) + "@" + strings.Repeat("c", 50) + ".com,,+1 206 555 0104,\n" +
		"longext@contoso.com,,,+1 425 555 0101 ext. 1234567890\n"
	sum, err, rows := e.run(t, context.Background(), in, nil)
	if err != nil {
		t.Fatal(err)
	}
	check(t, rows[1], expect{status: StatusSucceeded, phones: Phones[Outcome]{Mobile: OutcomeAdded}, sms: SmsAlreadyEnabled})
	check(t, rows[2], expect{status: StatusSucceeded, phones: Phones[Outcome]{Mobile: OutcomeExists, Office: OutcomeAdded}, sms: SmsAlreadyEnabled})
	for n, errHas := range map[int]string{
		3: "userId: not an object id",
		4: "userPrincipalName: no @",
		5: "userPrincipalName: contains a space",
		6: "userPrincipalName: 115 characters, more than the 113 Entra allows",
		7: "office: the extension has 10 digits",
	} {
		check(t, rows[n], expect{status: StatusInvalid, errHas: errHas})
	}
	if rows[1].User != "{3F2504E0-4F89-11D3-9A0C-0305E82C3301}" || rows[2].User != strings.ToUpper(id) || rows[4].User != "kim" {
		t.Errorf("got users %q, %q, %q; want them as given", rows[1].User, rows[2].User, rows[4].User)
	}
	if sum.ByStatus[StatusInvalid] != 5 {
		t.Errorf("got %v; want 5 invalid", sum.ByStatus)
	}
	n := 0
	for _, r := range e.srv.Requests() {
		if !graphRoutes[r.Route] {
			continue
		}
		n++
		if !strings.Contains(r.Path, "/users/"+id+"/") {
			t.Errorf("sent %s %s; want requests only for %s, by its canonical id", r.Method, r.Path, id)
		}
	}
	if ms, _ := e.srv.Methods(id); n == 0 || len(ms) != 2 {
		t.Errorf("got %d requests, and %+v on the user; want its mobile and office", n, ms)
	}
}
