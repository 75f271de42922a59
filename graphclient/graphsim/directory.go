package graphsim

// The emulated tenant's directory: users, their phone methods by type with
// Graph's fixed method ids, and the SMS sign-in registry in which a number
// belongs to one user only. The Graph handlers (graph_methods.go) and the
// Emulator's state methods below both go through its lock.

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"

	"github.com/google/uuid"
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

// PhoneMethod is a phoneAuthenticationMethod as the emulator holds it.
type PhoneMethod struct {
	ID             string `json:"id"`
	PhoneNumber    string `json:"phoneNumber"`
	PhoneType      string `json:"phoneType"`
	SmsSignInState string `json:"smsSignInState"`
}

// phoneTypes in the order Graph lists them.
var phoneTypes = []string{TypeMobile, TypeAlternateMobile, TypeOffice}

var methodIDs = map[string]string{
	TypeMobile:          MobileMethodID,
	TypeAlternateMobile: AlternateMobileMethodID,
	TypeOffice:          OfficeMethodID,
}

func typeOfMethodID(id string) (string, bool) {
	for t, mid := range methodIDs {
		if strings.EqualFold(id, mid) {
			return t, true
		}
	}
	return "", false
}

// graphNumber is Graph's phone number format: "+{country code} {subscriber}"
// with an optional "x{extension}".
var graphNumber = regexp.MustCompile(`^\+[1-9][0-9]{0,2} [0-9]{4,15}(x[0-9]{1,10})?$`)

// user is a user of the emulated tenant. Guarded by directory.mu.
type user struct {
	id            string
	upn           string
	phones        map[string]string // type → number
	smsEnabled    bool              // the mobile is registered for SMS sign-in
	smsNotUnique  bool              // the last registration attempt collided
	smsDisallowed bool
	noAutoReg     bool
	defaultMethod string // the phone type that is the default MFA method; "" none
}

// directory is the emulated tenant's users and the SMS sign-in system.
type directory struct {
	mu         sync.Mutex
	autoCreate bool
	byID       map[string]*user // lower-case id
	byUPN      map[string]*user // lower-case UPN
	// signIn maps a number registered for SMS sign-in to its user's id: a number
	// can be the sign-in name of one user only.
	signIn map[string]string
}

func newDirectory(autoCreate bool) *directory {
	return &directory{
		autoCreate: autoCreate,
		byID:       map[string]*user{},
		byUPN:      map[string]*user{},
		signIn:     map[string]string{},
	}
}

// AddUser creates a user from a seed and returns its object id. Seeded phones
// must be in Graph's format, and an alternateMobile needs a mobile.
func (em *Emulator) AddUser(u User) (string, error) {
	d := em.dir
	d.mu.Lock()
	defer d.mu.Unlock()
	if u.ID == "" {
		u.ID = uuid.NewString()
	}
	// Ids and UPNs share one namespace in paths: neither may shadow the other.
	if d.lookupLocked(u.ID) != nil {
		return "", fmt.Errorf("graphsim: user id %q already names a user", u.ID)
	}
	if u.UserPrincipalName != "" && d.lookupLocked(u.UserPrincipalName) != nil {
		return "", fmt.Errorf("graphsim: userPrincipalName %q already names a user", u.UserPrincipalName)
	}
	if err := checkDefaultMethod(u.DefaultMethod); err != nil {
		return "", fmt.Errorf("graphsim: user %s: %w", u.UserPrincipalName, err)
	}
	nu := &user{id: u.ID, upn: u.UserPrincipalName, phones: map[string]string{}, smsDisallowed: u.SmsSignInDisallowed, noAutoReg: u.NoAutoRegister, defaultMethod: u.DefaultMethod}
	for t, n := range u.Phones {
		if _, ok := methodIDs[t]; !ok {
			return "", fmt.Errorf("graphsim: user %s: unknown phone type %q", u.UserPrincipalName, t)
		}
		if n == "" {
			continue
		}
		if !graphNumber.MatchString(n) {
			return "", fmt.Errorf("graphsim: user %s: %s number %q is not in Graph's format (+CC NUMBER[xEXT])", u.UserPrincipalName, t, n)
		}
		nu.phones[t] = n
	}
	if nu.phones[TypeAlternateMobile] != "" && nu.phones[TypeMobile] == "" {
		return "", fmt.Errorf("graphsim: user %s: an alternateMobile needs a mobile", u.UserPrincipalName)
	}
	d.add(nu)
	if nu.phones[TypeMobile] != "" {
		d.autoRegister(nu)
	}
	return u.ID, nil
}

// lookupLocked finds a user by id or UPN without creating one. Callers hold
// d.mu.
func (d *directory) lookupLocked(key string) *user {
	k := strings.ToLower(key)
	if u, ok := d.byID[k]; ok {
		return u
	}
	return d.byUPN[k]
}

func (d *directory) add(u *user) {
	d.byID[strings.ToLower(u.id)] = u
	if u.upn != "" {
		d.byUPN[strings.ToLower(u.upn)] = u
	}
}

// find returns the user with id or UPN key, creating it when the directory
// auto-creates users. Callers hold d.mu.
func (d *directory) find(key string) (*user, *apiError) {
	if u := d.lookupLocked(key); u != nil {
		return u, nil
	}
	if d.autoCreate && key != "" {
		u := &user{phones: map[string]string{}}
		if strings.Contains(key, "@") {
			u.id, u.upn = uuid.NewString(), key
		} else {
			u.id = key
		}
		d.add(u)
		return u, nil
	}
	return nil, newAPIError(http.StatusNotFound, "Request_ResourceNotFound",
		fmt.Sprintf("Resource '%s' does not exist or one of its queried reference-property objects are not present.", key))
}

