package graphsim

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/google/uuid"
)

// TestManagedIdentityCredential uses the App Service source: azidentity sends
// the request through ClientOptions.Transport, so an https endpoint on the
// emulator works. Each case has its own server because MSAL caches managed
// identity tokens process-wide, keyed by identity and resource.
func TestManagedIdentityCredential(t *testing.T) {
	tests := []struct {
		name       string
		id         func(s *Server, other Application) azidentity.ManagedIDKind
		header     string // overrides IDENTITY_HEADER
		want       string
		wantClient func(s *Server, other Application) string
	}{
		{name: "system-assigned", wantClient: func(s *Server, _ Application) string { return s.ClientID() }},
		{name: "user-assigned by client id",
			id:         func(_ *Server, o Application) azidentity.ManagedIDKind { return azidentity.ClientID(o.ClientID) },
			wantClient: func(_ *Server, o Application) string { return o.ClientID }},
		{name: "user-assigned by object id",
			id: func(s *Server, o Application) azidentity.ManagedIDKind {
				a, _ := s.tokens.app(o.ClientID)
				return azidentity.ObjectID(a.objectID)
			},
			wantClient: func(_ *Server, o Application) string { return o.ClientID }},
		{name: "unknown identity", id: func(*Server, Application) azidentity.ManagedIDKind { return azidentity.ClientID(uuid.NewString()) }, want: "No Managed Identity found"},
		{name: "wrong header", header: "guess", want: "401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, Options{})
			other := Application{ClientID: uuid.NewString(), Roles: []string{RoleReadAll}}
			if err := s.AddApplication(other); err != nil {
				t.Fatal(err)
			}
			endpoint, header, err := s.ManagedIdentityEnv()
			if err != nil {
				t.Fatal(err)
			}
			if tt.header != "" {
				header = tt.header
			}
			t.Setenv("IDENTITY_ENDPOINT", endpoint)
			t.Setenv("IDENTITY_HEADER", header)
			for _, v := range []string{"IDENTITY_SERVER_THUMBPRINT", "MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT"} {
				t.Setenv(v, "")
			}
			opts := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: azOptions(s)}
			if tt.id != nil {
				opts.ID = tt.id(s, other)
			}
			cred, err := azidentity.NewManagedIdentityCredential(opts)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := getToken(t, cred, s)
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("GetToken error = %v; want one mentioning %q", err, tt.want)
				}
				if strings.Contains(err.Error(), s.tokens.miHeader) {
					t.Errorf("error %q reveals IDENTITY_HEADER", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("GetToken: %v", err)
			}
			c := tokenClaims(t, s, tok.Token)
			if want := tt.wantClient(s, other); c["appid"] != want || c["aud"] != s.URL {
				t.Errorf("appid = %v, aud = %v; want %s, %s", c["appid"], c["aud"], want, s.URL)
			}
			if d := time.Until(tok.ExpiresOn) - time.Hour; d < -5*time.Second || d > 5*time.Second {
				t.Errorf("ExpiresOn = %v; want about an hour from now", tok.ExpiresOn)
			}
			if got := s.Count(RouteManagedID, http.StatusOK); got != 1 {
				t.Errorf("Count(managed-identity, 200) = %d; want 1", got)
			}
		})
	}
}
