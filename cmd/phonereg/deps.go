package main

import (
	"crypto/x509"
	"io"
	"time"
)

// deps are what the commands take from the process instead of reaching for
// it, the way cli/cli's cmdutil.Factory hands each command its streams and
// HTTP client. run builds them from the process; tests build their own
// (buffers, an environment of their own, an emulator's CA) and call execute.
type deps struct {
	// args is the command line (without the program's name), for the
	// command that resumes an interrupted job.
	args           []string
	stdin          io.Reader
	stdout, stderr io.Writer
	// getenv reads the variables phonereg reads itself (PHONEREG_GRAPH_URL,
	// PHONEREG_AUTHORITY_HOST) and those graphclient.NewCredential reads
	// (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, …). azidentity
	// still reads the process environment itself for --auth auto and
	// managed identity (see graphclient.CredentialOptions.Getenv).
	getenv func(string) string
	// rootCAs, when not nil, replaces the system roots for Graph and the
	// token service (outside tests SSL_CERT_FILE does that).
	rootCAs *x509.CertPool
	// now is the clock of run and undo: what the SMS notice is dated by,
	// and the result lines' finishedAt. nil is time.Now.
	now func() time.Time
}

// clock is d.now, or time.Now when it is not set.
func (d deps) clock() func() time.Time {
	if d.now == nil {
		return time.Now
	}
	return d.now
}
