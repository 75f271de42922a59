package graphsim

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math"
	"math/big"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Server is a running emulator. Its methods are safe for concurrent use.
type Server struct {
	// URL is the server's root, e.g. "https://127.0.0.1:43127". Graph is served
	// under URL+"/v1.0" and URL+"/beta", the token service under URL+"/{tenant}".
	URL string

	opts     Options
	caPEM    []byte
	certPool *x509.CertPool
	listener net.Listener
	srv      *http.Server
	tokens   *tokenService
	dir      *directory
	stats    *stats

	knobsMu sync.Mutex
	knobs   Knobs
	bucket  bucket
	rng     *lockedRand
}

// NewServer starts an emulator on opts.Addr (default 127.0.0.1:0) and returns
// once it accepts connections. Close it when done.
func NewServer(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if opts.TenantID == "" {
		opts.TenantID = uuid.NewString()
	}
	if opts.ClientID == "" {
		opts.ClientID = uuid.NewString()
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = "sim~" + randomToken(24)
	}
	if opts.Roles == nil {
		opts.Roles = []string{RoleReadWriteAll}
	}
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = defaultTokenLifetime
	}

	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("graphsim: listen on %s: %w", opts.Addr, err)
	}
	s := &Server{
		opts:     opts,
		listener: ln,
		dir:      newDirectory(opts.AutoCreateUsers),
		stats:    newStats(),
	}
	s.URL = "https://" + urlHost(ln.Addr())
	if err := s.SetKnobs(opts.Knobs); err != nil {
		ln.Close()
		return nil, err
	}
	for _, u := range opts.Users {
		if _, err := s.AddUser(u); err != nil {
			ln.Close()
			return nil, err
		}
	}

	tlsCert, err := s.makeCertificates(ln.Addr(), opts.ExtraHosts)
	if err != nil {
		ln.Close()
		return nil, err
	}
	s.tokens, err = newTokenService(s)
	if err != nil {
		ln.Close()
		return nil, err
	}

	mux := http.NewServeMux()
	s.tokens.routes(mux)
	s.graphRoutes(mux)
	s.adminRoutes(mux)

	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetHTTP2(true)
	s.srv = &http.Server{
		Handler:           s.middleware(mux),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{tlsCert}, MinVersion: tls.VersionTLS12},
		Protocols:         &protocols,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          quietLog(),
	}
	go s.srv.ServeTLS(ln, "", "")
	return s, nil
}

// Close shuts the server down, dropping open connections.
func (s *Server) Close() {
	s.srv.Close()
}

// Shutdown stops the server gracefully: it stops accepting and waits for
// in-flight requests until ctx is done.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.srv.Shutdown(ctx)
}

// GraphURL is the Graph service root without a version, like
// "https://graph.microsoft.com"; it is the same as URL.
func (s *Server) GraphURL() string { return s.URL }

// AuthorityHost is the Entra authority host, like
// "https://login.microsoftonline.com"; it is the same as URL.
func (s *Server) AuthorityHost() string { return s.URL }

// Scope is the token scope for Graph: GraphURL + "/.default".
func (s *Server) Scope() string { return s.URL + "/.default" }

// TenantID of the emulated tenant.
func (s *Server) TenantID() string { return s.opts.TenantID }

// ClientID of the application registered at start.
func (s *Server) ClientID() string { return s.opts.ClientID }

// ClientSecret of the application registered at start.
func (s *Server) ClientSecret() string { return s.opts.ClientSecret }

// CACertPEM is the PEM of the CA that signed the server's certificate.
func (s *Server) CACertPEM() []byte { return append([]byte(nil), s.caPEM...) }

// CertPool holds the server's CA, for a client's tls.Config RootCAs.
func (s *Server) CertPool() *x509.CertPool { return s.certPool }

// Client returns an HTTP client that trusts the server's CA and speaks HTTP/2.
// Each call returns a new client with its own connections.
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: s.Transport()}
}

// Transport returns an http.Transport that trusts the server's CA and speaks
// HTTP/2, for azcore/azidentity ClientOptions.Transport.
func (s *Server) Transport() *http.Transport {
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetHTTP2(true)
	return &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: s.certPool, MinVersion: tls.VersionTLS12},
		Protocols:           &protocols,
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
	}
}

