package graphsim

// The Graph side of the emulator: its routes on /v1.0 and /beta, and graph,
// the wrapper that does around every operation what the service does (faults,
// authentication, throttling, latency, permissions, ambiguous writes). The
// operations themselves are in graph_methods.go.

import (
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
		mux.Handle("DELETE "+base+"/{method}", em.graph(RouteDelete, permManage, em.handleDelete))
		mux.Handle("POST "+base+"/{method}/enableSmsSignIn", em.graph(RouteEnableSms, permManage, em.handleEnable))
		mux.Handle("POST "+base+"/{method}/disableSmsSignIn", em.graph(RouteDisableSms, permManage, em.handleDisable))
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
// order: dropped connections, authentication, throttling, latency, 503s,
// permissions (latency before authentication with ThrottleAfterLatency); then it runs the operation and, for an ambiguous fault, drops
// the response of an applied write.
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
		wait := func() bool {
			if d := rng.latency(k); d > 0 {
				t := time.NewTimer(d)
				select {
				case <-t.C:
				case <-r.Context().Done():
					t.Stop()
					return false
				}
			}
			return true
		}
		if k.ThrottleAfterLatency && !wait() {
			return
		}
		p, aerr := em.tokens.authenticate(r)
		if aerr != nil {
			// Graph's 401s carry a challenge; clients re-authenticate on it.
			w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="`+em.url+`/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
			writeGraphError(w, r, aerr)
			return
		}
		ri.clientID = p.clientID
		if aerr := em.throttle(w, write); aerr != nil {
			ri.fault = "throttled"
			writeGraphError(w, r, aerr)
			return
		}
		if !k.ThrottleAfterLatency && !wait() {
			return
		}
		if rng.chance(k.Fault503) {
			ri.fault = "503"
			e := newAPIError(http.StatusServiceUnavailable, codeUnavailable, "The service is temporarily unavailable. Please try again later.")
			if rng.chance(0.5) {
				e.header = http.Header{"Retry-After": {"1"}}
			}
			writeGraphError(w, r, e)
			return
		}
		if !allowed(p.roles, perm, k.PhoneRoleCanManageSms) {
			writeGraphError(w, r, newAPIError(http.StatusForbidden, codeDenied, msgDenied))
			return
		}
		var body []byte
		if r.Method == http.MethodPost || r.Method == http.MethodPatch {
			var err error
			body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, maxRequestBody))
			if err != nil {
				writeGraphError(w, r, newAPIError(http.StatusRequestEntityTooLarge, codeBadRequest, "The request body is too large."))
				return
			}
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
