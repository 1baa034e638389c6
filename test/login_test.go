package test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"crmgw/config"
)

// loginRequest is one dialect's login, as its clients send it.
type loginRequest struct {
	dialect, path string
	form          func(user, password string) url.Values
}

func loginRequests(tenantID uint64) []loginRequest {
	return []loginRequest{
		{"oa", "/oa/users/login", func(u, p string) url.Values {
			return url.Values{"tt": {"1"}, "vn": {"1.0"}, "username": {u}, "password": {p}}
		}},
		{"ikcrm", "/api/v2/auth/login", func(u, p string) url.Values {
			return url.Values{"login": {u}, "password": {p}, "device": {"open_api"}}
		}},
		{"qcy", "/WebApi/Handler/1.0/Token/Get.ashx", func(u, p string) url.Values {
			return url.Values{"format": {"json"}, "org_id": {fmt.Sprint(tenantID)}, "login_name": {u}, "password": {p}}
		}},
	}
}

// Failed logins are throttled per login name in each dialect's own 429 shape,
// with Retry-After; the window's end lets the right password in again; and an
// unknown login name is answered exactly as a wrong password is.
func TestLoginThrottleInEveryDialect(t *testing.T) {
	eachEngineWith(t, func(c *config.Config) {
		c.Login = config.Login{MaxFailures: 3, MaxFailuresPerName: 100, MaxFailuresPerAddress: 100, FailureWindow: 10 * time.Minute, MaxHashing: 2,
			RefusalDelay: 50 * time.Millisecond}
	}, func(e *env) {
		t := e.t
		tn := seedLimits(e)
		e.must(e.svc.SetPassword(context.Background(), tn.ID, "ann", "s3cret"))
		for _, l := range loginRequests(tn.ID) {
			login := func(user, password string) (*http.Response, string) {
				res, err := http.PostForm(e.url+l.path, l.form(user, password))
				e.must(err)
				defer res.Body.Close()
				b, err := io.ReadAll(res.Body)
				e.must(err)
				return res, strings.TrimSpace(string(b))
			}
			_, wrong := login("ann", "nope")
			_, unknown := login("nobody-"+l.dialect, "nope")
			if wrong != unknown {
				t.Errorf("%s: a wrong password answers %s\nan unknown name %s\nwant the same", l.dialect, wrong, unknown)
			}
			login("ann", "nope")
			login("ann", "nope") // the third failure
			res, body := login("ann", "s3cret")
			want := strings.ReplaceAll(rateLimited[l.dialect], "{path}", l.path)
			if res.StatusCode != http.StatusTooManyRequests || body != want || res.Header.Get("Retry-After") != "600" {
				t.Errorf("%s after 3 failures: HTTP %d Retry-After %q %s\nwant HTTP 429 Retry-After 600 %s", l.dialect,
					res.StatusCode, res.Header.Get("Retry-After"), body, want)
			}
			e.clock.t = e.clock.t.Add(10 * time.Minute)
			if res, body := login("ann", "s3cret"); res.StatusCode != http.StatusOK || strings.Contains(body, "10003") ||
				strings.Contains(body, "error") {
				t.Errorf("%s once the window ended: HTTP %d %s", l.dialect, res.StatusCode, body)
			}
		}
	})
}
