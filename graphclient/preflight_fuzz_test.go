package graphclient

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// FuzzGrantOf: no token makes reading its roles panic; a token whose payload
// is claims JSON gives back its roles and scopes as they are.
func FuzzGrantOf(f *testing.F) {
	f.Add("a.b.c", `{"roles":["UserAuthenticationMethod.ReadWrite.All"],"exp":1}`)
	f.Add("", `{"scp":"User.Read UserAuthMethod-Phone.ReadWrite"}`)
	f.Add("x", `{"roles":"A"}`)
	f.Add("..", `null`)
	f.Fuzz(func(t *testing.T, token, claims string) {
		grantOf(token) // any text: an error or a grant, never a panic
		var want struct {
			Roles []string `json:"roles"`
			Scp   string   `json:"scp"`
		}
		if json.Unmarshal([]byte(claims), &want) != nil {
			return
		}
		enc := base64.RawURLEncoding.EncodeToString
		g, err := grantOf(enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(claims)) + ".sig")
		if err != nil {
			t.Fatalf("grantOf(%q): %v", claims, err)
		}
		if !slices.Equal(g.Roles, want.Roles) || !slices.Equal(g.Scopes, strings.Fields(want.Scp)) {
			t.Fatalf("grantOf(%q): got %+v; want roles %q, scopes %q", claims, g, want.Roles, want.Scp)
		}
	})
}
