package test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"crmgw/config"
)

// yzAnswer is one answer: its status, its session cookie ("" for none) and body.
type yzAnswer struct {
	status int
	cookie *http.Cookie
	body   string
}

// yzSend makes a request as the framework's front end does and reads the answer.
func (e *env) yzSend(method, path, contentType, body string, cookies ...*http.Cookie) yzAnswer {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	e.must(err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	res, err := http.DefaultClient.Do(req)
	e.must(err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	e.must(err)
	a := yzAnswer{status: res.StatusCode, body: string(b)}
	for _, c := range res.Cookies() {
		if c.Name == "laravel_session" {
			a.cookie = c
		}
	}
	return a
}

// yzStatsBy reads the statistics with the given credentials (a query, cookies) and
// reports whether they were accepted: the envelope's result is 1.
func (e *env) yzStatsBy(tenantID uint64, query string, cookies ...*http.Cookie) bool {
	e.t.Helper()
	a := e.yzSend(http.MethodPost, yzPath(tenantID)+query, "application/x-www-form-urlencoded", "page=1", cookies...)
	return a.status == http.StatusOK && strings.HasPrefix(a.body, `{"result":1,"msg":"ok","data":{"current_page":1,`)
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// The admin SPA's login, replayed as its login page sends it: the page's
// settings by GET, then a JSON POST with the password in base64; the session
// cookie it gets back reads the statistics.
func TestYunzmallAdminLogin(t *testing.T) {
	eachEngine(t, func(e *env) {
		tn := seedLimits(e)
		e.must(e.svc.SetPassword(context.Background(), tn.ID, "ann", "s3cret"))

		site := e.yzSend(http.MethodGet, "/admin/login/site", "application/json", "")
		if site.status != http.StatusOK {
			t.Errorf("site: HTTP %d", site.status)
		}
		clientReplay(t, "yunzmall/admin_login_site", []byte(site.body))

		form := func(user, password string) string {
			return fmt.Sprintf(`{"username":%q,"password":%q,"captcha":"","mobile":"","code":"","remember":0}`, user, password)
		}
		in := e.yzSend(http.MethodPost, "/admin/login", "application/json", form("ann", b64("s3cret")))
		clientReplay(t, "yunzmall/admin_login", []byte(in.body))
		c := in.cookie
		if in.status != http.StatusOK || c == nil || c.Value == "" || !c.HttpOnly || c.Path != "/" || c.SameSite != http.SameSiteLaxMode ||
			c.MaxAge != int((7*24*time.Hour).Seconds()) {
			t.Fatalf("login: HTTP %d, cookie %+v", in.status, c)
		}
		if !e.yzStatsBy(tn.ID, "", &http.Cookie{Name: "laravel_session", Value: c.Value}) {
			t.Errorf("the session cookie does not read the statistics")
		}
		if e.yzStatsBy(tn.ID, "", &http.Cookie{Name: "yz_token", Value: c.Value}) {
			t.Errorf("a yz_token cookie reads the statistics: the framework never reads one")
		}

		wrong := `{"result":0,"msg":"用户名或密码错误","data":[]}` + "\n"
		for name, body := range map[string]string{
			"wrong password":          form("ann", b64("nope")),
			"unknown user":            form("nobody", b64("s3cret")),
			"password not in base64":  form("ann", "s3cret!"),
			"password sent unencoded": form("ann", "s3cret"),
		} {
			if a := e.yzSend(http.MethodPost, "/admin/login", "application/json", body); a.status != http.StatusOK || a.body != wrong || a.cookie != nil {
				t.Errorf("%s: HTTP %d %s cookie %v, want %s", name, a.status, a.body, a.cookie, wrong)
			}
		}
		// The padding may be left off; a form body is read as the JSON one.
		if a := e.yzSend(http.MethodPost, "/admin/login", "application/json", form("ann", strings.TrimRight(b64("s3cret"), "="))); a.cookie == nil {
			t.Errorf("base64 without padding: %s", a.body)
		}
		if a := e.yzSend(http.MethodPost, "/admin/login", "application/x-www-form-urlencoded",
			url.Values{"username": {"ann"}, "password": {b64("s3cret")}}.Encode()); a.cookie == nil {
			t.Errorf("form body: %s", a.body)
		}
		for _, c := range []struct{ name, method, path, body, want string }{
			{"no username", http.MethodPost, "/admin/login", form("", b64("s3cret")), `{"result":0,"msg":"用户名 不能为空。","data":[]}`},
			{"no password", http.MethodPost, "/admin/login", form("ann", ""), `{"result":0,"msg":"密码 不能为空。","data":[]}`},
			{"GET of the login", http.MethodGet, "/admin/login", "", `{"result":0,"msg":"不存在的接口","data":[]}`},
			{"an unknown admin route", http.MethodPost, "/admin/shop/nope", "{}", `{"result":0,"msg":"不存在的接口","data":[]}`},
		} {
			if a := e.yzSend(c.method, c.path, "application/json", c.body); a.status != http.StatusOK || a.body != c.want+"\n" {
				t.Errorf("%s: HTTP %d %s, want HTTP 200 %s", c.name, a.status, a.body, c.want)
			}
		}
	})
}

// Failed admin logins are throttled by core's guard, answered as the
// framework's lockout: HTTP 200, the wait in the message.
func TestYunzmallLoginThrottle(t *testing.T) {
	eachEngineWith(t, func(c *config.Config) {
		c.Login = config.Login{MaxFailures: 2, MaxFailuresPerName: 100, MaxFailuresPerAddress: 100, FailureWindow: 10 * time.Minute, MaxHashing: 2}
	}, func(e *env) {
		tn := seedLimits(e)
		e.must(e.svc.SetPassword(context.Background(), tn.ID, "ann", "s3cret"))
		_, err := e.svc.EnsureUser(context.Background(), tn.ID, "13800138000", 0)
		e.must(err)
		e.must(e.svc.SetPassword(context.Background(), tn.ID, "13800138000", "m0bile"))
		admin := func(password string) yzAnswer {
			return e.yzSend(http.MethodPost, "/admin/login", "application/json", `{"username":"ann","password":"`+b64(password)+`"}`)
		}
		admin("nope")
		admin("nope")
		if a := admin("s3cret"); a.status != http.StatusOK || a.cookie != nil || a.body != `{"result":0,"msg":"您尝试的登录次数过多，请 600 秒后再试。","data":[]}`+"\n" {
			t.Errorf("admin after 2 failures: HTTP %d %s", a.status, a.body)
		}
		member := func(password string) yzAnswer {
			return e.yzSend(http.MethodPost, fmt.Sprintf("/addons/yun_shop/api.php?i=%d&type=9&route=member.login.index", tn.ID),
				"application/x-www-form-urlencoded", url.Values{"mobile": {"13800138000"}, "password": {password}}.Encode())
		}
		member("nope")
		member("nope")
		if a := member("m0bile"); a.status != http.StatusOK || a.body != `{"result":0,"msg":"账号锁定中，请10分钟后再登录","data":{"status":6}}`+"\n" {
			t.Errorf("member after 2 failures: HTTP %d %s", a.status, a.body)
		}
	})
}

// The member login on the front end's api.php, as the framework's apps send
// it: type 9 gets data.token, which reads the statistics as yz_token; type 5
// a session cookie, msg an object.
func TestYunzmallMemberLogin(t *testing.T) {
	eachEngine(t, func(e *env) {
		ctx := context.Background()
		tn := seedLimits(e)
		user, err := e.svc.EnsureUser(ctx, tn.ID, "13800138000", 0)
		e.must(err)
		e.must(e.svc.SetPassword(ctx, tn.ID, "13800138000", "m0bile"))
		other, err := e.svc.EnsureTenant(ctx, "other shop")
		e.must(err)
		apiPath := func(tenant uint64, kind string) string {
			return fmt.Sprintf("/addons/yun_shop/api.php?i=%d&type=%s&route=member.login.index", tenant, kind)
		}
		login := func(path string, form url.Values) yzAnswer {
			return e.yzSend(http.MethodPost, path, "application/x-www-form-urlencoded", form.Encode())
		}
		creds := url.Values{"mobile": {"13800138000"}, "password": {"m0bile"}}
		normal := strings.NewReplacer(e.url, "http://<host>", fmt.Sprintf("i=%d&", tn.ID), "i=<tenant>&", fmt.Sprintf(`"uif":%d`, user.ID), `"uif":<id>`)

		app := login(apiPath(tn.ID, "9"), creds)
		var answer struct{ Data struct{ Token string } }
		e.must(json.Unmarshal([]byte(app.body), &answer))
		if app.status != http.StatusOK || answer.Data.Token == "" || app.cookie != nil {
			t.Fatalf("type 9: HTTP %d %s cookie %v", app.status, app.body, app.cookie)
		}
		clientReplay(t, "yunzmall/member_login_app", []byte(normal.Replace(strings.Replace(app.body, answer.Data.Token, "<token>", 1))))
		for _, q := range []string{"?yz_token=", "?token="} {
			if !e.yzStatsBy(tn.ID, q+url.QueryEscape(answer.Data.Token)) {
				t.Errorf("the app's token as %s does not read the statistics", q)
			}
		}
		if e.yzStatsBy(other.ID, "?yz_token="+url.QueryEscape(answer.Data.Token)) {
			t.Errorf("the app's token reads another shop's statistics")
		}

		redirect := "https://shop.example.com/addons/yun_shop/?menu#/home?i=1"
		web := login(apiPath(tn.ID, "5"), url.Values{"mobile": {"13800138000"}, "password": {"m0bile"}, "yz_redirect": {b64(redirect)}})
		if web.status != http.StatusOK || web.cookie == nil {
			t.Fatalf("type 5: HTTP %d %s", web.status, web.body)
		}
		clientReplay(t, "yunzmall/member_login_web", []byte(normal.Replace(web.body)))
		if !e.yzStatsBy(tn.ID, "", &http.Cookie{Name: "laravel_session", Value: web.cookie.Value}) {
			t.Errorf("the mobile web's session cookie does not read the statistics")
		}

		wrong := `{"result":0,"msg":"手机号或密码错误","data":{"status":6}}` + "\n"
		for _, c := range []struct {
			name, path string
			form       url.Values
			want       string
		}{
			{"wrong password", apiPath(tn.ID, "9"), url.Values{"mobile": {"13800138000"}, "password": {"nope"}}, wrong},
			{"unknown mobile", apiPath(tn.ID, "9"), url.Values{"mobile": {"13900000000"}, "password": {"m0bile"}}, wrong},
			{"the right password with another shop", apiPath(other.ID, "9"), creds, wrong},
			{"a shop that does not exist", apiPath(987654321, "5"), creds, wrong},
			{"no password", apiPath(tn.ID, "9"), url.Values{"mobile": {"13800138000"}}, wrong},
			{"no shop", "/addons/yun_shop/api.php?type=9&route=member.login.index", creds, wrong},
			{"no type", fmt.Sprintf("/addons/yun_shop/api.php?i=%d&route=member.login.index", tn.ID), creds,
				`{"result":0,"msg":"客户端类型错误","data":{"status":0}}` + "\n"},
			{"a WeChat type", apiPath(tn.ID, "1"), creds, `{"result":0,"msg":"登录异常","data":{"status":2}}` + "\n"},
			{"another route", fmt.Sprintf("/addons/yun_shop/api.php?i=%d&type=9&route=member.member.index", tn.ID), creds,
				`{"result":0,"msg":"不存在的接口","data":[]}` + "\n"},
		} {
			if a := login(c.path, c.form); a.status != http.StatusOK || a.body != c.want || a.cookie != nil {
				t.Errorf("%s: HTTP %d %s cookie %v\nwant HTTP 200 %s", c.name, a.status, a.body, a.cookie, c.want)
			}
		}
	})
}

// Every unauthenticated answer is the one the framework's front end goes to
// its login page on, whatever the credential's fault.
func TestYunzmallNotLoggedIn(t *testing.T) {
	eachEngine(t, func(e *env) {
		tn := seedLimits(e, "yz-live")
		want := yzLoginRequired + "\n"
		for name, req := range map[string]struct {
			query  string
			cookie *http.Cookie
		}{
			"no credential":          {"", nil},
			"an unknown token":       {"?token=nope", nil},
			"an unknown yz_token":    {"?yz_token=nope", nil},
			"an unknown session":     {"", &http.Cookie{Name: "laravel_session", Value: "nope"}},
			"the token in a cookie":  {"", &http.Cookie{Name: "yz_token", Value: "yz-live"}},
			"an empty yz_token":      {"?yz_token=", nil},
			"a token of a bad shape": {"?token=" + url.QueryEscape(strings.Repeat("\x00", 3)), nil},
		} {
			var cookies []*http.Cookie
			if req.cookie != nil {
				cookies = append(cookies, req.cookie)
			}
			a := e.yzSend(http.MethodPost, yzPath(tn.ID)+req.query, "application/x-www-form-urlencoded", "page=1", cookies...)
			if a.status != http.StatusOK || a.body != want {
				t.Errorf("%s: HTTP %d %s, want %s", name, a.status, a.body, want)
			}
		}
		// An expired login's session is refused alike.
		e.must(e.svc.SetPassword(context.Background(), tn.ID, "ann", "s3cret"))
		in := e.yzSend(http.MethodPost, "/admin/login", "application/json", `{"username":"ann","password":"`+b64("s3cret")+`"}`)
		if in.cookie == nil {
			t.Fatalf("login: %s", in.body)
		}
		e.clock.t = e.clock.t.Add(7*24*time.Hour + time.Second)
		a := e.yzSend(http.MethodPost, yzPath(tn.ID), "", "", &http.Cookie{Name: "laravel_session", Value: in.cookie.Value})
		if a.status != http.StatusOK || a.body != want {
			t.Errorf("expired session: HTTP %d %s, want %s", a.status, a.body, want)
		}
	})
}
