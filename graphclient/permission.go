package graphclient

import (
	"net/http"
	"strings"
)

// Which application permission each phone-method operation needs, in words
// an admin can act on, as GRAPH.md has the reference pages: either ReadWrite
// role creates, updates and enables SMS sign-in (the current pages mark
// UserAuthMethod-Phone.ReadWrite.All least privileged); delete, and disable
// on the older pages, list only UserAuthenticationMethod.ReadWrite.All;
// reads take a Read role. A 403 names it (Error.Needs), so that the result
// file's error cell and the logs say what to grant.
var (
	needsRead = PermPhoneReadAll + " or " + PermReadAll + " (either ReadWrite permission reads too)"
	// needsWrite: create and update.
	needsWrite  = PermPhoneReadWriteAll + " or " + PermReadWriteAll
	needsEnable = needsWrite + " (older reference pages list only " + PermReadWriteAll + ")"
	// needsDisable and needsDelete: undo's steps.
	needsDisable = PermReadWriteAll + " (older reference pages list only it; the current one also " + PermPhoneReadWriteAll + ")"
	needsDelete  = PermReadWriteAll + " (the reference pages list only it for deleting a phone method)"
)

// neededPermission is what the operation method endpoint (a phone methods
// path, as Client builds it) needs of the application's permissions.
func neededPermission(method, endpoint string) string {
	switch {
	case method == http.MethodGet:
		return needsRead
	case method == http.MethodDelete:
		return needsDelete
	case strings.HasSuffix(endpoint, "/enableSmsSignIn"):
		return needsEnable
	case strings.HasSuffix(endpoint, "/disableSmsSignIn"):
		return needsDisable
	}
	return needsWrite
}
