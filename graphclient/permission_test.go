package graphclient

import (
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// TestForbiddenNamesThePermission: a 403 on each operation names, in its
// Error and in Describe (the result file's error cell), the application
// permission that operation needs: either ReadWrite role for run's steps,
// UserAuthenticationMethod.ReadWrite.All for undo's delete and disable, a
// Read role for reads. Against graphsim, with an application holding too
// little for each call.
func TestForbiddenNamesThePermission(t *testing.T) {
	t.Parallel()
	const upn = "adele@contoso.com"
	s := startSim(t, graphsim.Options{Knobs: graphsim.Knobs{PhoneRoleLegacy: true}, Users: []graphsim.User{
		{UserPrincipalName: upn, Phones: map[string]string{"mobile": number1, "office": number3}},
	}})
	as := func(roles ...string) *Client {
		id, secret := uuid.NewString(), "secret-"+uuid.NewString()
		if err := s.AddApplication(graphsim.Application{ClientID: id, ClientSecret: secret, Roles: roles}); err != nil {
			t.Fatal(err)
		}
		return simClient(t, s, func(c *Config) { c.Credential = secretCredential(t, s, id, secret) })
	}
	none, reader, phone := as(), as(graphsim.RoleReadAll), as(graphsim.RolePhoneReadWriteAll)
	tests := []struct {
		name    string
		call    func() error
		want    []string
		wantNot string
	}{
		{"list without a role", func() error { _, err := none.ListPhoneMethods(testCtx(t), upn); return err },
			[]string{PermPhoneReadAll, PermReadAll}, ""},
		{"create with a read role", func() error {
			_, err := reader.CreatePhoneMethod(testCtx(t), upn, AlternateMobile, number2)
			return err
		},
			[]string{PermPhoneReadWriteAll + " or " + PermReadWriteAll}, "older"},
		{"update with a read role", func() error { return reader.UpdatePhoneMethod(testCtx(t), upn, OfficeMethodID, number2) },
			[]string{PermPhoneReadWriteAll + " or " + PermReadWriteAll}, "older"},
		{"enable, phone role, older pages' rule", func() error { return phone.EnableSmsSignIn(testCtx(t), upn) },
			[]string{PermPhoneReadWriteAll + " or " + PermReadWriteAll, "older reference pages list only " + PermReadWriteAll}, ""},
		{"disable, phone role, older pages' rule", func() error { return phone.DisableSmsSignIn(testCtx(t), upn) },
			[]string{"permission " + PermReadWriteAll + " (older"}, ""},
		{"delete with the phone role", func() error { return phone.DeletePhoneMethod(testCtx(t), upn, OfficeMethodID) },
			[]string{"permission " + PermReadWriteAll + " (the reference pages list only it"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if ge := asError(t, err); ge.StatusCode != 403 {
				t.Fatalf("got %v; want a 403", err)
			}
			for what, text := range map[string]string{"Error()": err.Error(), "Describe": Describe(err)} {
				for _, w := range append(tt.want, "403", "admin consent") {
					if !strings.Contains(text, w) {
						t.Errorf("%s = %q; want it to contain %q", what, text, w)
					}
				}
				if tt.wantNot != "" && strings.Contains(text, tt.wantNot) {
					t.Errorf("%s = %q; want no %q", what, text, tt.wantNot)
				}
			}
		})
	}
}

// TestForbiddenHintOnlyOn403: other answers do not name a permission, even
// when the operation's is known.
func TestForbiddenHintOnlyOn403(t *testing.T) {
	for _, status := range []int{400, 401, 404, 409, 429, 503} {
		e := &Error{StatusCode: status, Code: "c", Message: "m", Needs: needsWrite}
		if strings.Contains(e.Error(), "permission") || strings.Contains(Describe(e), "permission") {
			t.Errorf("%d: got %q / %q; want no permission named", status, e.Error(), Describe(e))
		}
	}
}

// TestNotImplementedIsNotTransient: a 501 (what a retired operation may
// answer) is not retried: the service says it does not do this.
func TestNotImplementedIsNotTransient(t *testing.T) {
	e := &Error{StatusCode: 501}
	if IsTransient(e) || MayHaveWritten(e) {
		t.Errorf("501: IsTransient %v, MayHaveWritten %v; want both false", IsTransient(e), MayHaveWritten(e))
	}
}
