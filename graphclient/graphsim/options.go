package graphsim

// Options and User: what New and NewServer start an emulator with.

import (
	"crypto/x509"
	"time"
)

// Options configure an Emulator (New) or a Server (NewServer). For NewServer
// the zero value is usable: a fresh tenant with one application whose token
// carries UserAuthenticationMethod.ReadWrite.All, no users and no faults; New
// needs URL besides.
type Options struct {
	// URL is the root at which clients reach an Emulator made by New, like
	// "https://127.0.0.1:8443": the tokens' audience and issuer, the OpenID
	// configuration and OData contexts are built on it. NewServer ignores it
	// and uses its own address.
	URL string
	// Addr is the address NewServer listens on; default "127.0.0.1:0". NewServer
	// does not check that it is a loopback address: the caller (phonereg sim)
	// does. New ignores it.
	Addr string
	// ExtraHosts are DNS names or IP addresses added to NewServer's certificate,
	// for a server reached under another name than 127.0.0.1 / localhost. New
	// ignores them.
	ExtraHosts []string

	// TenantID, ClientID and ClientSecret of the one application registered at
	// start; generated when empty.
	TenantID     string
	ClientID     string
	ClientSecret string
	// Roles are the application permissions in the application's tokens' roles
	// claim. nil means [UserAuthenticationMethod.ReadWrite.All]; an empty non-nil
	// slice means a token with no roles claim (no grant).
	Roles []string
	// ClientCertificates are accepted, besides the secret, for the application's
	// client assertions (ClientCertificateCredential).
	ClientCertificates []*x509.Certificate
	// TokenLifetime of issued access tokens; default one hour.
	TokenLifetime time.Duration

	// AutoCreateUsers creates a user on first use of an unknown id or UPN, with
	// no phones, the SMS sign-in policy allowing it and automatic registration on.
	// Without it an unknown user is 404 Request_ResourceNotFound.
	AutoCreateUsers bool
	// Users are created at start.
	Users []User

	// Knobs set the emulator's behaviour; they can be changed later with SetKnobs.
	Knobs Knobs
}

// User seeds a user of the emulated tenant.
type User struct {
	// ID is the object id; generated when empty.
	ID string
	// UserPrincipalName, matched case-insensitively. May be empty.
	UserPrincipalName string
	// Phones already registered, by phone type ("mobile", "alternateMobile",
	// "office"), in Graph's format ("+1 2065550100"). A seeded mobile whose user's
	// policy allows SMS sign-in and registers automatically is ready for SMS
	// sign-in when its number is unique.
	Phones map[string]string
	// SmsSignInDisallowed puts the user outside the SMS sign-in policy.
	SmsSignInDisallowed bool
	// NoAutoRegister turns off Graph's automatic SMS sign-in registration when a
	// mobile is added or changed for this user.
	NoAutoRegister bool
	// DefaultMethod is the phone type ("mobile", "alternateMobile", "office")
	// that is the user's default MFA method, or "" for none. Graph refuses to
	// delete the default method (400); the preference holds whether or not
	// the user has a phone of that type yet, so a phone added later is the
	// default from the start.
	DefaultMethod string
}
