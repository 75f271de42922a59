package graphsim

import (
	"crypto/x509"
	"time"
)

// Phone types, as Graph spells them.
const (
	TypeMobile          = "mobile"
	TypeAlternateMobile = "alternateMobile"
	TypeOffice          = "office"
)

// The fixed method id of each phone type, the same in every tenant.
const (
	MobileMethodID          = "3179e48a-750b-4051-897c-87b9720928f7"
	AlternateMobileMethodID = "b6332ec1-7057-4abe-9331-3d72feddfe41"
	OfficeMethodID          = "e37fc753-ff3b-4958-9484-eaa9425c82bc"
)

// SMS sign-in states (smsSignInState), as Graph spells them.
const (
	StateNotSupported         = "notSupported"
	StateNotAllowedByPolicy   = "notAllowedByPolicy"
	StateNotEnabled           = "notEnabled"
	StatePhoneNumberNotUnique = "phoneNumberNotUnique"
	StateReady                = "ready"
	StateNotConfigured        = "notConfigured"
	StateUnknownFutureValue   = "unknownFutureValue"
)

const (
	roleReadWriteAll      = "UserAuthenticationMethod.ReadWrite.All"
	rolePhoneReadWriteAll = "UserAuthMethod-Phone.ReadWrite.All"
	roleReadAll           = "UserAuthenticationMethod.Read.All"
	rolePhoneReadAll      = "UserAuthMethod-Phone.Read.All"
	defaultTokenLifetime  = time.Hour
	maxRequestBody        = 64 << 10
)

// The application permissions the emulator knows, for Options.Roles.
const (
	RoleReadWriteAll      = roleReadWriteAll
	RolePhoneReadWriteAll = rolePhoneReadWriteAll
	RoleReadAll           = roleReadAll
	RolePhoneReadAll      = rolePhoneReadAll
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
}

// ThrottleScope says which requests the throttle counts.
type ThrottleScope string

// Throttle scopes.
const (
	ThrottleWrites ThrottleScope = "writes"
	ThrottleAll    ThrottleScope = "all"
)

// SmsRefusalStyle says how a refused enableSmsSignIn tells why, since Graph does
// not document it (GRAPH.md).
type SmsRefusalStyle string

// Refusal styles.
const (
	// RefusalStateAndCode: the method's smsSignInState shows the reason and the
	// error's code names it too.
	RefusalStateAndCode SmsRefusalStyle = "state-and-code"
	// RefusalStateOnly: the state shows it; the error is a plain badRequest.
	RefusalStateOnly SmsRefusalStyle = "state"
	// RefusalCodeOnly: the error code names it; the state stays notEnabled.
	RefusalCodeOnly SmsRefusalStyle = "code"
	// RefusalSilent: neither; a plain badRequest and the state stays notEnabled.
	RefusalSilent SmsRefusalStyle = "silent"
)

// Knobs are the emulator's behaviour settings. The zero value is a well-behaved
// service: no throttling, no latency, no faults, documented status codes.
type Knobs struct {
	// ThrottleRate is the token bucket's refill, requests per second; 0 turns
	// throttling off.
	ThrottleRate float64 `json:"throttleRate"`
	// ThrottleBurst is the bucket's size; default max(1, ThrottleRate).
	ThrottleBurst int `json:"throttleBurst"`
	// ThrottleScope: writes (default) or all requests.
	ThrottleScope ThrottleScope `json:"throttleScope"`
	// FractionalRetryAfter sends Retry-After with milliseconds ("2.128") instead
	// of whole seconds rounded up.
	FractionalRetryAfter bool `json:"fractionalRetryAfter"`
	// OmitRetryAfter sends 429s without Retry-After.
	OmitRetryAfter bool `json:"omitRetryAfter"`

	// Latency is added to every Graph request: LatencyBase plus an exponentially
	// distributed extra with mean LatencyJitter, capped at LatencyBase +
	// 10*LatencyJitter.
	LatencyBase   time.Duration `json:"latencyBase"`
	LatencyJitter time.Duration `json:"latencyJitter"`
	// ThrottleAfterLatency adds the latency before the throttle decides, as
	// if all of it were the network's: requests reach the bucket reordered
	// and bunched by the jitter. By default the throttle decides on arrival
	// (a 429 comes back at once) and the latency is the processing of an
	// accepted request, as at Graph's gateway.
	ThrottleAfterLatency bool `json:"throttleAfterLatency"`

	// Fault rates, each a probability in [0,1] for every Graph request (token
	// requests are never faulted).
	// Fault503 answers 503 serviceNotAvailable (with Retry-After: 1 half the time).
	Fault503 float64 `json:"fault503"`
	// FaultReset drops the connection before the request is handled.
	FaultReset float64 `json:"faultReset"`
	// FaultAmbiguous applies a write, then drops the connection before the
	// response: the client cannot know whether it happened.
	FaultAmbiguous float64 `json:"faultAmbiguous"`

	// Create200 answers a successful create with 200 instead of 201.
	Create200 bool `json:"create200"`
	// Legacy200 answers update and enableSmsSignIn with 200 (older beta pages)
	// instead of 204.
	Legacy200 bool `json:"legacy200"`
	// NotUniqueConflict: a mobile create or update whose automatic SMS sign-in
	// registration collides with another user's number answers 409
	// phoneNumberNotUnique, while the method is created anyway.
	NotUniqueConflict bool `json:"notUniqueConflict"`
	// DuplicateTypeConflict answers a create of a phone type the user already
	// has with 409 instead of 400 (Graph does not document which).
	DuplicateTypeConflict bool `json:"duplicateTypeConflict"`
	// SmsRefusal is how a refused enableSmsSignIn says why; default
	// RefusalStateAndCode.
	SmsRefusal SmsRefusalStyle `json:"smsRefusal"`
	// PhoneRoleCanManageSms lets UserAuthMethod-Phone.ReadWrite.All enable and
	// disable SMS sign-in and delete, as one Graph page lists it; by default only
	// UserAuthenticationMethod.ReadWrite.All can (GRAPH.md).
	PhoneRoleCanManageSms bool `json:"phoneRoleCanManageSms"`

	// Seed seeds the fault and latency randomness; 0 uses a random seed.
	Seed int64 `json:"seed"`
}