// Knobs returns the current behaviour settings.
func (s *Server) Knobs() Knobs {
	s.knobsMu.Lock()
	defer s.knobsMu.Unlock()
	return s.knobs
}

// SetKnobs replaces the behaviour settings; requests that arrive afterwards see
// them. The throttle bucket starts full when its rate or burst changes.
func (s *Server) SetKnobs(k Knobs) error {
	if err := k.validate(); err != nil {
		return err
	}
	if k.ThrottleScope == "" {
		k.ThrottleScope = ThrottleWrites
	}
	if k.SmsRefusal == "" {
		k.SmsRefusal = RefusalStateAndCode
	}
	if k.ThrottleRate > 0 && k.ThrottleBurst <= 0 {
		k.ThrottleBurst = max(1, int(k.ThrottleRate))
	}
	s.knobsMu.Lock()
	defer s.knobsMu.Unlock()
	if s.rng == nil || k.Seed != s.knobs.Seed {
		s.rng = newLockedRand(k.Seed)
	}
	if k.ThrottleRate != s.knobs.ThrottleRate || k.ThrottleBurst != s.knobs.ThrottleBurst {
		s.bucket.reset(k.ThrottleRate, k.ThrottleBurst, time.Now())
	}
	s.knobs = k
	return nil
}

func (k Knobs) validate() error {
	for name, p := range map[string]float64{"fault503": k.Fault503, "faultReset": k.FaultReset, "faultAmbiguous": k.FaultAmbiguous} {
		if !(p >= 0 && p <= 1) { // NaN too
			return fmt.Errorf("graphsim: %s must be a probability between 0 and 1, got %v", name, p)
		}
	}
	if !(k.ThrottleRate >= 0) || math.IsInf(k.ThrottleRate, 0) || k.ThrottleBurst < 0 {
		return errors.New("graphsim: throttle rate and burst cannot be negative")
	}
	if k.LatencyBase < 0 || k.LatencyJitter < 0 {
		return errors.New("graphsim: latency cannot be negative")
	}
	switch k.ThrottleScope {
	case "", ThrottleWrites, ThrottleAll:
	default:
		return fmt.Errorf("graphsim: throttle scope must be %q or %q, got %q", ThrottleWrites, ThrottleAll, k.ThrottleScope)
	}
	switch k.SmsRefusal {
	case "", RefusalStateAndCode, RefusalStateOnly, RefusalCodeOnly, RefusalSilent:
	default:
		return fmt.Errorf("graphsim: SMS refusal style must be one of state-and-code, state, code, silent; got %q", k.SmsRefusal)
	}
	return nil
}

// makeCertificates creates the CA and the server's leaf certificate for
// 127.0.0.1, ::1, localhost, the listening address and extra hosts.
func (s *Server) makeCertificates(addr net.Addr, extra []string) (tls.Certificate, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: "phonereg graphsim CA", Organization: []string{"phonereg"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(30 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return tls.Certificate{}, err
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: "graphsim", Organization: []string{"phonereg"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(30 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	if ta, ok := addr.(*net.TCPAddr); ok && !ta.IP.IsUnspecified() && !ta.IP.IsLoopback() {
		leafTmpl.IPAddresses = append(leafTmpl.IPAddresses, ta.IP)
	}
	for _, h := range extra {
		if ip := net.ParseIP(h); ip != nil {
			leafTmpl.IPAddresses = append(leafTmpl.IPAddresses, ip)
		} else if h != "" {
			leafTmpl.DNSNames = append(leafTmpl.DNSNames, h)
		}
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, err
	}
	s.caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	s.certPool = x509.NewCertPool()
	s.certPool.AddCert(caCert)
	return tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: leafKey}, nil
}

func randomSerial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	return n
}

// urlHost is addr as a URL host: IPv6 in brackets, an unspecified address as
// 127.0.0.1.
func urlHost(addr net.Addr) string {
	ta, ok := addr.(*net.TCPAddr)
	if !ok {
		return addr.String()
	}
	ip := ta.IP
	if ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), fmt.Sprint(ta.Port))
}
