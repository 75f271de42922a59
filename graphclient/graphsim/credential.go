package graphsim

import (
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// ClientSecretCredential is azidentity's own client-secret credential for the
// emulator's application clientID: it gets its tokens from the emulator's
// token endpoint through hc, which must trust the emulator's certificate. It
// is how tests authenticate as a real client would, and it never asks any
// other address (no instance discovery).
func (e *Emulator) ClientSecretCredential(clientID, secret string, hc *http.Client) (*azidentity.ClientSecretCredential, error) {
	return azidentity.NewClientSecretCredential(e.TenantID(), clientID, secret, &azidentity.ClientSecretCredentialOptions{
		ClientOptions: azcore.ClientOptions{
			Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: e.AuthorityHost()},
			Transport: hc,
		},
		DisableInstanceDiscovery: true,
	})
}

// Credential is ClientSecretCredential through s.Client(), which trusts the
// server's certificate.
func (s *Server) Credential(clientID, secret string) (*azidentity.ClientSecretCredential, error) {
	return s.ClientSecretCredential(clientID, secret, s.Client())
}
