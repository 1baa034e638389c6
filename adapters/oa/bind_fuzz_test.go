package oa

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
)

// FuzzBind: no query string or body (form-encoded, multipart, or anything a
// client may send) panics the parameter binding, every refusal is one of the
// OA's own status errors, and what is bound keeps the binders' promises.
func FuzzBind(f *testing.F) {
	for _, seed := range []struct{ method, contentType, query, body string }{
		// The doc's examples.
		{http.MethodPost, echo.MIMEApplicationForm, "", "tt=1&vn=1.0&username=ann&password=secret"},
		{http.MethodPost, echo.MIMEApplicationForm, "access_token=ZDY3ZjliMDktMjZjZC00NWVhLWFiNGEtMjgxNTkzMGU0YmY2", "yearmonth=2015-09&targetamount=123456&tt=1&vn=1.0"},
		{http.MethodGet, "", "access_token=ZDY3&year=2015&month=10&flag=0&ids=12,15&page=0&size=20&tt=1&vn=1.0", ""},
		// Malformed values the handlers must refuse cleanly.
		{http.MethodGet, "", "ids=12,,x&page=-1&size=1e3&flag=%zz", ""},
		{http.MethodGet, "", "ids=%2C&year=99999999999999999999", ""},
		{http.MethodPost, echo.MIMEApplicationForm, "username=q", "username=%20&password=a%00b&ids=0"},
		{http.MethodPost, "multipart/form-data; boundary=X", "", "--X\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nann\r\n--X\r\nContent-Disposition: form-data; name=\"ids\"\r\n\r\n1, 2\r\n--X--\r\n"},
		{http.MethodPost, "multipart/form-data; boundary=X", "", "--X\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\"\r\n\r\n"},
		{http.MethodPost, echo.MIMEApplicationJSON, "", `{"username":"ann","ids":[1]}`},
	} {
		f.Add(seed.method, seed.contentType, seed.query, seed.body)
	}
	e := echo.New()
	f.Fuzz(func(t *testing.T, method, contentType, query, body string) {
		if method != http.MethodGet {
			method = http.MethodPost
		}
		req := httptest.NewRequest(method, "/oa/crm/contracts/count", strings.NewReader(body))
		req.URL.RawQuery = query
		req.Header.Set(echo.HeaderContentType, contentType)
		c := e.NewContext(req, httptest.NewRecorder())
		check := func(what string, err error, codes ...string) {
			t.Helper()
			if err == nil {
				return
			}
			var oe *oaError
			if !errors.As(err, &oe) {
				t.Fatalf("%s %q %q %q: %s: an error not in the OA's shape: %T %v", method, contentType, query, body, what, err, err)
			}
			if oe.status != http.StatusOK || statusMsg[oe.code] == "" {
				t.Fatalf("%s: answered HTTP %d with code %q", what, oe.status, oe.code)
			}
			for _, code := range codes {
				if oe.code == code {
					return
				}
			}
			t.Fatalf("%s: code %s, want one of %v", what, oe.code, codes)
		}
		p := bind(c)
		for _, name := range []string{"username", "password", "yearmonth", "targetamount"} {
			v, err := p.required(name)
			check(name, err, codeRequired)
			if err == nil && (v == "" || v != strings.TrimSpace(v)) {
				t.Fatalf("required %s bound %q", name, v)
			}
		}
		for _, name := range []string{"year", "month", "flag", "page", "size"} {
			n, err := p.optionalInt(name, -7)
			check(name, err, codeType)
			v := strings.TrimSpace(p.form.Get(name))
			if want, _ := strconv.Atoi(v); err == nil && v != "" && n != want {
				t.Fatalf("%s %q bound as %d", name, v, n)
			}
			if err == nil && v == "" && n != -7 {
				t.Fatalf("%s absent bound as %d, not the default", name, n)
			}
		}
		ids, err := p.idList("ids")
		check("ids", err, codeType)
		for _, id := range ids {
			if id == 0 {
				t.Fatalf("ids %q bound a zero id: %v", p.form.Get("ids"), ids)
			}
		}
	})
}
