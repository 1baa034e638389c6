package gateway_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"crmgw/config"
	"crmgw/core"
	"crmgw/core/dbtest"
	"crmgw/gateway"
)

// browser is a client of the console with a cookie jar, that does not follow
// redirects, so that each answer is seen as it is.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: base, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(method, b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return res, string(body)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`)

// csrf is the CSRF token of the page at path.
// page GETs path, which must answer 200 holding each of want; it returns the body.
func (b *browser) page(t *testing.T, path string, want ...string) string {
	t.Helper()
	res, body := b.do(http.MethodGet, path, nil)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d\n%s", path, res.StatusCode, body)
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("GET %s holds no %q", path, w)
		}
	}
	return body
}

func (b *browser) csrf(path string) string {
	b.t.Helper()
	res, body := b.do(http.MethodGet, path, nil)
	m := csrfField.FindStringSubmatch(body)
	if res.StatusCode != http.StatusOK || m == nil {
		b.t.Fatalf("%s: HTTP %d, no CSRF token:\n%s", path, res.StatusCode, body)
	}
	return m[1]
}

// login logs in with token and returns the answer to the form.
func (b *browser) login(token string) *http.Response {
	b.t.Helper()
	res, _ := b.do(http.MethodPost, "/console/login", url.Values{"csrf": {b.csrf("/console/login")}, "token": {token}})
	return res
}

// consoleEnv is a gateway with an admin token, and two tenants with a token each.
type consoleEnv struct {
	svc          *core.Service
	gw           *gateway.Server
	admin        string
	a, b         core.Tenant
	aTok, bTok   string
	aTokID, bTID uint64
}

