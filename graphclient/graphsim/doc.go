// Package graphsim is an in-memory emulator of the Microsoft Graph endpoints that
// phonereg uses (users' phone authentication methods, enableSmsSignIn and
// disableSmsSignIn) and of the Microsoft Entra token service in front of them.
// Tests of graphclient, pipeline and cmd/phonereg run against it, and so do
// `phonereg sim` and `phonereg run --sim`.
//
// Like net/http/httptest, it separates the handler from the listener:
//
//   - Emulator (New) is an http.Handler that holds all of the emulated state: the
//     tenant's users and phone methods, the registered applications, the knobs
//     and the request log, with the methods that seed, change and read them
//     (AddUser, SetKnobs, AddApplication, IssueToken, Methods, Requests, Count,
//     ...). It has no listener and no certificate; it only needs the URL its
//     clients reach it under, since the tokens it issues name it.
//   - Server (NewServer) wraps an Emulator in a TLS server (HTTP/2 and HTTP/1.1)
//     on a loopback address with a certificate authority it generates, and gives
//     clients what they need to reach it (URL, CertPool, CACertPEM, Client,
//     Transport) and its lifetime (Close, Shutdown). It embeds its Emulator, so
//     the state methods are the Server's too. Most callers want a Server.
//
// The emulator follows ../shared/GRAPH.md, the description of how the real service
// behaves: number format, one phone per type, alternateMobile needs a mobile,
// read-only smsSignInState, SMS sign-in rules, a default MFA method that cannot
// be deleted (User.DefaultMethod, SetDefaultMethod), fixed method ids, Graph's error
// body, request-id and client-request-id headers, and permissions by token role.
// Where the real service is documented to vary (201 or 200 on create, how a
// refused enableSmsSignIn says why, the 409-yet-created quirk), Knobs select the
// variant, so clients can be tested against each one. Knobs also add latency,
// throttling (token bucket with Retry-After) and faults (503, connection resets,
// ambiguous writes that are applied but whose response is lost), and can be
// changed while the emulator runs, also from another process through the
// control endpoints (AdminHeader).
//
// The token service is enough for azidentity's ClientSecretCredential,
// ClientCertificateCredential, ClientAssertionCredential / WorkloadIdentityCredential
// and an App Service-style ManagedIdentityCredential to work against it with
// DisableInstanceDiscovery.
//
// What does not live here: a Graph client (graphclient is the one under test),
// phonereg's input rows and result file (pipeline; the users file that seeds an
// emulator is read here, by ReadUsers), and flags or process setup
// (cmd/phonereg, which also decides whether a non-loopback address is allowed).
// Nothing is persisted: the state ends with the Emulator. graphsim imports no
// other phonereg package: it is built from GRAPH.md alone, so that it can keep
// the client honest.
package graphsim
