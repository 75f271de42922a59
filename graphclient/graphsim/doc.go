// Package graphsim is an in-memory emulator of the Microsoft Graph endpoints that
// phonereg uses (users' phone authentication methods, enableSmsSignIn and
// disableSmsSignIn) and of the Microsoft Entra token service in front of them.
//
// It is shaped like net/http/httptest: NewServer starts a TLS server (HTTP/2 and
// HTTP/1.1) on a loopback address with a certificate authority it generates, and
// the Server exposes everything a client needs to reach it (GraphURL,
// AuthorityHost, TenantID, ClientID, ClientSecret, CertPool, Client) plus read
// access to its state (Methods, Requests, Count) for tests.
//
// The emulator follows ../shared/GRAPH.md, the description of how the real service
// behaves: number format, one phone per type, alternateMobile needs a mobile,
// read-only smsSignInState, SMS sign-in rules, fixed method ids, Graph's error
// body, request-id and client-request-id headers, and permissions by token role.
// Where the real service is documented to vary (201 or 200 on create, how a
// refused enableSmsSignIn says why, the 409-yet-created quirk), Knobs select the
// variant, so clients can be tested against each one. Knobs also add latency,
// throttling (token bucket with Retry-After) and faults (503, connection resets,
// ambiguous writes that are applied but whose response is lost), and can be
// changed while the server runs.
//
// The token service is enough for azidentity's ClientSecretCredential,
// ClientCertificateCredential, ClientAssertionCredential / WorkloadIdentityCredential
// and an App Service-style ManagedIdentityCredential to work against it with
// DisableInstanceDiscovery.
//
// graphsim imports no other phonereg package: it is built from GRAPH.md alone, so
// that it can keep the client honest.
package graphsim
