package graphclient

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/golang-jwt/jwt/v5"
)

// The application permissions phonereg can work with.
const (
	PermReadWriteAll      = "UserAuthenticationMethod.ReadWrite.All"
	PermPhoneReadWriteAll = "UserAuthMethod-Phone.ReadWrite.All"
)

// Grant is what a token says the caller may do.
type Grant struct {
	Roles  []string // application permissions (app-only tokens)
	Scopes []string // delegated permissions (scp), if the token is delegated
	// Warning is set when the grant allows adding phones but enabling SMS sign-in
	// is documented only for UserAuthenticationMethod.ReadWrite.All.
	Warning string
}

// PermissionError says the token lacks the permission phonereg needs.
type PermissionError struct {
	Have []string // the permissions the token carries
}

func (e *PermissionError) Error() string {
	have := "none"
	if len(e.Have) > 0 {
		have = strings.Join(e.Have, ", ")
	}
	return fmt.Sprintf("the application lacks the Microsoft Graph permission to manage phone methods: grant the application permission %s (or %s) with admin consent; the token has: %s",
		PermReadWriteAll, PermPhoneReadWriteAll, have)
}

// CheckPermissions gets a token (an *AuthError when that fails) and reads its
// roles (or scp) claim: a *PermissionError when neither
// UserAuthenticationMethod.ReadWrite.All nor UserAuthMethod-Phone.ReadWrite.All
// is there, and a Warning when only the latter is and smsSignIn is wanted.
func (c *Client) CheckPermissions(ctx context.Context, smsSignIn bool) (Grant, error) {
	tk, err := c.cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.scope}})
	if err != nil {
		if ctx.Err() != nil {
			return Grant{}, ctx.Err()
		}
		return Grant{}, &AuthError{Err: err}
	}
	g, err := grantOf(tk.Token)
	if err != nil {
		return Grant{}, &AuthError{Err: err}
	}
	have := append(append([]string(nil), g.Roles...), g.Scopes...)
	full := slices.Contains(have, PermReadWriteAll)
	phone := slices.Contains(have, PermPhoneReadWriteAll)
	if len(g.Scopes) > 0 {
		// Delegated tokens name the permissions without .All too.
		full = full || slices.Contains(have, "UserAuthenticationMethod.ReadWrite")
		phone = phone || slices.Contains(have, "UserAuthMethod-Phone.ReadWrite")
	}
	switch {
	case full:
	case phone:
		if smsSignIn {
			g.Warning = "the application has " + PermPhoneReadWriteAll + " but not " + PermReadWriteAll +
				": enabling SMS sign-in is documented only for the latter and may be refused"
		}
	default:
		return g, &PermissionError{Have: have}
	}
	return g, nil
}

// grantOf reads the roles and scp claims of a JWT access token without
// verifying it (Graph does that; this only tells the admin what to grant).
func grantOf(token string) (Grant, error) {
	claims, err := parseClaims(token)
	if err != nil {
		return Grant{}, err
	}
	return Grant{Roles: claims.Roles, Scopes: strings.Fields(claims.Scp)}, nil
}

// tokenClaims are the claims of an access token phonereg reads.
type tokenClaims struct {
	Roles []string `json:"roles"`
	Scp   string   `json:"scp"`
	// Exp is kept raw so that an odd exp never fails reading the roles.
	Exp json.RawMessage `json:"exp"`
}

// expiry is the exp claim, if it is a number of seconds since the epoch.
func (c tokenClaims) expiry() (time.Time, bool) {
	var exp float64
	if json.Unmarshal(c.Exp, &exp) != nil || exp <= 0 || exp > 1e11 {
		return time.Time{}, false
	}
	return time.Unix(int64(exp), 0), true
}

// parseClaims decodes the claims of a JWT access token without verifying it
// (Graph does that). golang-jwt decodes the payload; the claims are read into
// tokenClaims rather than its own types, so that an odd exp or a header it
// would refuse never hides the roles.
func parseClaims(token string) (tokenClaims, error) {
	var claims tokenClaims
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return claims, fmt.Errorf("the access token is not a JWT")
	}
	payload, err := jwt.NewParser(jwt.WithPaddingAllowed()).DecodeSegment(parts[1])
	if err != nil {
		return claims, fmt.Errorf("the access token's payload is not base64url: %w", err)
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		return tokenClaims{}, fmt.Errorf("the access token's claims are not JSON: %w", err)
	}
	return claims, nil
}
