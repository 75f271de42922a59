// Package graphclient is phonereg's typed client for the Microsoft Graph phone
// authentication method endpoints, and the only code in phonereg that knows
// HTTP.
//
// A Client is built on azcore's runtime pipeline: bearer tokens from an
// azidentity credential (refreshed before they expire, and once more on a 401
// challenge), azcore's retry policy with Retry-After, and a User-Agent naming
// phonereg. Small policies of its own add what azcore lacks: the flow
// controller in front of every try, shared by every goroutine (flow.go: pacing
// under a --rate ceiling, a gate held through Retry-After, the pace adapted to
// what Graph accepts, 429s waited out without using up attempts), fractional
// Retry-After values (policy_retryafter.go), a fresh client-request-id per try
// and one log line per try: debug, or a warning for a try that is retried
// (policy_log.go).
//
// Every non-2xx answer becomes a *Error that works with errors.Is and the
// sentinels ErrNotFound, ErrThrottled, ErrConflict, ErrUnauthorized,
// ErrForbidden, ErrBadRequest and ErrUnavailable. A transport failure is a
// *TransportError matching ErrTransport; on a write it also matches
// ErrAmbiguous, because the write may have been applied: such a write is not
// retried, and callers must read the state back before deciding. A failure to
// get a token is an *AuthError. What an answer means is said here too, so that
// callers ask rather than unpack: Describe and StatusOf for messages,
// RequestIDOf, MayHaveWritten (a failed create that may have been applied),
// SmsRefusal (why SMS sign-in was refused, from the error's code). A 403
// names the permission its operation needs (Error.Needs, permission.go).
//
// Graph's error messages quote the number a request carried; the client
// masks phone numbers in them (and in transport failures, and in its log
// lines) before they reach an *Error, unless Config.ShowPII: so does
// everything printed from one. MaskPhone and MaskPhones are the masking,
// which pipeline uses for the numbers it writes itself.
//
// Credentials (NewCredential), clouds (LookupCloud, ResolveEndpoints; which
// offer SMS sign-in, and what its retirement on 1 February 2027 means:
// sms_retirement.go) and the permission preflight (CheckPermissions) live
// here too. What to do with a row
// of input does not: that is package pipeline's.
package graphclient
