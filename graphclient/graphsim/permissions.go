package graphsim

// Graph's application permissions (roles) and which operations each allows,
// as GRAPH.md's permission table has them. The token service puts the roles in
// access tokens; the Graph handlers check them here.

import "slices"

const (
	roleReadWriteAll      = "UserAuthenticationMethod.ReadWrite.All"
	rolePhoneReadWriteAll = "UserAuthMethod-Phone.ReadWrite.All"
	roleReadAll           = "UserAuthenticationMethod.Read.All"
	rolePhoneReadAll      = "UserAuthMethod-Phone.Read.All"
)

// The application permissions the emulator knows, for Options.Roles and
// Application.Roles.
const (
	RoleReadWriteAll      = roleReadWriteAll
	RolePhoneReadWriteAll = rolePhoneReadWriteAll
	RoleReadAll           = roleReadAll
	RolePhoneReadAll      = rolePhoneReadAll
)

// permission says which roles allow an operation.
type permission int

const (
	permRead   permission = iota
	permWrite             // create, update
	permSms               // enable/disable SMS sign-in
	permDelete            // delete
)

// allowed reports whether roles grant perm (GRAPH.md's permission table):
// reads take any of the four roles; create and update either ReadWrite
// role; enabling and disabling SMS sign-in either ReadWrite role too, as the
// current reference pages have it, or only UserAuthenticationMethod.ReadWrite.All
// with legacy (the older pages' rule, Knobs.PhoneRoleLegacy); delete only
// UserAuthenticationMethod.ReadWrite.All, the one role its page lists.
func allowed(roles []string, perm permission, legacy bool) bool {
	has := func(r string) bool { return slices.Contains(roles, r) }
	switch perm {
	case permRead:
		return has(roleReadWriteAll) || has(rolePhoneReadWriteAll) || has(roleReadAll) || has(rolePhoneReadAll)
	case permWrite:
		return has(roleReadWriteAll) || has(rolePhoneReadWriteAll)
	case permSms:
		return has(roleReadWriteAll) || (!legacy && has(rolePhoneReadWriteAll))
	default:
		return has(roleReadWriteAll)
	}
}