// state is the smsSignInState of the user's method of type t.
func (u *user) state(t string) string {
	if t != TypeMobile {
		return StateNotSupported
	}
	switch {
	case u.smsDisallowed:
		return StateNotAllowedByPolicy
	case u.smsEnabled:
		return StateReady
	case u.smsNotUnique:
		return StatePhoneNumberNotUnique
	default:
		return StateNotEnabled
	}
}

func (u *user) method(t string) PhoneMethod {
	return PhoneMethod{ID: methodIDs[t], PhoneNumber: u.phones[t], PhoneType: t, SmsSignInState: u.state(t)}
}

func (u *user) methods() []PhoneMethod {
	var ms []PhoneMethod
	for _, t := range phoneTypes {
		if u.phones[t] != "" {
			ms = append(ms, u.method(t))
		}
	}
	return ms
}

// signInKey is the number as the SMS sign-in system compares it: the
// extension does not take part in SMS.
func signInKey(number string) string {
	if i := strings.IndexByte(number, 'x'); i >= 0 {
		number = number[:i]
	}
	return strings.ReplaceAll(number, " ", "")
}

// register tries to make u's mobile its SMS sign-in number. It reports false,
// and marks the state phoneNumberNotUnique, when another user has the number.
// Callers hold d.mu and have checked the policy.
func (d *directory) register(u *user) bool {
	key := signInKey(u.phones[TypeMobile])
	if owner, ok := d.signIn[key]; ok && owner != u.id {
		u.smsEnabled, u.smsNotUnique = false, true
		return false
	}
	d.signIn[key] = u.id
	u.smsEnabled, u.smsNotUnique = true, false
	return true
}

// unregister takes u's mobile out of the SMS sign-in system.
func (d *directory) unregister(u *user) {
	if u.smsEnabled {
		key := signInKey(u.phones[TypeMobile])
		if d.signIn[key] == u.id {
			delete(d.signIn, key)
		}
	}
	u.smsEnabled, u.smsNotUnique = false, false
}

// autoRegister is Graph's attempt to register a new or changed mobile for SMS
// sign-in when the policy enables the user. It reports a collision with another
// user's number.
func (d *directory) autoRegister(u *user) (collided bool) {
	if u.smsDisallowed || u.noAutoReg {
		return false
	}
	return !d.register(u)
}

// Methods returns the phone methods of the user with id or UPN key, in Graph's
// order, and whether the user exists. It never auto-creates.
func (em *Emulator) Methods(key string) ([]PhoneMethod, bool) {
	d := em.dir
	d.mu.Lock()
	defer d.mu.Unlock()
	u := d.lookupLocked(key)
	if u == nil {
		return nil, false
	}
	return u.methods(), true
}

// UserInfo describes a user for tests and the admin endpoint.
type UserInfo struct {
	ID                  string        `json:"id"`
	UserPrincipalName   string        `json:"userPrincipalName,omitempty"`
	SmsSignInDisallowed bool          `json:"smsSignInDisallowed,omitempty"`
	NoAutoRegister      bool          `json:"noAutoRegister,omitempty"`
	DefaultMethod       string        `json:"defaultMethod,omitempty"`
	Methods             []PhoneMethod `json:"methods"`
}

// Users returns every user, in no particular order.
func (em *Emulator) Users() []UserInfo {
	d := em.dir
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]UserInfo, 0, len(d.byID))
	for _, u := range d.byID {
		out = append(out, UserInfo{ID: u.id, UserPrincipalName: u.upn, SmsSignInDisallowed: u.smsDisallowed, NoAutoRegister: u.noAutoReg, DefaultMethod: u.defaultMethod, Methods: u.methods()})
	}
	return out
}

// SetSmsSignInPolicy puts the user in (allowed) or out of the SMS sign-in
// policy. Taking a user out unregisters its number. It never auto-creates.
func (em *Emulator) SetSmsSignInPolicy(key string, allowed bool) error {
	d := em.dir
	d.mu.Lock()
	defer d.mu.Unlock()
	u := d.lookupLocked(key)
	if u == nil {
		return fmt.Errorf("graphsim: no user %q", key)
	}
	u.smsDisallowed = !allowed
	if !allowed {
		d.unregister(u)
	}
	return nil
}

// SetDefaultMethod makes the user's phone of type phoneType ("mobile",
// "alternateMobile", "office") its default MFA method, which Graph refuses to
// delete; "" clears it. It never auto-creates.
func (em *Emulator) SetDefaultMethod(key, phoneType string) error {
	if err := checkDefaultMethod(phoneType); err != nil {
		return fmt.Errorf("graphsim: %w", err)
	}
	d := em.dir
	d.mu.Lock()
	defer d.mu.Unlock()
	u := d.lookupLocked(key)
	if u == nil {
		return fmt.Errorf("graphsim: no user %q", key)
	}
	u.defaultMethod = phoneType
	return nil
}

// checkDefaultMethod checks a default method: a phone type, or "" for none.
func checkDefaultMethod(t string) error {
	if _, ok := methodIDs[t]; ok || t == "" {
		return nil
	}
	return fmt.Errorf("default method %q: want mobile, alternateMobile or office", t)
}
