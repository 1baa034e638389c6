package test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"crmgw/gateway"
)

// An answer is one exchange a test server had, as the golden files' check
// against the OpenAPI documents needs it.
type answer struct {
	method, path string // the path as routed: respelt, as the WebApi's are, before routing
	routed       string // the path as echo's router read it: escaped where the request was
	status       int
	contentType  string
	body         []byte
}

// keptAnswers is how many of its latest answers a server keeps: enough for
// the few requests between an answer and its golden file.
const keptAnswers = 32

// answers keeps the latest answers of one test's server.
type answers struct {
	test string // the name of the test that runs the server
	mu   sync.Mutex
	kept []answer
	docs map[string]*openapi3.T // the server's documents, by dialect
	// router routes as the server does, to name the route an answer came
	// from; endpoints name the dialect of each "METHOD route" of its tables.
	router    *echo.Echo
	endpoints map[string]string
}

// servers are the running test servers' answers, the newest last.
var servers struct {
	mu   sync.Mutex
	list []*answers
}

// recordAnswers wraps a test server's handler to keep its answers while t runs.
func recordAnswers(t *testing.T, gw *gateway.Server, docs map[string]*openapi3.T) http.Handler {
	h := gw.Handler()
	a := &answers{test: t.Name(), docs: docs, router: echo.New(), endpoints: map[string]string{}}
	for _, r := range gw.Routes() {
		a.router.Add(r.Method, r.Path, func(echo.Context) error { return nil })
	}
	for _, d := range gw.Dialects() {
		for _, ep := range d.Endpoints {
			for _, m := range ep.Methods {
				a.endpoints[m+" "+ep.Path] = d.Name
			}
		}
	}
	servers.mu.Lock()
	servers.list = append(servers.list, a)
	servers.mu.Unlock()
	t.Cleanup(func() {
		servers.mu.Lock()
		defer servers.mu.Unlock()
		for i, s := range servers.list {
			if s == a {
				servers.list = append(servers.list[:i], servers.list[i+1:]...)
				break
			}
		}
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &recordingWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		a.mu.Lock()
		defer a.mu.Unlock()
		if len(a.kept) == keptAnswers {
			a.kept = a.kept[1:]
		}
		a.kept = append(a.kept, answer{method: r.Method, path: r.URL.Path, routed: echo.GetPath(r), status: rec.status,
			contentType: w.Header().Get("Content-Type"), body: rec.body.Bytes()})
	})
}

