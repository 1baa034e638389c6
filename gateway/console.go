package gateway

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"crmgw/core"
)

// The console's pages and stylesheet, embedded: the console needs no file
// beside the binary and nothing from a network.
//
//go:embed console
var consoleFiles embed.FS

const (
	// consoleSessionTTL bounds a console session: past it, the operator
	// logs in again, whatever the browser kept.
	consoleSessionTTL = 8 * time.Hour
	// sessionCookie holds the session's id; loginCookie, before there is a
	// session, the secret the login form's CSRF token is made from.
	sessionCookie = "crmgw_console"
	loginCookie   = "crmgw_console_login"
	loginFormTTL  = time.Hour
	consolePath   = "/console/"
	// consoleBodyBytes bounds a console form: a token, an id, a CSRF token.
	consoleBodyBytes = "16K"
)

// console is the operator's console on the admin listener.
type console struct {
	s     *Server
	pages map[string]*template.Template
	css   []byte
}

// pageData is what every page's template gets: the layout's part, and the
// page's own in Data.
type pageData struct {
	Title, Nav string
	CSRF       string // for the forms of the page; "" on the login page's layout
	Who        core.AdminTokenInfo
	Flash      string
	Data       any
}

// consolePages are the page templates, each rendered inside layout.html
// with the parts (parts.html) pages share.
var consolePages = []string{"login", "error", "overview", "tenants", "tokens", "traffic", "diff", "field", "imports", "compat"}

func newConsole(s *Server) *console {
	funcs := template.FuncMap{
		"time": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05 UTC") },
		"timep": func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return t.UTC().Format("2006-01-02 15:04:05 UTC")
		},
	}
	c := &console{s: s, pages: map[string]*template.Template{}}
	for _, p := range consolePages {
		c.pages[p] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(consoleFiles, "console/layout.html", "console/parts.html", "console/"+p+".html"))
	}
	css, err := fs.ReadFile(consoleFiles, "console/console.css")
	if err != nil {
		panic(err) // embedded above: missing only if the build is broken
	}
	c.css = css
	return c
}

// mountConsole serves the console under /console/ on the admin listener a.
// Every page but the login page needs a session; every form that changes
// anything carries a CSRF token made from the session's (or, for the login
// form, the login cookie's) secret, which another site can neither read nor
// make.
func (s *Server) mountConsole(a *echo.Echo) {
	c := newConsole(s)
	g := a.Group("/console", c.headers, middleware.BodyLimit(consoleBodyBytes))
	a.GET("/console", func(ec echo.Context) error { return ec.Redirect(http.StatusMovedPermanently, consolePath) })
	g.GET("/console.css", func(ec echo.Context) error { return ec.Blob(http.StatusOK, "text/css; charset=utf-8", c.css) })
	g.GET("/login", c.loginPage)
	g.POST("/login", c.login)
	g.POST("/logout", c.logout, c.session)
	g.GET("/", c.overview, c.session)
	g.GET("/tenants", c.tenants, c.session)
	g.GET("/tenants/:tenant/tokens", c.tokens, c.session)
	g.POST("/tenants/:tenant/tokens/:token/revoke", c.revoke, c.session)
	g.GET("/traffic", c.traffic, c.session)
	g.GET("/diff", c.diff, c.session)
	g.GET("/diff/field", c.field, c.session)
	g.GET("/compat", c.compat, c.session)
	g.GET("/imports", c.imports, c.session)
	// Any other path is not found, and says so only to a session.
	g.Any("/*", func(ec echo.Context) error { return c.fail(ec, core.NotFoundf("page", "There is no such page.")) }, c.session)
}

// headers keep the console's pages to themselves: no script, frame, or
// resource from anywhere, nothing cached, no referrer carried off.
func (c *console) headers(next echo.HandlerFunc) echo.HandlerFunc {
	return func(ec echo.Context) error {
		h := ec.Response().Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		return next(ec)
	}
}

// Keys of the echo context the session middleware fills.
const (
	ctxSession = "console.session"
	ctxWho     = "console.who"
)

// session lets a request with a live session through, refusing a form sent
// without the session's CSRF token; any other goes to the login page.
func (c *console) session(next echo.HandlerFunc) echo.HandlerFunc {
	return func(ec echo.Context) error {
		ck, err := ec.Cookie(sessionCookie)
		if err != nil {
			return ec.Redirect(http.StatusSeeOther, consolePath+"login")
		}
		who, err := c.s.svc.AdminSessionToken(ec.Request().Context(), ck.Value)
		switch {
		case core.ErrorCode(err) == core.EUNAUTHORIZED:
			clearCookie(ec, sessionCookie)
			return ec.Redirect(http.StatusSeeOther, consolePath+"login")
		case err != nil:
			return c.fail(ec, err)
		}
		if ec.Request().Method == http.MethodPost && !validCSRF(ec.FormValue("csrf"), ck.Value) {
			return c.render(ec, http.StatusForbidden, "error", pageData{Title: "Refused",
				Data: "The form carried no valid CSRF token: nothing was changed. Reload the page and try again."})
		}
		ec.Set(ctxSession, ck.Value)
		ec.Set(ctxWho, who)
		return next(ec)
	}
}

// csrfFor is the CSRF token of the forms of a session (or login form) whose
// secret is secret: an HMAC of it, so that the token in a page tells nothing
// of the cookie, and no other site can make one.
func csrfFor(secret string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("crmgw console form"))
	return hex.EncodeToString(m.Sum(nil))
}

