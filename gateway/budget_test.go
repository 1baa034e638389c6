package gateway

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"crmgw/config"
	"crmgw/core"
	"crmgw/core/dbtest"
)

// Whatever becomes of a request, the bytes its body held go back to the
// budget: answered, refused as too large, refused for want of budget, or
// with its client gone mid-body. The requests go to the test's own fifth
// dialect (fifth_dialect_test.go): the gateway knows no real dialect's paths.
func TestBodyBudgetIsGivenBack(t *testing.T) {
	db := dbtest.Open(t, core.DriverSQLite, core.SystemClock{})
	cfg, err := config.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Limits.MaxBodyBytes, cfg.Limits.MaxBufferedBodyBytes = 10_000, 10_000
	s := New(cfg, core.NewService(db, core.Options{}), slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()

	send := func(what string, body io.Reader, length int64) {
		t.Helper()
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/fifth/ping", body)
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = length
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if res, err := http.DefaultClient.Do(req); err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
		// The answer may reach the client just before its request gives its bytes back.
		for wait := time.Now().Add(5 * time.Second); s.bodies.used.Load() != 0 && time.Now().Before(wait); {
			time.Sleep(time.Millisecond)
		}
		if used := s.bodies.used.Load(); used != 0 {
			t.Errorf("%s: %d bytes still held", what, used)
		}
	}
	send("answered", strings.NewReader("fifth_key=x"), -1)
	send("announced, answered", strings.NewReader(strings.Repeat("x", 9_000)), 9_000)
	send("chunked, too large", strings.NewReader(strings.Repeat("x", 20_000)), -1)
	s.bodies.used.Store(9_990) // as if other requests held nearly all of it
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/fifth/ping", strings.NewReader(strings.Repeat("x", 100)))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("over the budget: HTTP %d, want 503", res.StatusCode)
	}
	if used := s.bodies.used.Load(); used != 9_990 {
		t.Errorf("the refused body left %d bytes held, want the others' 9990", used-9_990)
	}
	s.bodies.used.Store(0)
	send("client gone mid-body", &failingReader{strings.NewReader(strings.Repeat("x", 5_000))}, 9_000)
}

// failingReader sends what it has, then fails, as a client that goes away.
type failingReader struct{ r io.Reader }

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, io.ErrUnexpectedEOF
	}
	return n, err
}
