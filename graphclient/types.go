package graphclient

// PhoneType is a phone method's phoneType. Values Graph adds later are kept as
// they come.
type PhoneType string

// Phone types.
const (
	Mobile          PhoneType = "mobile"
	AlternateMobile PhoneType = "alternateMobile"
	Office          PhoneType = "office"
)

// PhoneTypes are the known phone types, in the order phonereg adds them.
var PhoneTypes = []PhoneType{Mobile, AlternateMobile, Office}

// MethodID is the fixed id of the phone method of type t, the same in every
// tenant, or "" for an unknown type.
func (t PhoneType) MethodID() string {
	switch t {
	case Mobile:
		return MobileMethodID
	case AlternateMobile:
		return AlternateMobileMethodID
	case Office:
		return OfficeMethodID
	}
	return ""
}

// The fixed method ids.
const (
	MobileMethodID          = "3179e48a-750b-4051-897c-87b9720928f7"
	AlternateMobileMethodID = "b6332ec1-7057-4abe-9331-3d72feddfe41"
	OfficeMethodID          = "e37fc753-ff3b-4958-9484-eaa9425c82bc"
)

// SmsSignInState is a phone method's smsSignInState. Unknown values are kept.
type SmsSignInState string

// SMS sign-in states.
const (
	SmsNotSupported         SmsSignInState = "notSupported"
	SmsNotAllowedByPolicy   SmsSignInState = "notAllowedByPolicy"
	SmsNotEnabled           SmsSignInState = "notEnabled"
	SmsPhoneNumberNotUnique SmsSignInState = "phoneNumberNotUnique"
	SmsReady                SmsSignInState = "ready"
	SmsNotConfigured        SmsSignInState = "notConfigured"
	SmsUnknownFutureValue   SmsSignInState = "unknownFutureValue"
)

// PhoneMethod is a phoneAuthenticationMethod.
type PhoneMethod struct {
	ID             string         `json:"id,omitempty"`
	PhoneNumber    string         `json:"phoneNumber"`
	PhoneType      PhoneType      `json:"phoneType"`
	SmsSignInState SmsSignInState `json:"smsSignInState,omitempty"`
}

// Find returns the method of type t in ms.
func Find(ms []PhoneMethod, t PhoneType) (PhoneMethod, bool) {
	for _, m := range ms {
		if m.PhoneType == t {
			return m, true
		}
	}
	return PhoneMethod{}, false
}
