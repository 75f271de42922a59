package graphsim

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestRequestIDs(t *testing.T) {
	c := newSim(t, Options{Users: []User{{UserPrincipalName: upnA}}})
	seen := map[string]bool{}
	for i := range 5 {
		crid := fmt.Sprintf("client-%d", i)
		r := c.call(http.MethodGet, phonesPath("v1.0", upnA), nil, "client-request-id", crid)
		wantStatus(t, "list", r, http.StatusOK)
		rid := r.Header.Get("request-id")
		if rid == "" || seen[rid] {
			t.Errorf("request %d: got request-id %q; want a fresh one", i, rid)
		}
		seen[rid] = true
		if got := r.Header.Get("client-request-id"); got != crid {
			t.Errorf("client-request-id: got %q; want %q", got, crid)
		}
		if r.ProtoMajor != 2 {
			t.Errorf("protocol: got HTTP/%d; want HTTP/2", r.ProtoMajor)
		}
	}
	reqs := c.Requests()
	var logged int
	for _, q := range reqs {
		if q.Route == RouteList {
			logged++
			if !seen[q.RequestID] || !strings.HasPrefix(q.ClientRequestID, "client-") {
				t.Errorf("logged request: got request-id %q client-request-id %q; want the ones sent", q.RequestID, q.ClientRequestID)
			}
			if q.ClientID != c.ClientID() {
				t.Errorf("logged client id: got %q; want %q", q.ClientID, c.ClientID())
			}
		}
	}
	if logged != 5 {
		t.Errorf("logged list requests: got %d; want 5", logged)
	}
}
