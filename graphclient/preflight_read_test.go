package graphclient

import (
	"errors"
	"strings"
	"testing"

	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// TestCheckReadPermissions: any of the four permissions that read phone
// methods is enough for a job that only reads; without one, a
// *ReadPermissionError (a *PermissionError too) names the read permissions.
func TestCheckReadPermissions(t *testing.T) {
	tests := []struct {
		name    string
		roles   []string
		missing bool
	}{
		{"ReadWrite.All", nil, false},
		{"phone ReadWrite.All", []string{PermPhoneReadWriteAll}, false},
		{"Read.All", []string{graphsim.RoleReadAll}, false},
		{"phone Read.All", []string{graphsim.RolePhoneReadAll}, false},
		{"no roles", []string{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startSim(t, graphsim.Options{Roles: tt.roles})
			g, err := simClient(t, s).CheckReadPermissions(testCtx(t))
			if !tt.missing {
				if err != nil {
					t.Fatalf("got %v (grant %+v); want the grant taken", err, g)
				}
				return
			}
			var re *ReadPermissionError
			var pe *PermissionError
			if !errors.As(err, &re) || !errors.As(err, &pe) {
				t.Fatalf("got %v (%T); want a *ReadPermissionError that is a *PermissionError", err, err)
			}
			for _, w := range []string{PermReadAll, PermPhoneReadAll, "admin consent", "the token has: none"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Error() = %q; want it to name %q", err, w)
				}
			}
		})
	}
}
