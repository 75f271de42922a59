package graphsim

// The middleware every request passes: request-id and client-request-id
// headers, and the entry of the request log, written also when a handler
// drops the connection.

import (
	"context"
	"net/http"
	"time"

	"github.com/google/uuid"
)

// reqInfo is filled by handlers while a request runs and logged at its end.
type reqInfo struct {
	route    string
	clientID string
	fault    string
	applied  bool
}

type reqInfoKey struct{}

func info(r *http.Request) *reqInfo {
	if ri, ok := r.Context().Value(reqInfoKey{}).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{}
}

// setRoute names the request's route for the log.
func setRoute(r *http.Request, route string) { info(r).route = route }

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusRecorder) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// middleware gives every response a request-id, echoes client-request-id, and
// logs the request, also when a handler drops the connection by panicking with
// http.ErrAbortHandler.
func (em *Emulator) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &reqInfo{route: RouteUnknown}
		r = r.WithContext(context.WithValue(r.Context(), reqInfoKey{}, ri))
		reqID := uuid.NewString()
		clientReqID := r.Header.Get("client-request-id")
		if clientReqID == "" {
			clientReqID = reqID
		}
		w.Header().Set("request-id", reqID)
		w.Header().Set("client-request-id", clientReqID)
		w.Header().Set("x-ms-ags-diagnostic", `{"ServerInfo":{"DataCenter":"Loopback","Slice":"E","Ring":"0","ScaleUnit":"000","RoleInstance":"graphsim"}}`)
		w.Header().Set("Strict-Transport-Security", "max-age=31536000")
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			status := rec.status
			p := recover()
			if p != nil {
				status = 0
			}
			em.stats.add(Request{
				Time: start, Method: r.Method, Path: r.URL.EscapedPath(), Route: ri.route,
				Status: status, Duration: time.Since(start), RequestID: reqID,
				ClientRequestID: r.Header.Get("client-request-id"), ClientID: ri.clientID,
				Fault: ri.fault, Applied: ri.applied,
			})
			if p != nil {
				panic(p)
			}
		}()
		next.ServeHTTP(rec, r)
	})
}
