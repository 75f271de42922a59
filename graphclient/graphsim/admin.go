package graphsim

// The control endpoints under /_sim/: a test or script in another process
// reads and changes a running emulator through them (see AdminHeader).

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
)

// AdminHeader carries the application's client secret on requests to the
// emulator's control endpoints under /_sim/, so that a test driving a separate
// `phonereg sim` process can read its state and flip knobs:
//
//	GET  /_sim/knobs     the knobs, as JSON
//	PUT  /_sim/knobs     replace the knobs (JSON body; absent fields are zero)
//	GET  /_sim/users     every user with its methods
//	POST /_sim/users     add a user (JSON body: User)
//	GET  /_sim/requests  the request log
const AdminHeader = "x-graphsim-admin"

func (em *Emulator) adminRoutes(mux *http.ServeMux) {
	mux.Handle("GET /_sim/knobs", em.admin(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, em.Knobs())
	}))
	mux.Handle("PUT /_sim/knobs", em.admin(func(w http.ResponseWriter, r *http.Request) {
		var k Knobs
		if err := decodeAdmin(w, r, &k); err != nil {
			return
		}
		if err := em.SetKnobs(k); err != nil {
			writeGraphError(w, r, newAPIError(http.StatusBadRequest, codeBadRequest, err.Error()))
			return
		}
		writeJSON(w, http.StatusOK, em.Knobs())
	}))
	mux.Handle("GET /_sim/users", em.admin(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, em.Users())
	}))
	mux.Handle("POST /_sim/users", em.admin(func(w http.ResponseWriter, r *http.Request) {
		var u User
		if err := decodeAdmin(w, r, &u); err != nil {
			return
		}
		id, err := em.AddUser(u)
		if err != nil {
			writeGraphError(w, r, newAPIError(http.StatusBadRequest, codeBadRequest, err.Error()))
			return
		}
		writeJSON(w, http.StatusCreated, map[string]string{"id": id})
	}))
	mux.Handle("GET /_sim/requests", em.admin(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, em.Requests())
	}))
}

// admin checks AdminHeader before running h.
func (em *Emulator) admin(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setRoute(r, RouteAdmin)
		got := r.Header.Get(AdminHeader)
		if subtle.ConstantTimeCompare([]byte(got), []byte(em.opts.ClientSecret)) != 1 {
			writeGraphError(w, r, newAPIError(http.StatusUnauthorized, "InvalidAuthenticationToken",
				"The control endpoints need the "+AdminHeader+" header with the application's client secret."))
			return
		}
		h(w, r)
	})
}

func decodeAdmin(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxRequestBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeGraphError(w, r, newAPIError(http.StatusBadRequest, codeBadRequest, "invalid JSON: "+err.Error()))
		return err
	}
	return nil
}
