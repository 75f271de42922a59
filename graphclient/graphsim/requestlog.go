package graphsim

// The request log: one Request per request served, with its route, status and
// injected fault, and the Emulator's methods that read it.

import (
	"sync"
	"time"
)

// Request is one entry of the request log.
type Request struct {
	Time            time.Time     `json:"time"`
	Method          string        `json:"method"`
	Path            string        `json:"path"` // escaped, as sent
	Route           string        `json:"route"`
	Status          int           `json:"status"` // 0 when the connection was dropped
	Duration        time.Duration `json:"duration"`
	RequestID       string        `json:"requestId"`
	ClientRequestID string        `json:"clientRequestId"`
	ClientID        string        `json:"clientId,omitempty"` // the token's application, once authenticated
	// Fault names an injected fault: "503", "reset", "ambiguous", "throttled".
	Fault string `json:"fault,omitempty"`
	// Applied is true for a write that changed the state.
	Applied bool `json:"applied,omitempty"`
}

// Route names used in the request log and Count.
const (
	RouteList         = "list"
	RouteGet          = "get"
	RouteCreate       = "create"
	RouteUpdate       = "update"
	RouteDelete       = "delete"
	RouteEnableSms    = "enableSmsSignIn"
	RouteDisableSms   = "disableSmsSignIn"
	RouteToken        = "token"
	RouteOpenIDConfig = "openid-configuration"
	RouteDiscovery    = "instance-discovery"
	RouteManagedID    = "managed-identity"
	RouteAdmin        = "admin"
	RouteUnknown      = "unknown"
)

type stats struct {
	mu   sync.Mutex
	log  []Request
	keep int
}

func newStats() *stats { return &stats{keep: 1_000_000} }

func (st *stats) add(r Request) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.log) >= st.keep {
		// Keep the newer half: a long-running sim must not grow without bound.
		n := copy(st.log, st.log[len(st.log)/2:])
		st.log = st.log[:n]
	}
	st.log = append(st.log, r)
}

// Requests returns a copy of the request log, oldest first. The log keeps the
// newest million requests or so: when full, it drops its older half.
func (em *Emulator) Requests() []Request {
	em.stats.mu.Lock()
	defer em.stats.mu.Unlock()
	return append([]Request(nil), em.stats.log...)
}

// ResetRequests empties the request log.
func (em *Emulator) ResetRequests() {
	em.stats.mu.Lock()
	defer em.stats.mu.Unlock()
	em.stats.log = nil
}

// Count returns how many logged requests had route and status. Status 0 counts
// dropped connections; status -1 counts every status.
func (em *Emulator) Count(route string, status int) int {
	em.stats.mu.Lock()
	defer em.stats.mu.Unlock()
	n := 0
	for _, r := range em.stats.log {
		if r.Route == route && (status == -1 || r.Status == status) {
			n++
		}
	}
	return n
}

// RouteStatus is a key of Counts.
type RouteStatus struct {
	Route  string
	Status int
}

// Counts returns the number of logged requests by route and status.
func (em *Emulator) Counts() map[RouteStatus]int {
	em.stats.mu.Lock()
	defer em.stats.mu.Unlock()
	m := map[RouteStatus]int{}
	for _, r := range em.stats.log {
		m[RouteStatus{r.Route, r.Status}]++
	}
	return m
}

// Writes returns how many writes were applied to the state (creates, updates,
// deletes, enable/disable), including those whose response was lost.
func (em *Emulator) Writes() int {
	em.stats.mu.Lock()
	defer em.stats.mu.Unlock()
	n := 0
	for _, r := range em.stats.log {
		if r.Applied {
			n++
		}
	}
	return n
}
