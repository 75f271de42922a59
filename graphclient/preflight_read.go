package graphclient

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// The application permissions that only read phone methods (GRAPH.md: reads
// also work with them). Either ReadWrite permission reads too.
const (
	PermReadAll      = "UserAuthenticationMethod.Read.All"
	PermPhoneReadAll = "UserAuthMethod-Phone.Read.All"
)

// ReadPermissionError says the token lacks every permission that reads phone
// methods. It unwraps to a *PermissionError, so that callers that map a
// missing permission to an exit code need not know it.
type ReadPermissionError struct {
	PermissionError
}

func (e *ReadPermissionError) Error() string {
	have := "none"
	if len(e.Have) > 0 {
		have = strings.Join(e.Have, ", ")
	}
	return fmt.Sprintf("the application lacks the Microsoft Graph permission to read phone methods: grant the application permission %s (or %s, or %s) with admin consent; the token has: %s",
		PermReadAll, PermPhoneReadAll, PermReadWriteAll, have)
}

// Unwrap returns the *PermissionError it is.
func (e *ReadPermissionError) Unwrap() error { return &e.PermissionError }

// CheckReadPermissions is CheckPermissions for a job that only reads
// (export): a token is got (an *AuthError when that fails) and its roles (or
// scp) claim must hold one of the four permissions that read phone methods,
// else a *ReadPermissionError.
func (c *Client) CheckReadPermissions(ctx context.Context) (Grant, error) {
	g, err := c.CheckPermissions(ctx)
	var pe *PermissionError
	if err == nil || !errors.As(err, &pe) {
		return g, err
	}
	if g.Has(PermReadAll) || g.Has(PermPhoneReadAll) {
		return g, nil
	}
	return g, &ReadPermissionError{PermissionError: *pe}
}