// recordingWriter copies what a handler writes.
type recordingWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (w *recordingWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	if w.body.Len() < 1<<20 { // golden answers are small; a bulk test's need not be kept whole
		w.body.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// endpointOf is the dialect and the route (as echo names it, the metrics'
// label) of the endpoint that gave an answer: "" for an answer no endpoint of
// the tables gave (an unknown path, a wrong method, the gateway's own).
func (s *answers) endpointOf(a answer) (dialect, route string) {
	c := s.router.NewContext(nil, nil)
	s.router.Router().Find(a.method, a.routed, c)
	dialect = s.endpoints[a.method+" "+c.Path()]
	if dialect == "" {
		return "", ""
	}
	return dialect, c.Path()
}

// answerOf finds the answer a golden file records: among the servers of t's
// test, its parent's or its subtests', the newest answer with that body,
// else (a golden file of an answer the test rewrote) the newest answer.
func answerOf(t *testing.T, body []byte) (answer, *answers, bool) {
	servers.mu.Lock()
	var related []*answers
	for _, s := range servers.list {
		if s.test == t.Name() || strings.HasPrefix(s.test, t.Name()+"/") || strings.HasPrefix(t.Name(), s.test+"/") {
			related = append(related, s)
		}
	}
	servers.mu.Unlock()
	var newest *answers
	for i := len(related) - 1; i >= 0; i-- {
		s := related[i]
		s.mu.Lock()
		kept := s.kept
		s.mu.Unlock()
		for j := len(kept) - 1; j >= 0; j-- {
			if bytes.Equal(kept[j].body, body) {
				return kept[j], s, true
			}
		}
		if newest == nil && len(kept) > 0 {
			newest = s
		}
	}
	if newest == nil {
		return answer{}, nil, false
	}
	newest.mu.Lock()
	defer newest.mu.Unlock()
	return newest.kept[len(newest.kept)-1], newest, true
}

// checkAnswer validates a golden file's answer against the OpenAPI document
// of the endpoint that gave it: its status is one the operation declares, and
// its body, when JSON, fits the schema. An answer to a route no document has
// (an unknown path, a wrong method) fits its dialect's error schema. XML
// answers are checked to be well formed by the suites that ask for them; the
// documents describe them, but not so that a validator can check them.
// It returns the answer and the server it found, nil if none answered it.
func checkAnswer(t *testing.T, name string, body []byte) (answer, *answers) {
	t.Helper()
	a, s, found := answerOf(t, body)
	if !found {
		t.Errorf("%s: no test server answered it", name)
		return answer{}, nil
	}
	if media, _, _ := mime.ParseMediaType(a.contentType); media != "application/json" {
		return a, s
	}
	if err := s.check(a); err != nil {
		t.Errorf("%s: %s %s (HTTP %d) does not fit its OpenAPI document: %v\n%s", name, a.method, a.path, a.status, err, a.body)
	}
	return a, s
}

func (s *answers) check(a answer) error {
	schema, err := s.schemaOf(a)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(a.body))
	dec.UseNumber() // numbers as sent: some fit no float64 (a custom field's 1e400)
	var v any
	if err := dec.Decode(&v); err != nil {
		return err
	}
	return schema.VisitJSON(v, openapi3.EnableJSONSchema2020(), openapi3.MultiErrors())
}

// schemaOf is the schema a's body must fit.
func (s *answers) schemaOf(a answer) (*openapi3.Schema, error) {
	var wrongMethod *openapi3.Schema
	for _, doc := range s.docs {
		for template, item := range doc.Paths.Map() {
			if !pathMatches(template, a.path) {
				continue
			}
			op := item.GetOperation(a.method)
			if op == nil { // a wrong method, unless another template (a static one beside /{id}) has it
				wrongMethod = doc.Components.Schemas["Error"].Value
				continue
			}
			res := op.Responses.Value(strconv.Itoa(a.status))
			if res == nil {
				return nil, fmt.Errorf("HTTP %d is not among the operation's responses", a.status)
			}
			return res.Value.Content.Get("application/json").Schema.Value, nil
		}
	}
	if wrongMethod != nil {
		return wrongMethod, nil
	}
	for _, doc := range s.docs { // a path no route has: the error of the dialect its first segment names
		for template := range doc.Paths.Map() {
			if firstSegment(template) == firstSegment(a.path) {
				return doc.Components.Schemas["Error"].Value, nil
			}
		}
	}
	return nil, fmt.Errorf("no document has %s", a.path)
}

// pathMatches reports whether path is an instance of an OpenAPI path template.
func pathMatches(template, path string) bool {
	want, got := strings.Split(template, "/"), strings.Split(path, "/")
	if len(want) != len(got) {
		return false
	}
	for i, seg := range want {
		if seg != got[i] && !(strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") && got[i] != "") {
			return false
		}
	}
	return true
}

func firstSegment(path string) string {
	seg, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	return seg
}

// loadDocuments fetches each enabled dialect's document from an admin
// handler and validates it as an OpenAPI 3.1 validator does.
func loadDocuments(t *testing.T, admin http.Handler, dialects []string) map[string]*openapi3.T {
	t.Helper()
	docs := map[string]*openapi3.T{}
	for _, d := range dialects {
		rec := httptest.NewRecorder()
		admin.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/openapi/"+d+".json", nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("/openapi/%s.json: HTTP %d %s", d, rec.Code, rec.Body)
		}
		// Most servers serve the same documents: each is loaded and
		// validated once (the suites run one test at a time).
		if doc, seen := loadedDocuments[rec.Body.String()]; seen {
			docs[d] = doc
			continue
		}
		doc, err := openapi3.NewLoader().LoadFromData(rec.Body.Bytes())
		if err != nil {
			t.Fatalf("/openapi/%s.json does not load: %v", d, err)
		}
		if err := doc.Validate(context.Background()); err != nil {
			t.Fatalf("/openapi/%s.json is not valid OpenAPI: %v", d, err)
		}
		loadedDocuments[rec.Body.String()] = doc
		docs[d] = doc
	}
	return docs
}

// loadedDocuments are the documents loaded so far, by their text.
var loadedDocuments = map[string]*openapi3.T{}
