package pipeline

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/phonereg/phonereg/graphclient"
	"github.com/phonereg/phonereg/graphclient/graphsim"
)

// refusedOffice is a Graph whose office numbers are refused: it gives their
// extension 9 digits more before the client sends them, and graphsim, like
// Graph, refuses an extension that long, quoting the number in its message.
// phonereg itself never sends one (checkPhones makes such a row invalid), so
// this stands for a Graph stricter than phonereg knows.
type refusedOffice struct{ *graphclient.Client }

func (g refusedOffice) CreatePhoneMethod(ctx context.Context, user string, t graphclient.PhoneType, number string) (graphclient.PhoneMethod, error) {
	if t == graphclient.Office {
		number += "567890123"
	}
	return g.Client.CreatePhoneMethod(ctx, user, t, number)
}

// piiRun runs one row whose office number Graph refuses, quoting it in its
// message ("Invalid phone number \"+1 2065550150x…\""), with a client and a
// run that show PII or not (see refusedOffice). It returns the result file's
// bytes, the row's result and every log line (the run's and the client's
// per-try lines, at debug level, as JSON).
func piiRun(t *testing.T, showPII bool) (file []byte, res Result, logs string) {
	t.Helper()
	srv, err := graphsim.NewServer(graphsim.Options{AutoCreateUsers: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	var buf bytes.Buffer
	log := zap.New(zapcore.NewCore(zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()), zapcore.AddSync(&buf), zapcore.DebugLevel))
	client := simGraphClient(t, srv, graphclient.Config{RetryDelay: 5 * time.Millisecond, Logger: log.Named("graph"), ShowPII: showPII})
	out := filepath.Join(t.TempDir(), "in.results.csv")
	cfg := Config{
		Input: strings.NewReader("userPrincipalName,office\npii@contoso.com,+1 206 555 0150 x1234\n"), Out: out,
		Workers: 1, Read: InputOptions{Phone: PhoneOptions{DefaultRegion: "US"}},
		Logger: log, LogEveryRow: true, ShowPII: showPII,
	}
	if _, err := Run(context.Background(), refusedOffice{client}, cfg); err != nil {
		t.Fatal(err)
	}
	log.Sync()
	file, err = os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	res = readResults(t, out)[1]
	if res.Status != StatusFailed || res.Phones.Office != OutcomeFailed || !strings.Contains(res.Error, "400") {
		t.Fatalf("got status %s office %s error %q; want the office step failed with Graph's 400", res.Status, res.Phones.Office, res.Error)
	}
	return file, res, buf.String()
}

// TestGraphMessagesMaskedInResultsAndLogs: Graph's error message quotes the
// number the request carried; by default neither the result file's error
// cell nor any log line shows it unmasked, yet the masked number stays
// recognizable (country code, last four digits). With ShowPII both show it
// as Graph wrote it.
func TestGraphMessagesMaskedInResultsAndLogs(t *testing.T) {
	const raw, ext, masked = "+1 2065550150x1234567890123", "1234567890123", "+1 ******0150x***"
	t.Run("masked by default", func(t *testing.T) {
		file, res, logs := piiRun(t, false)
		for what, text := range map[string]string{"result file": string(file), "log": logs} {
			if strings.Contains(text, "2065550150") || strings.Contains(text, ext) {
				t.Errorf("%s shows the number unmasked:\n%s", what, text)
			}
		}
		if !strings.Contains(res.Error, masked) {
			t.Errorf("got error cell %q; want it to hold the masked number %q", res.Error, masked)
		}
		if !strings.Contains(logs, masked) {
			t.Errorf("no log line holds the masked number %q:\n%s", masked, logs)
		}
	})
	t.Run("shown with ShowPII", func(t *testing.T) {
		_, res, logs := piiRun(t, true)
		if !strings.Contains(res.Error, raw) {
			t.Errorf("got error cell %q; want Graph's message with %q", res.Error, raw)
		}
		if !strings.Contains(logs, raw) {
			t.Errorf("no log line holds %q:\n%s", raw, logs)
		}
	})
}
