package graphsim

// The Graph side of the emulator: its routes on /v1.0 and /beta, and graph,
// the wrapper that does around every operation what the service does (faults,
// authentication, throttling, latency, permissions, ambiguous writes). The
// operations themselves are in graph_methods.go.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Graph error codes the emulator uses. Graph documents few of them (GRAPH.md):
// clients must branch on the status class, not on these.
const (
	codeBadRequest      = "badRequest"
	codeInvalidRequest  = "invalidRequest"
	codeNotFound        = "itemNotFound"
	codeUserNotFound    = "Request_ResourceNotFound"
	codeConflict        = "conflict"
	codeDenied          = "Authorization_RequestDenied"
	codeUnavailable     = "serviceNotAvailable"
	codeNotUnique       = "phoneNumberNotUnique"
	codePolicyDisallows = "notAllowedByPolicy"
	msgDenied           = "Insufficient privileges to complete the operation."
	odataType           = "#microsoft.graph.phoneAuthenticationMethod"
)

// graphRoutes registers the Graph endpoints on both API versions.
func (em *Emulator) graphRoutes(mux *http.ServeMux) {
	for _, v := range []string{"/v1.0", "/beta"} {
		base := v + "/users/{user}/authentication/phoneMethods"
		mux.Handle("GET "+base, em.graph(RouteList, permRead, em.handleList))
		mux.Handle("POST "+base, em.graph(RouteCreate, permWrite, em.handleCreate))
		mux.Handle("GET "+base+"/{method}", em.graph(RouteGet, permRead, em.handleGet))
		mux.Handle("PATCH "+base+"/{method}", em.graph(RouteUpdate, permWrite, em.handleUpdate))
		mux.Handle("DELETE "+base+"/{method}", em.graph(RouteDelete, permDelete, em.handleDelete))
		mux.Handle("POST "+base+"/{method}/enableSmsSignIn", em.graph(RouteEnableSms, permSms, em.handleEnable))
		mux.Handle("POST "+base+"/{method}/disableSmsSignIn", em.graph(RouteDisableSms, permSms, em.handleDisable))
		mux.Handle(v+"/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			writeGraphError(w, r, newAPIError(http.StatusBadRequest, "BadRequest",
				fmt.Sprintf("Resource not found for the segment '%s'.", lastSegment(r.URL.Path))))
		}))
	}
}

func lastSegment(p string) string {
	p = strings.TrimSuffix(p, "/")
	return p[strings.LastIndexByte(p, '/')+1:]
}

// graphHandler handles one Graph operation. It returns the status and body to
// send (body nil for none), or an error. write handlers report whether they
// changed the state through info(r).applied.
type graphHandler func(r *http.Request, body []byte, k Knobs) (int, any, *apiError)

// graph wraps an operation with what the service does around every request, in
// order: dropped connections, then admit (authentication, throttling, latency,
// 503s), permissions and the body; then it runs the operation and, for an
// ambiguous fault, drops the response of an applied write.
func (em *Emulator) graph(route string, perm permission, h graphHandler) http.Handler {
	write := perm != permRead
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := info(r)
		ri.route = route
		k, rng := em.snapshot()
		if rng.chance(k.FaultReset) {
			ri.fault = "reset"
			panic(http.ErrAbortHandler)
		}
		p, ok := em.admit(w, r, k, rng, write)
		if !ok {
			return
		}
		if !allowed(p.roles, perm, k.PhoneRoleLegacy) {
			writeGraphError(w, r, newAPIError(http.StatusForbidden, codeDenied, msgDenied))
			return
		}
		body, ok := readBody(w, r)
		if !ok {
			return
		}
		status, out, aerr := h(r, body, k)
		if write && ri.applied && rng.chance(k.FaultAmbiguous) {
			ri.fault = "ambiguous"
			panic(http.ErrAbortHandler)
		}
		switch {
		case aerr != nil:
			writeGraphError(w, r, aerr)
		case out != nil:
			writeJSON(w, status, out)
		default:
			w.WriteHeader(status)
		}
	})
}

// admit is what Graph's gateway does before an operation: it authenticates
// the token, applies the throttle and the latency (in that order, or latency
// first with ThrottleAfterLatency) and injects 503s. It returns the token's
// principal, or false once it has answered or the client has gone.
func (em *Emulator) admit(w http.ResponseWriter, r *http.Request, k Knobs, rng *lockedRand, write bool) (principal, bool) {
	ri := info(r)
	wait := func() bool { return sleep(r.Context(), rng.latency(k)) }
	if k.ThrottleAfterLatency && !wait() {
		return principal{}, false
	}
	p, aerr := em.tokens.authenticate(r)
	if aerr != nil {
		// Graph's 401s carry a challenge; clients re-authenticate on it.
		w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="`+em.url+`/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
		writeGraphError(w, r, aerr)
		return principal{}, false
	}
	ri.clientID = p.clientID
	if aerr := em.throttle(w, write); aerr != nil {
		ri.fault = "throttled"
		writeGraphError(w, r, aerr)
		return principal{}, false
	}
	if !k.ThrottleAfterLatency && !wait() {
		return principal{}, false
	}
	if rng.chance(k.Fault503) {
		ri.fault = "503"
		e := newAPIError(http.StatusServiceUnavailable, codeUnavailable, "The service is temporarily unavailable. Please try again later.")
		if rng.chance(0.5) {
			e.header = http.Header{"Retry-After": {"1"}}
		}
		writeGraphError(w, r, e)
		return principal{}, false
	}
	return p, true
}

// sleep waits for d, or until ctx is done; it reports whether the wait ran
// its course.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// readBody reads the body of a POST or PATCH (nil for other methods), or
// answers 413 and returns false when it is larger than maxRequestBody.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if r.Method != http.MethodPost && r.Method != http.MethodPatch {
		return nil, true
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
	if err != nil {
		writeGraphError(w, r, newAPIError(http.StatusRequestEntityTooLarge, codeBadRequest, "The request body is too large."))
		return nil, false
	}
	return body, true
}