func validCSRF(token, secret string) bool {
	return token != "" && secret != "" && hmac.Equal([]byte(token), []byte(csrfFor(secret)))
}

// newSecret is 32 random bytes, as a cookie carries them.
func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// setCookie sets a console cookie: HttpOnly, SameSite=Strict, for the
// console's paths only, and Secure when the console is reached over TLS,
// its own or that of a trusted proxy in front (X-Forwarded-Proto).
func setCookie(ec echo.Context, name, value string, ttl time.Duration) {
	ec.SetCookie(&http.Cookie{Name: name, Value: value, Path: consolePath, MaxAge: int(ttl.Seconds()),
		Expires: time.Now().Add(ttl), HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: ec.Scheme() == "https"})
}

func clearCookie(ec echo.Context, name string) {
	ec.SetCookie(&http.Cookie{Name: name, Path: consolePath, MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: ec.Scheme() == "https"})
}

// loginPage shows the login form, or the overview to a live session.
func (c *console) loginPage(ec echo.Context) error {
	if ck, err := ec.Cookie(sessionCookie); err == nil {
		if _, err := c.s.svc.AdminSessionToken(ec.Request().Context(), ck.Value); err == nil {
			return ec.Redirect(http.StatusSeeOther, consolePath)
		}
	}
	return c.loginForm(ec, http.StatusOK, "")
}

// loginForm renders the login form with a fresh login secret.
func (c *console) loginForm(ec echo.Context, status int, flash string) error {
	secret := newSecret()
	setCookie(ec, loginCookie, secret, loginFormTTL)
	return c.render(ec, status, "login", pageData{Title: "Log in", Flash: flash, Data: csrfFor(secret)})
}

// login checks the admin token posted and opens a session. The address the
// throttle counts is the peer's: the admin listener trusts no forwarding header.
func (c *console) login(ec echo.Context) error {
	ck, err := ec.Cookie(loginCookie)
	if err != nil || !validCSRF(ec.FormValue("csrf"), ck.Value) {
		return c.loginForm(ec, http.StatusForbidden, "The login form had expired: log in again.")
	}
	r := ec.Request()
	session, err := c.s.svc.AdminLogin(r.Context(), ec.FormValue("token"), echo.ExtractIPDirect()(r), consoleSessionTTL)
	switch e := core.AsError(err); {
	case err == nil:
	case e.Code == core.EUNAUTHORIZED:
		return c.loginForm(ec, http.StatusUnauthorized, "That is not an admin token (crmgw admin token add makes one).")
	case e.Code == core.ELIMITED:
		ec.Response().Header().Set("Retry-After", strconv.Itoa(int(e.RetryAfter.Seconds())+1))
		return c.loginForm(ec, http.StatusTooManyRequests, "Too many failed logins from here: try again in "+e.RetryAfter.Round(time.Second).String()+".")
	default:
		return c.fail(ec, err)
	}
	clearCookie(ec, loginCookie)
	setCookie(ec, sessionCookie, session, consoleSessionTTL)
	return ec.Redirect(http.StatusSeeOther, consolePath)
}

func (c *console) logout(ec echo.Context) error {
	if err := c.s.svc.AdminLogout(ec.Request().Context(), ec.Get(ctxSession).(string)); err != nil {
		return c.fail(ec, err)
	}
	clearCookie(ec, sessionCookie)
	return ec.Redirect(http.StatusSeeOther, consolePath+"login")
}

// render writes page with the layout; a page of a session gets its CSRF token.
func (c *console) render(ec echo.Context, status int, page string, d pageData) error {
	if sess, ok := ec.Get(ctxSession).(string); ok {
		d.CSRF = csrfFor(sess)
		d.Who, _ = ec.Get(ctxWho).(core.AdminTokenInfo)
	}
	if d.Nav == "" {
		d.Nav = page
	}
	var b bytes.Buffer
	if err := c.pages[page].Execute(&b, d); err != nil {
		return err
	}
	return ec.HTMLBlob(status, b.Bytes())
}

// fail answers an error as a page: core's not found as 404, anything else
// logged and shown as an internal error, its detail in the log only.
func (c *console) fail(ec echo.Context, err error) error {
	if core.ErrorCode(err) == core.ENOTFOUND {
		return c.render(ec, http.StatusNotFound, "error", pageData{Title: "Not found", Data: core.AsError(err).Message})
	}
	c.s.log.Error("console", "path", ec.Path(), "error", err)
	return c.render(ec, http.StatusInternalServerError, "error", pageData{Title: "Internal error",
		Data: "Something went wrong; the server's log has the detail."})
}

// idParam is a path parameter holding a record's id; bad digits are a 404 page.
func (c *console) idParam(ec echo.Context, name string) (uint64, error) {
	id, err := core.ParseID(ec.Param(name))
	if err != nil || id == 0 {
		return 0, core.NotFoundf(name, "no %s %q", name, core.Excerpt(ec.Param(name)))
	}
	return id, nil
}

// tenant is the tenant of the path's :tenant.
func (c *console) tenant(ec echo.Context) (core.Tenant, error) {
	id, err := c.idParam(ec, "tenant")
	if err != nil {
		return core.Tenant{}, err
	}
	ts, err := c.s.svc.Tenants(ec.Request().Context())
	if err != nil {
		return core.Tenant{}, err
	}
	for _, t := range ts {
		if t.ID == id {
			return t, nil
		}
	}
	return core.Tenant{}, core.NotFoundf("tenant", "no tenant %d", id)
}
