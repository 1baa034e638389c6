package test

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"testing"

	"github.com/labstack/echo/v4"

	"crmgw/config"
)

// The admin listener serves each enabled dialect's OpenAPI 3.1 document, which
// validates (eachEngine loads and validates them for every suite), and every
// route the router serves is in exactly one of them with its method, and
// nothing else is: the gateway's own /healthz and /readyz are in none.
func TestOpenAPIDocumentsHoldEveryRoute(t *testing.T) {
	eachEngine(t, func(e *env) {
		t := e.t
		docs := loadDocuments(t, e.gw.AdminHandler(), dialectOrder)
		for name, doc := range docs {
			if doc.OpenAPI != "3.1.0" {
				t.Errorf("%s: openapi %q, want 3.1.0", name, doc.OpenAPI)
			}
		}
		echoParam := regexp.MustCompile(`:(\w+)`)
		routes := map[string]bool{}
		for _, r := range e.gw.Routes() {
			if r.Method == echo.RouteNotFound || r.Path == "/healthz" || r.Path == "/readyz" {
				continue
			}
			key := r.Method + " " + echoParam.ReplaceAllString(r.Path, "{$1}")
			routes[key] = true
			var in []string
			for name, doc := range docs {
				if item := doc.Paths.Value(echoParam.ReplaceAllString(r.Path, "{$1}")); item != nil && item.GetOperation(r.Method) != nil {
					in = append(in, name)
				}
			}
			if len(in) != 1 {
				t.Errorf("%s is in the documents %v, want one", key, in)
			}
		}
		for name, doc := range docs {
			for path, item := range doc.Paths.Map() {
				for method := range item.Operations() {
					if !routes[method+" "+path] {
						t.Errorf("%s's document has %s %s, which is not served", name, method, path)
					}
				}
			}
		}
		if len(routes) == 0 {
			t.Fatal("no routes")
		}
		for _, path := range []string{"/openapi/nowhere.json", "/openapi/oa"} {
			rec := httptest.NewRecorder()
			e.gw.AdminHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			if rec.Code != http.StatusNotFound {
				t.Errorf("%s: HTTP %d, want 404", path, rec.Code)
			}
		}
	})
}

// A disabled dialect has no document.
func TestOpenAPIOnlyForEnabledDialects(t *testing.T) {
	eachEngineWith(t, func(c *config.Config) {
		oa := c.Dialects["oa"]
		oa.Enabled = false
		c.Dialects["oa"] = oa
	}, func(e *env) {
		rec := httptest.NewRecorder()
		e.gw.AdminHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/openapi/oa.json", nil))
		if rec.Code != http.StatusNotFound {
			e.t.Errorf("/openapi/oa.json with the OA disabled: HTTP %d, want 404", rec.Code)
		}
		loadDocuments(e.t, e.gw.AdminHandler(), []string{"qcy", "ikcrm", "yunzmall"})
	})
}
