// Package test holds black-box suites that talk to crmgw over HTTP as clients do.
package test

import (
	"bytes"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"crmgw/app"
	"crmgw/config"
	"crmgw/core"
	"crmgw/core/dbtest"
	"crmgw/gateway"
)

var update = flag.Bool("update", false, "re-record the golden files")

// now is the fixed instant of the suites: 2015-10-15 10:00 in Shanghai.
var now = time.Date(2015, 10, 15, 2, 0, 0, 0, time.UTC)

type movableClock struct{ t time.Time }

func (c *movableClock) Now() time.Time { return c.t }

// env is one running server over one fresh database.
type env struct {
	t     *testing.T
	db    *gorm.DB
	svc   *core.Service
	clock *movableClock
	url   string
	log   *logBuffer
	gw    *gateway.Server
}

// logBuffer keeps what a server logs; its request goroutines write it at once.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// errors are the lines of a JSON log at level ERROR.
func (l *logBuffer) errors() []string {
	var out []string
	for _, line := range strings.Split(l.String(), "\n") {
		if strings.Contains(line, `"level":"ERROR"`) {
			out = append(out, line)
		}
	}
	return out
}

// eachEngine runs fn against a server on every database engine.
func eachEngine(t *testing.T, fn func(e *env)) {
	eachEngineWith(t, nil, fn)
}

// eachEngineWith runs fn against a server on every database engine, its
// configuration the defaults changed by configure (when not nil).
func eachEngineWith(t *testing.T, configure func(*config.Config), fn func(e *env)) {
	clock := &movableClock{t: now}
	dbtest.Run(t, clock, func(t *testing.T, db *gorm.DB) {
		clock.t = now
		cfg, err := config.Load(nil)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Log.Format = "json" // the suites read the log back
		if configure != nil {
			configure(&cfg)
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
		}
		logs := &logBuffer{}
		a := app.New(cfg, db, app.Seams{Clock: clock, Logs: logs})
		docs := loadDocuments(t, a.Gateway.AdminHandler(), servedDialects(a.Gateway))
		srv := httptest.NewServer(recordAnswers(t, a.Gateway, docs))
		t.Cleanup(srv.Close)
		fn(&env{t: t, db: db, svc: a.Service, clock: clock, url: srv.URL, log: logs, gw: a.Gateway})
	})
}

// rebuild builds another app over the env's database and clock, configured
// by cfg and logging to logs: for a test that needs a server of its own.
func (e *env) rebuild(cfg config.Config, logs io.Writer) *app.App {
	return app.New(cfg, e.db, app.Seams{Clock: e.clock, Logs: logs})
}

// get sends a GET and returns the status and body.
func (e *env) get(path string) (int, []byte) {
	e.t.Helper()
	return e.do(http.MethodGet, path, "", nil)
}

// postForm sends an application/x-www-form-urlencoded POST.
func (e *env) postForm(path string, form url.Values) (int, []byte) {
	e.t.Helper()
	return e.do(http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

func (e *env) do(method, path, contentType string, body io.Reader) (int, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return res.StatusCode, b
}

func (e *env) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

// normalisers replace what must vary between runs: tokens and record ids.
var normalisers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`"access_token":"[^"]*"`), `"access_token":"<token>"`},
	{regexp.MustCompile(`"user_token":"[^"]*"`), `"user_token":"<token>"`},
	{regexp.MustCompile(`"id":"\d+"`), `"id":"<id>"`},
	{regexp.MustCompile(`"id":\d+`), `"id":<id>`},
	{regexp.MustCompile(`"(\w+_id)":\d+`), `"$1":<id>`},
	{regexp.MustCompile(`"(PK_ID|FK_\w+)":\d+`), `"$1":<id>`},
	{regexp.MustCompile(`<(PK_ID|FK_\w+)>\d+</`), `<$1><id></`},
}

// servedDialects names the dialects gw serves.
func servedDialects(gw *gateway.Server) []string {
	var names []string
	for _, d := range gw.Dialects() {
		names = append(names, d.Name)
	}
	return names
}

// golden compares got, normalised, with testdata/<name>.golden byte for byte,
// and checks the answer it came from against its OpenAPI document.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	compareGolden(t, name, got, ordinary)
}

// docExample is golden for the answer to a vendor doc's example request: the
// compatibility table counts the golden file among its endpoint's doc examples.
func docExample(t *testing.T, name string, got []byte) {
	t.Helper()
	compareGolden(t, name, got, fromDoc)
}

// clientReplay is golden for the answer to a real client's request, sent as
// that client sends it: the compatibility table names the test among its
// endpoint's client replays.
func clientReplay(t *testing.T, name string, got []byte) {
	t.Helper()
	compareGolden(t, name, got, fromClient)
}

// compareGolden is golden, recording a passing comparison of an answer to a
// doc example or a client replay for the compatibility table.
func compareGolden(t *testing.T, name string, got []byte, from provenance) {
	t.Helper()
	a, s := checkAnswer(t, name, got)
	for _, n := range normalisers {
		got = n.re.ReplaceAll(got, []byte(n.with))
	}
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to record)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s\n got: %s\nwant: %s", name, path, got, want)
		return
	}
	if s != nil && from != ordinary {
		recordReplay(t, name, s, a, from)
	}
}

// compactJSON is a doc example as the wire carries it: no white space, one trailing newline.
func compactJSON(t *testing.T, doc string) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := json.Compact(&b, []byte(doc)); err != nil {
		t.Fatal(err)
	}
	return append(b.Bytes(), '\n')
}
