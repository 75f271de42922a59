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
	"fmt"
	"math/big"
	"net"
	"net/http"
	"time"
)

// Server is an Emulator served over TLS (HTTP/2 and HTTP/1.1) on a loopback
// address, with a certificate authority of its own, like httptest.Server. The
// Emulator's methods (AddUser, SetKnobs, Requests, TenantID, ...) are
// promoted. Its methods are safe for concurrent use.
type Server struct {
	// Emulator is the handler the server serves.
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
	opts.URL = s.URL
	if s.Emulator, err = New(opts); err != nil {
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

// Close shuts the server down, dropping open connections.
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
