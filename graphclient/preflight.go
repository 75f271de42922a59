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

// The application permissions phonereg can work with. Either is enough for
// every step of run; UserAuthMethod-Phone.ReadWrite.All is the least
// privileged (GRAPH.md). Deleting a phone method, which undo does, is
// documented only for UserAuthenticationMethod.ReadWrite.All.
const (
	PermReadWriteAll      = "UserAuthenticationMethod.ReadWrite.All"
	PermPhoneReadWriteAll = "UserAuthMethod-Phone.ReadWrite.All"
)

// Grant is what a token says the caller may do.
type Grant struct {
	Roles  []string // application permissions (app-only tokens)
	Scopes []string // delegated permissions (scp), if the token is delegated
}

// Has reports whether the grant holds the application permission perm or,
// in a delegated token, perm without its .All (delegated tokens name the
// permissions so).
func (g Grant) Has(perm string) bool {
	if slices.Contains(g.Roles, perm) || slices.Contains(g.Scopes, perm) {
		return true
	}
	return len(g.Scopes) > 0 && slices.Contains(g.Scopes, strings.TrimSuffix(perm, ".All"))
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
	return fmt.Sprintf("the application lacks the Microsoft Graph permission to manage phone methods: grant the application permission %s (the least privileged, enough for every step of run) or %s with admin consent; the token has: %s",
		PermPhoneReadWriteAll, PermReadWriteAll, have)
}

// CheckPermissions gets a token (an *AuthError when that fails) and reads its
// roles (or scp) claim: a *PermissionError when neither
// UserAuthMethod-Phone.ReadWrite.All nor UserAuthenticationMethod.ReadWrite.All
// is there. Either is enough for every step of run, SMS sign-in included
// (GRAPH.md); a 403 on a step names what that step needs (Error.Needs).
func (c *Client) CheckPermissions(ctx context.Context) (Grant, error) {
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
	if !g.Has(PermReadWriteAll) && !g.Has(PermPhoneReadWriteAll) {
		return g, &PermissionError{Have: append(append([]string(nil), g.Roles...), g.Scopes...)}
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