func newConsoleEnv(t *testing.T, db *gorm.DB) consoleEnv {
	t.Helper()
	cfg, err := config.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	svc := core.NewService(db, core.Options{})
	e := consoleEnv{svc: svc, gw: gateway.New(cfg, svc, slog.New(slog.DiscardHandler))}
	e.admin, _, err = svc.AddAdminToken(ctx, "ops", "")
	if err != nil {
		t.Fatal(err)
	}
	tenant := func(name, token string) (core.Tenant, uint64) {
		tn, err := svc.EnsureTenant(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		u, err := svc.EnsureUser(ctx, tn.ID, "ann", 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.RegisterToken(ctx, tn.ID, u.ID, token); err != nil {
			t.Fatal(err)
		}
		list, err := svc.ListTokens(ctx, tn.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("tokens of %s: %v %v", name, list, err)
		}
		return tn, list[0].ID
	}
	e.aTok, e.bTok = "tenant-a-secret-token", "tenant-b-secret-token"
	e.a, e.aTokID = tenant("acme", e.aTok)
	e.b, e.bTID = tenant("other", e.bTok)
	return e
}

// consolePaths are the pages behind the login.
var consolePaths = []string{"/console/", "/console/tenants", "/console/tenants/1/tokens", "/console/traffic", "/console/imports",
	"/console/diff", "/console/diff/field?dialect=oa&endpoint=/oa/crm/home&path=status", "/console/compat", "/console/nothing"}

// No page but the login page (and its stylesheet) answers without a
// session; a form without the session's CSRF token changes nothing.
func TestConsoleNeedsALoginAndCSRF(t *testing.T) {
	dbtest.Run(t, core.SystemClock{}, func(t *testing.T, db *gorm.DB) {
		e := newConsoleEnv(t, db)
		srv := httptest.NewServer(e.gw.AdminHandler())
		defer srv.Close()
		b := newBrowser(t, srv.URL)

		for _, p := range consolePaths {
			if res, body := b.do(http.MethodGet, p, nil); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/login" || strings.Contains(body, "acme") {
				t.Errorf("GET %s without a session: HTTP %d to %q", p, res.StatusCode, res.Header.Get("Location"))
			}
		}
		revoke := "/console/tenants/" + strconv.FormatUint(e.a.ID, 10) + "/tokens/" + strconv.FormatUint(e.aTokID, 10) + "/revoke"
		if res, _ := b.do(http.MethodPost, revoke, nil); res.StatusCode != http.StatusSeeOther {
			t.Errorf("a revoke without a session: HTTP %d", res.StatusCode)
		}
		if res, _ := b.do(http.MethodGet, "/console/console.css", nil); res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") {
			t.Errorf("the stylesheet: HTTP %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
		res, _ := b.do(http.MethodGet, "/console/login", nil)
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("the login page's headers: %v", res.Header)
		}

		// The login form without its CSRF token, with a wrong token, then right.
		if res, _ := b.do(http.MethodPost, "/console/login", url.Values{"token": {e.admin}}); res.StatusCode != http.StatusForbidden || hasCookie(res, "crmgw_console") {
			t.Errorf("a login without the form's CSRF token: HTTP %d", res.StatusCode)
		}
		if res := b.login("not-the-admin-token"); res.StatusCode != http.StatusUnauthorized || hasCookie(res, "crmgw_console") {
			t.Errorf("a login with a wrong token: HTTP %d", res.StatusCode)
		}
		if res := b.login(e.aTok); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("a login with a tenant's API token: HTTP %d", res.StatusCode)
		}
		res = b.login(e.admin)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/" {
			t.Fatalf("a login: HTTP %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		var session *http.Cookie
		for _, c := range res.Cookies() {
			if c.Name == "crmgw_console" {
				session = c
			}
		}
		if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode || session.MaxAge <= 0 || session.MaxAge > 24*3600 || session.Path != "/console/" || session.Secure {
			t.Fatalf("the session cookie over plain HTTP: %+v", session)
		}
		// Behind a trusted proxy that ends TLS, the cookies are Secure; an
		// untrusted peer's X-Forwarded-Proto is not believed.
		cfg, err := config.Load(nil)
		if err != nil {
			t.Fatal(err)
		}
		cfg.TrustedProxies = []string{"192.0.2.0/24"} // httptest's peer
		for _, tc := range []struct {
			gw     *gateway.Server
			secure bool
		}{{gateway.New(cfg, e.svc, slog.New(slog.DiscardHandler)), true}, {e.gw, false}} {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/console/login", nil)
			req.Header.Set("X-Forwarded-Proto", "https")
			tc.gw.AdminHandler().ServeHTTP(rec, req)
			if cookies := rec.Result().Cookies(); len(cookies) != 1 || cookies[0].Secure != tc.secure {
				t.Errorf("the login form's cookie, X-Forwarded-Proto https, proxy trusted %v: %+v, want Secure %v", tc.secure, cookies, tc.secure)
			}
		}

		// Forms without the session's token, or with another's, change nothing.
		for _, form := range []url.Values{nil, {"csrf": {strings.Repeat("0", 64)}}} {
			if res, _ := b.do(http.MethodPost, revoke, form); res.StatusCode != http.StatusForbidden {
				t.Errorf("a revoke with CSRF %v: HTTP %d, want 403", form, res.StatusCode)
			}
		}
		if _, err := e.svc.Authenticate(context.Background(), e.aTok); err != nil {
			t.Fatalf("the token after refused revokes: %v", err)
		}

		// Logging out ends the session, whatever the browser keeps.
		csrf := b.csrf("/console/")
		if res, _ := b.do(http.MethodPost, "/console/logout", url.Values{"csrf": {csrf}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("logout: HTTP %d", res.StatusCode)
		}
		kept := newBrowser(t, srv.URL)
		u, _ := url.Parse(srv.URL + "/console/")
		kept.c.Jar.SetCookies(u, []*http.Cookie{{Name: "crmgw_console", Value: session.Value}})
		if res, _ := kept.do(http.MethodGet, "/console/", nil); res.StatusCode != http.StatusSeeOther {
			t.Errorf("the session's cookie after logout: HTTP %d", res.StatusCode)
		}
	})
}

func hasCookie(res *http.Response, name string) bool {
	for _, c := range res.Cookies() {
		if c.Name == name && c.MaxAge >= 0 && c.Value != "" {
			return true
		}
	}
	return false
}

// Every page renders with a session; a token is revoked by its id within its
// tenant only; no token's value is ever rendered; the traffic page counts an
// answer with an error wire code as an error.
func TestConsolePagesAndRevoke(t *testing.T) {
	dbtest.Run(t, core.SystemClock{}, func(t *testing.T, db *gorm.DB) {
		e := newConsoleEnv(t, db)
		ctx := context.Background()
		run, err := e.svc.StartImportRun(ctx, e.a.ID, "qcy", true)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.FinishImportRun(ctx, run, []core.ImportCount{{Kind: core.ImportCustomer, ImportStats: core.ImportStats{Read: 7, Written: 7}}}, ""); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"access_token=" + e.aTok, "access_token=wrong"} {
			rec := httptest.NewRecorder()
			e.gw.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/oa/crm/home?"+q, nil))
		}
		srv := httptest.NewServer(e.gw.AdminHandler())
		defer srv.Close()
		b := newBrowser(t, srv.URL)
		if res := b.login(e.admin); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: HTTP %d", res.StatusCode)
		}

		secrets := []string{e.admin, e.aTok, e.bTok}
		page := func(path string, want ...string) string {
			t.Helper()
			body := b.page(t, path, want...)
			for _, s := range secrets {
				if strings.Contains(body, s) {
					t.Errorf("GET %s shows a token's value", path)
				}
			}
			return body
		}
		page("/console/", "2</span> tenants", "qcy")
		page("/console/tenants", "acme", "other", `/console/tenants/`+strconv.FormatUint(e.b.ID, 10)+`/tokens`)
		aTokens := "/console/tenants/" + strconv.FormatUint(e.a.ID, 10) + "/tokens"
		page(aTokens, `id="token-`+strconv.FormatUint(e.aTokID, 10)+`"`, "registered")
		page("/console/traffic", `<code>/oa/crm/home</code></td><td class="num">2</td><td class="num">1</td>`)
		page("/console/imports", "acme", "dry run", "customer: 7 / 7 / 0 / 0")

		csrf := b.csrf(aTokens)
		// Tenant b's token through tenant a's path: not found, and kept.
		other := aTokens + "/" + strconv.FormatUint(e.bTID, 10) + "/revoke"
		if res, _ := b.do(http.MethodPost, other, url.Values{"csrf": {csrf}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("revoking b's token under a: HTTP %d, want 404", res.StatusCode)
		}
		if _, err := e.svc.Authenticate(ctx, e.bTok); err != nil {
			t.Fatalf("b's token after a revoke under a: %v", err)
		}
		for _, bad := range []string{aTokens + "/x/revoke", "/console/tenants/987654/tokens/1/revoke"} {
			if res, _ := b.do(http.MethodPost, bad, url.Values{"csrf": {csrf}}); res.StatusCode != http.StatusNotFound {
				t.Errorf("POST %s: HTTP %d, want 404", bad, res.StatusCode)
			}
		}
		res, _ := b.do(http.MethodPost, aTokens+"/"+strconv.FormatUint(e.aTokID, 10)+"/revoke", url.Values{"csrf": {csrf}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("the revoke: HTTP %d", res.StatusCode)
		}
		if _, err := e.svc.Authenticate(ctx, e.aTok); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Fatalf("a's token after its revoke: %v", err)
		}
		body := page(res.Header.Get("Location"), "revoked")
		if strings.Contains(body, `id="token-`) {
			t.Errorf("the revoked token is still listed")
		}
		if _, err := e.svc.Authenticate(ctx, e.bTok); err != nil {
			t.Fatalf("b's token after a's revoke: %v", err)
		}
	})
}

// The diff report shows each endpoint's counts and its differing fields,
// each linking to its examples; the compatibility table joins them to its
// endpoint; values are shown as text, never as markup.
func TestConsoleDiffReport(t *testing.T) {
	dbtest.Run(t, core.SystemClock{}, func(t *testing.T, db *gorm.DB) {
		e := newConsoleEnv(t, db)
		ctx := context.Background()
		at := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
		for i, c := range []core.Comparison{
			{Result: core.MirrorIdentical},
			{Result: core.MirrorDifferent, Diffs: []core.FieldDiff{{Path: "data.monthdeal", Upstream: "214000.5", Local: `"<script>x</script>"`}}},
			{Result: core.MirrorDifferent, Diffs: []core.FieldDiff{{Path: "data.monthdeal", Upstream: "214000.5", Local: "214001.5"}}},
			{Result: core.MirrorError, Error: "upstream status 502"},
		} {
			c.Dialect, c.Endpoint, c.At = "oa", "/oa/crm/home", at.Add(time.Duration(i)*time.Second)
			if err := e.svc.RecordComparison(ctx, c, 10); err != nil {
				t.Fatal(err)
			}
		}
		srv := httptest.NewServer(e.gw.AdminHandler())
		defer srv.Close()
		b := newBrowser(t, srv.URL)
		if res := b.login(e.admin); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: HTTP %d", res.StatusCode)
		}
		page := func(path string, want ...string) string {
			t.Helper()
			body := b.page(t, path, want...)
			if strings.Contains(body, "<script>") {
				t.Errorf("GET %s renders a value as markup", path)
			}
			return body
		}
		page("/console/", "4</span> answers compared", "2</span> different", "1</span> comparisons failed")
		field := "/console/diff/field?dialect=oa&amp;endpoint=%2foa%2fcrm%2fhome&amp;path=data.monthdeal"
		page("/console/diff", "compared 4", "identical 1", "different 2", "errors 1", "Last error: upstream status 502",
			field, `<td class="num">2</td>`, "214001.5")
		page("/console/diff?dialect=ikcrm", "Nothing compared yet")
		page("/console/diff/field?dialect=oa&endpoint=/oa/crm/home&path=data.monthdeal",
			"214001.5", "&#34;&lt;script&gt;x&lt;/script&gt;&#34;", "2026-12-01 08:00:02 UTC", "2026-12-01 08:00:01 UTC")
		if res, _ := b.do(http.MethodGet, "/console/diff/field?dialect=oa", nil); res.StatusCode != http.StatusNotFound {
			t.Errorf("a field's examples without its endpoint and path: HTTP %d, want 404", res.StatusCode)
		}
		compat := page("/console/compat", "<code>/oa/crm/home</code>", "4 compared", "2 different", "1 errors", "not compared")
		if n := strings.Count(compat, "<tr"); n < len(gateway.Compatibility()) {
			t.Errorf("the compatibility table has %d rows, want one for each of the %d endpoints", n, len(gateway.Compatibility()))
		}
	})
}

// Failed console logins are throttled: past login.max_failures from one
// address, even the admin token is refused with 429 and no session.
func TestConsoleLoginThrottle(t *testing.T) {
	dbtest.Run(t, core.SystemClock{}, func(t *testing.T, db *gorm.DB) {
		e := newConsoleEnv(t, db)
		srv := httptest.NewServer(e.gw.AdminHandler())
		defer srv.Close()
		b := newBrowser(t, srv.URL)
		for i := range core.DefaultLoginMaxFailures {
			if res := b.login("guess"); res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("guess %d: HTTP %d", i+1, res.StatusCode)
			}
		}
		res := b.login(e.admin)
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" || hasCookie(res, "crmgw_console") {
			t.Fatalf("the admin token after %d guesses: HTTP %d, Retry-After %q", core.DefaultLoginMaxFailures, res.StatusCode, res.Header.Get("Retry-After"))
		}
	})
}
