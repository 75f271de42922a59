package graphsim

// Server: an Emulator behind a TLS listener on loopback, like httptest.Server,
// and the HTTP clients that trust it.

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"
)

// Server is an Emulator served over TLS (HTTP/2 and HTTP/1.1) on a loopback
// address, with a certificate authority of its own, like httptest.Server. The
// Emulator's methods (AddUser, SetKnobs, Requests, TenantID, ...) are
// promoted. Its methods are safe for concurrent use.
type Server struct {
	// Emulator is the handler the server serves; its state is the server's.
	*Emulator
	// URL is the server's root, e.g. "https://127.0.0.1:43127". Graph is served
	// under URL+"/v1.0" and URL+"/beta", the token service under URL+"/{tenant}".
	URL string

	caPEM    []byte
	certPool *x509.CertPool
	srv      *http.Server
}

// NewServer starts an emulator on opts.Addr (default 127.0.0.1:0) and returns
// once it accepts connections. opts.URL is ignored: the server's own address
// is the emulator's URL. Close it when done.
func NewServer(opts Options) (*Server, error) {
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("graphsim: listen on %s: %w", opts.Addr, err)
	}
	s := &Server{URL: "https://" + urlHost(ln.Addr())}
	if s.Emulator, err = newEmulator(s.URL, opts); err != nil {
		ln.Close()
		return nil, err
	}
	tlsCert, err := s.makeCertificates(ln.Addr(), opts.ExtraHosts)
	if err != nil {
		ln.Close()
		return nil, err
	}
	var protocols http.Protocols
	protocols.SetHTTP1(true)
	protocols.SetHTTP2(true)
	s.srv = &http.Server{
		Handler:           s.Emulator,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{tlsCert}, MinVersion: tls.VersionTLS12},
		Protocols:         &protocols,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          quietLog(),
	}
	go s.srv.ServeTLS(ln, "", "")
	return s, nil
}

// Close shuts the server down, dropping open connections. The Emulator's
// state stays readable.
func (s *Server) Close() {
	s.srv.Close()
}

// Shutdown stops the server gracefully: it stops accepting and waits for
// in-flight requests until ctx is done.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.srv.Shutdown(ctx)
}

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

// quietLog discards net/http's server log (TLS handshake noise from clients
// that do not trust the CA, aborted handlers).
func quietLog() *log.Logger { return log.New(io.Discard, "", 0) }
