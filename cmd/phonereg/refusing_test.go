package main

import (
	"bytes"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// refusingTenant is a graphsim Emulator behind a TLS server of the test's
// own, with a handler in front that gives the extension of each office
// number a create sends 9 digits more: a Graph stricter than phonereg knows.
// Graph documents no limit for an extension; graphsim, like Graph, refuses
// one it finds too long and quotes the number in its message. phonereg
// itself never sends such a number (the input reader makes its row invalid),
// so a Graph refusal that quotes a number needs this.
func refusingTenant(t *testing.T, opts graphsim.Options) *simTenant {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	opts.URL = "https://" + ts.Listener.Addr().String()
	em, err := graphsim.New(opts)
	if err != nil {
		ts.Close()
		t.Fatal(err)
	}
	ts.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/phoneMethods") {
			body, _ := io.ReadAll(r.Body)
			if bytes.Contains(body, []byte(`"office"`)) {
				body = bytes.Replace(body, []byte(`","phoneType"`), []byte(`567890123","phoneType"`), 1)
			}
			r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
		}
		em.ServeHTTP(w, r)
	})
	ts.StartTLS()
	t.Cleanup(ts.Close)
	roots := x509.NewCertPool()
	roots.AddCert(ts.Certificate())
	return &simTenant{roots: roots, env: map[string]string{
		"PHONEREG_GRAPH_URL":      em.GraphURL(),
		"PHONEREG_AUTHORITY_HOST": em.AuthorityHost(),
		"AZURE_TENANT_ID":         em.TenantID(),
		"AZURE_CLIENT_ID":         em.ClientID(),
		"AZURE_CLIENT_SECRET":     em.ClientSecret(),
	}}
}
