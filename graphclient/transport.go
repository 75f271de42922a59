package graphclient

import (
	"crypto/tls"
	"io"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// maxBody caps every response body the client reads.
const maxBody = 1 << 20

// NewHTTPClient returns the HTTP client phonereg uses: HTTP/2, no redirects,
// and tlsConfig (nil: the system's roots, SSL_CERT_FILE honoured).
func NewHTTPClient(tlsConfig *tls.Config) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if tlsConfig != nil {
		tr.TLSClientConfig = tlsConfig.Clone()
	}
	tr.ForceAttemptHTTP2 = true
	tr.MaxIdleConnsPerHost = 100
	tr.ResponseHeaderTimeout = 0 // bounded per try by sendPolicy
	tr.IdleConnTimeout = 90 * time.Second
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// cappedTransport bounds how much of any response body is read.
type cappedTransport struct {
	next policy.Transporter
}

func (t cappedTransport) Do(req *http.Request) (*http.Response, error) {
	resp, err := t.next.Do(req)
	if err == nil && resp != nil && resp.Body != nil {
		resp.Body = &cappedBody{r: io.LimitReader(resp.Body, maxBody), c: resp.Body}
	}
	return resp, err
}

type cappedBody struct {
	r io.Reader
	c io.ReadCloser
}

func (b *cappedBody) Read(p []byte) (int, error) { return b.r.Read(p) }

// Close drains what is left (up to a limit, so the connection can be reused)
// and closes.
func (b *cappedBody) Close() error {
	io.Copy(io.Discard, io.LimitReader(b.c, maxBody))
	return b.c.Close()
}
