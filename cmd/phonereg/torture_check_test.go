package main

// The torture test's checks: the result file between and after the runs, the
// emulator's state and write log, and the figures it prints (see
// torture_test.go).

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/phonereg/phonereg/graphclient/graphsim"
	"github.com/phonereg/phonereg/pipeline"
)

// scanned is a result file as it stands between two processes.
type scanned struct {
	last  map[int]pipeline.Result // each row's last whole line
	lines int                     // whole lines
	torn  int                     // 1 when the last line is not whole
	mid   int                     // damaged lines before the last
	auth  []int                   // rows with a line that failed on authentication
}

// authFailure matches a row error that came from a 401 or an expired token.
var authFailure = regexp.MustCompile(`(?i)\b401\b|InvalidAuthenticationToken|token.*expired`)

// scanResultFile reads a journal or a compacted result file through
// pipeline's codec, going on past damaged lines.
func scanResultFile(path string) (scanned, error) {
	s := scanned{last: map[int]pipeline.Result{}}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	} else if err != nil {
		return s, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || fi.Size() == 0 {
		return s, err
	}
	rr, err := pipeline.NewResultReader(f)
	if err != nil {
		return s, err
	}
	damaged := false
	for {
		r, err := rr.Next()
		if err == io.EOF {
			break
		}
		if errors.Is(err, pipeline.ErrDamagedLine) {
			if damaged {
				s.mid++
			}
			damaged = true
			continue
		}
		if err != nil {
			return s, err
		}
		if damaged {
			s.mid, damaged = s.mid+1, false
		}
		s.lines++
		s.last[r.Row] = r
		if authFailure.MatchString(r.Error) {
			s.auth = append(s.auth, r.Row)
		}
	}
	if damaged {
		s.torn = 1
	}
	return s, nil
}

// afterExit checks the result file after a process ended: damage only at
// its end (a crash's torn line), no row failed on authentication, and every
// row that had succeeded earlier still there, succeeded.
func (j *journey) afterExit(what string) scanned {
	j.t.Helper()
	s, err := scanResultFile(j.out)
	if err != nil {
		j.t.Errorf("%s: %s: %v", what, j.out, err)
		return s
	}
	if s.mid > 0 {
		j.t.Errorf("%s: %d damaged lines before the end of the result file; a crash may tear only the last", what, s.mid)
	}
	for _, row := range s.auth {
		if !j.authed[row] {
			j.authed[row] = true
			j.fig.auth401++
			j.t.Errorf("%s: row %d failed on authentication: %s", what, row, s.last[row].Error)
		}
	}
	for row := range j.durable {
		if r, ok := s.last[row]; !ok || r.Status != pipeline.StatusSucceeded {
			j.fig.lost++
			delete(j.durable, row)
			j.t.Errorf("%s: row %d had succeeded; now its line is %+v (found %v)", what, row, r, ok)
		}
	}
	for row, r := range s.last {
		if r.Status == pipeline.StatusSucceeded {
			j.durable[row] = true
		}
	}
	return s
}

// checkTortureResults checks the journey's final result file: rows 1…n, each
// once, in order, each succeeded.
func checkTortureResults(t *testing.T, j *journey, n int, fig *tortureFigures) {
	t.Helper()
	seen := map[int]int{}
	for _, r := range readResultFile(t, j.out) {
		seen[r.Row]++
		if r.Status != pipeline.StatusSucceeded {
			fig.failed++
			if fig.failed <= 10 {
				t.Errorf("%s: row %d: got %s (%s); want succeeded", j.name, r.Row, r.Status, r.Error)
			}
		}
	}
	checkCompacted(t, j.out)
	for row := 1; row <= n; row++ {
		switch c := seen[row]; {
		case c == 0:
			fig.lost++
			t.Errorf("%s: row %d is not in the result file", j.name, row)
		case c > 1:
			fig.duplicates++
			t.Errorf("%s: row %d has %d lines; want 1", j.name, row, c)
		}
	}
	if len(seen) != n {
		t.Errorf("%s: the result file has %d rows; want %d", j.name, len(seen), n)
	}
}

// simState is what the emulator's control endpoints tell.
type simState struct {
	users    []graphsim.UserInfo
	requests []graphsim.Request
}

// readSimState reads the users and the request log of the emulator process.
func readSimState(t *testing.T, senv map[string]string) simState {
	t.Helper()
	pool := x509.NewCertPool()
	ca, err := os.ReadFile(senv["SSL_CERT_FILE"])
	if err != nil || !pool.AppendCertsFromPEM(ca) {
		t.Fatalf("ca.pem: %v", err)
	}
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	get := func(path string, v any) {
		req, _ := http.NewRequest("GET", senv["PHONEREG_GRAPH_URL"]+path, nil)
		req.Header.Set(graphsim.AdminHeader, senv["AZURE_CLIENT_SECRET"])
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	var st simState
	get("/_sim/users", &st.users)
	get("/_sim/requests", &st.requests)
	return st
}

// checkSimUsers checks that each user holds exactly its row's phones, with
// SMS sign-in ready on the mobile, and that there are no other users.
func checkSimUsers(t *testing.T, users []graphsim.UserInfo, want map[string]tortureWant, fig *tortureFigures) {
	t.Helper()
	got := make(map[string]graphsim.UserInfo, len(users))
	for _, u := range users {
		got[strings.ToLower(u.UserPrincipalName)] = u
	}
	for upn, w := range want {
		u, ok := got[upn]
		var g tortureWant
		sms := ""
		for _, m := range u.Methods {
			switch m.PhoneType {
			case graphsim.TypeMobile:
				g.mobile, sms = m.PhoneNumber, m.SmsSignInState
			case graphsim.TypeAlternateMobile:
				g.alternateMobile = m.PhoneNumber
			case graphsim.TypeOffice:
				g.office = m.PhoneNumber
			}
		}
		if !ok || g != w || sms != graphsim.StateReady {
			fig.badUsers++
			if fig.badUsers <= 10 {
				t.Errorf("emulator: %s: got %+v (found %v); want %+v with SMS sign-in ready", upn, u.Methods, ok, w)
			}
		}
	}
	if len(got) != len(want) {
		t.Errorf("emulator: %d users; want %d", len(got), len(want))
	}
}

// checkSimWrites checks the emulator's write log: per user, exactly one
// applied create per phone of its row (an ambiguous create is applied, and
// the client must find it rather than write it again), no update or delete,
// and SMS sign-in enabled at most once.
func checkSimWrites(t *testing.T, reqs []graphsim.Request, want map[string]tortureWant, fig *tortureFigures) {
	t.Helper()
	type writes struct{ creates, enables, others int }
	per := map[string]*writes{}
	for _, r := range reqs {
		fig.count(r)
		if !r.Applied {
			continue
		}
		upn := userOfPath(r.Path)
		w := per[upn]
		if w == nil {
			w = &writes{}
			per[upn] = w
		}
		switch r.Route {
		case graphsim.RouteCreate:
			w.creates++
		case graphsim.RouteEnableSms:
			w.enables++
		default:
			w.others++
		}
	}
	for upn, wt := range want {
		phones := 2 // a mobile and an alternateMobile or office
		w := per[upn]
		if w == nil {
			w = &writes{}
		}
		if w.creates > phones || w.enables > 1 || w.others > 0 {
			fig.doubled++
			t.Errorf("emulator: %s: %d creates, %d SMS enables, %d other writes applied; want %d, at most 1, 0 (%+v)",
				upn, w.creates, w.enables, w.others, phones, wt)
		}
	}
}

// userOfPath is the user segment of a Graph path, unescaped, in lower case.
func userOfPath(p string) string {
	parts := strings.Split(p, "/")
	for i := 0; i+1 < len(parts); i++ {
		if parts[i] == "users" {
			u, err := url.PathUnescape(parts[i+1])
			if err != nil {
				u = parts[i+1]
			}
			return strings.ToLower(u)
		}
	}
	return ""
}

// checkTokenRefresh checks that the final run, many token lifetimes long,
// got new tokens as it went (and no row failed on a 401: see afterExit).
func checkTokenRefresh(t *testing.T, reqs []graphsim.Request, from, to time.Time, fig *tortureFigures) {
	t.Helper()
	for _, r := range reqs {
		if r.Route == graphsim.RouteToken && r.Status == http.StatusOK && !r.Time.Before(from) && !r.Time.After(to) {
			fig.finalTokens++
		}
	}
	fig.finalElapsed = to.Sub(from)
	lifetimes := int(fig.finalElapsed / tortureTokenLifetime)
	if lifetimes >= 4 && fig.finalTokens < lifetimes/2 {
		t.Errorf("the final run lasted %v (%d token lifetimes) and got %d tokens; want at least %d",
			fig.finalElapsed.Round(time.Second), lifetimes, fig.finalTokens, lifetimes/2)
	}
}

// tortureFigures is what the torture test counts and prints.
type tortureFigures struct {
	rows, lockRows             int
	kills, terms               int
	diskFull, lock             string
	duplicates, lost, failed   int // in the result files
	badUsers, doubled          int // in the emulator
	auth401                    int // rows whose line failed on authentication
	retried                    int // rows whose retries ran out, redone by a further resume
	requests, throttled, f503  int
	resets, ambiguous, refused int // refused: creates answered "already has a phone of this type"
	unauthorized, tokens       int // 401s on Graph routes; tokens issued
	finalTokens                int
	finalElapsed, elapsed      time.Duration
}

// count adds one logged request to the figures.
func (f *tortureFigures) count(r graphsim.Request) {
	switch r.Route {
	case graphsim.RouteAdmin:
		return
	case graphsim.RouteToken:
		if r.Status == http.StatusOK {
			f.tokens++
		}
		return
	}
	f.requests++
	switch {
	case r.Status == http.StatusTooManyRequests:
		f.throttled++
	case r.Status == http.StatusUnauthorized:
		f.unauthorized++
	case r.Route == graphsim.RouteCreate && r.Status == http.StatusBadRequest && !r.Applied:
		f.refused++
	}
	switch r.Fault {
	case "503":
		f.f503++
	case "reset":
		f.resets++
	case "ambiguous":
		f.ambiguous++
	}
}

func (f *tortureFigures) print(w io.Writer, cfg tortureConfig) {
	fmt.Fprintf(w, "torture: kills survived %d of %d, SIGTERMs %d of %d, rows %d, duplicates %d, lost %d, elapsed %v\n",
		f.kills, cfg.kills, f.terms, cfg.terms, f.rows, f.duplicates+f.doubled, f.lost, f.elapsed.Round(time.Second))
	fmt.Fprintf(w, "torture: rows not succeeded %d, users not as their row says %d, rows failed on a 401 %d, rows redone by a further resume after their retries ran out %d (seed %d)\n",
		f.failed, f.badUsers, f.auth401, f.retried, cfg.seed)
	fmt.Fprintf(w, "torture: disk full: %s\n", f.diskFull)
	fmt.Fprintf(w, "torture: a second run on the same --out (%d rows of their own): %s\n", f.lockRows, f.lock)
	fmt.Fprintf(w, "torture: tokens: %d issued, %d during the final run of %v (lifetime %v); 401s answered: %d\n",
		f.tokens, f.finalTokens, f.finalElapsed.Round(time.Second), tortureTokenLifetime, f.unauthorized)
	fmt.Fprintf(w, "torture: emulator: %d Graph requests, %d throttled (429), %d 503s, %d dropped connections, %d ambiguous writes, %d creates re-sent and refused as existing\n",
		f.requests, f.throttled, f.f503, f.resets, f.ambiguous, f.refused)
}
