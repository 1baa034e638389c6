package yunzmall

// The framework's two logins (vendor-facts-wider.md §2): the admin's, whose
// session is the laravel_session cookie, and the member's, on the front
// end's api.php. Both go through core's login, its throttle and TTL; the
// session cookie and an app's data.token carry the token core issues, which
// the statistics endpoint takes.

import (
	"context"
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"crmgw/adapters"
	"crmgw/core"
)

// sessionCookie is Laravel's session cookie, which holds a login's token.
const sessionCookie = "laravel_session"

// session is a login's answer: the envelope's msg and data, and the token the
// session cookie carries ("" for none).
type session struct {
	msg    any
	data   any
	cookie string
}

// loginHandler is a login as the framework's controller is: the parameters
// in, the answer out; no caller.
type loginHandler func(ctx context.Context, p params) (session, error)

// handleLogin serves h: it binds the parameters and answers h's session in
// the success envelope, setting the session cookie when there is one.
func (a *Adapter) handleLogin(h loginHandler) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := bind(c)
		if err != nil {
			return err
		}
		s, err := h(c.Request().Context(), p)
		if err != nil {
			return err
		}
		if s.cookie != "" {
			// Lax: a browser sends it on no other site's POST, so a page
			// elsewhere cannot call the statistics with the user's session.
			c.SetCookie(&http.Cookie{Name: sessionCookie, Value: s.cookie, Path: "/", MaxAge: int(a.opts.LoginTTL.Seconds()),
				HttpOnly: true, Secure: c.Scheme() == "https", SameSite: http.SameSiteLaxMode})
		}
		adapters.SetWireCode(c, "1")
		return write(c, http.StatusOK, success{1, s.msg, s.data})
	}
}

// loginSite is the admin login page's settings (GET /admin/login/site), keys
// in the framework's order: its default name, no images crmgw could serve,
// no registration, no captcha or SMS code (core's throttle guards the login).
type loginSite struct {
	Name          string       `json:"name"`
	SiteLogo      string       `json:"site_logo"`
	TitleIcon     string       `json:"title_icon"`
	Advertisement string       `json:"advertisement"`
	Information   *string      `json:"information"`
	RegisterOpen  int          `json:"register_open"`
	Captcha       switchStatus `json:"captcha"`
	SMS           switchStatus `json:"sms"`
}

type switchStatus struct {
	Status bool `json:"status"`
}

func (a *Adapter) site(context.Context, params) (session, error) {
	return session{msg: "成功", data: loginSite{Name: "商城管理系统"}}, nil
}

// adminLoggedIn is the admin login's success data, the super administrator's
// form: the front end stays on its own pages (a data.url would send it to
// the shop's admin, which crmgw does not serve).
type adminLoggedIn struct {
	PwdRemind int    `json:"pwd_remind"`
	Msg       string `json:"msg"`
}

// errAdminLogin is the admin login's refusal of a name and password.
var errAdminLogin = fail(http.StatusOK, "用户名或密码错误")

// adminLogin answers POST /admin/login: username and the password in base64.
func (a *Adapter) adminLogin(ctx context.Context, p params) (session, error) {
	username := p.get("username")
	if username == "" {
		return session{}, invalid("用户名 不能为空。")
	}
	if p.get("password") == "" {
		return session{}, invalid("密码 不能为空。")
	}
	password, ok := decodeBase64(p.get("password"))
	if !ok { // no password that could match
		return session{}, errAdminLogin
	}
	s, err := a.svc.Login(ctx, core.LoginRequest{UserName: username, Password: password, Address: p.address,
		Token: adapters.TokenToIssue(ctx, core.NewTokenValue), TTL: a.opts.LoginTTL})
	switch ce := core.AsError(err); {
	case err == nil:
	case ce.Code == core.EUNAUTHORIZED:
		return session{}, errAdminLogin
	case ce.Code == core.ELIMITED:
		return session{}, invalid(fmt.Sprintf("您尝试的登录次数过多，请 %d 秒后再试。", seconds(ce.RetryAfter)))
	default:
		return session{}, err
	}
	return session{msg: "成功", data: adminLoggedIn{}, cookie: s.Token}, nil
}

// decodeBase64 reads the front end's base64, padded or not, as PHP's
// base64_decode does for any text a browser's btoa writes.
func decodeBase64(s string) (string, bool) {
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	return string(b), err == nil && len(b) > 0
}

// Member login types crmgw serves: those that log in with a mobile and a
// password (the others log in through WeChat).
const (
	memberMobileWeb = "5" // a session, kept in the session cookie
	memberNativeApp = "9" // data.token, sent back as yz_token
)

// memberLoggedIn is the member login's success data, keys in the framework's order.
type memberLoggedIn struct {
	Token  string `json:"token,omitempty"` // the native app's only
	Status int    `json:"status"`
	URL    string `json:"url"`
}

// memberInfo is the mobile web login's msg: an object, where every other answer has text.
type memberInfo struct {
	UIF         uint64 `json:"uif"` // the member's id
	RedirectURL string `json:"redirect_url"`
}

// memberRefused is the member login's refusal, with the framework's data.status.
func memberRefused(status int, msg string) *refused {
	return &refused{Message: msg, Data: memberStatus{Status: status}}
}

// memberAPI answers the front end's api.php: of its routes crmgw serves the
// member login, route=member.login.index, with i the shop (the tenant's id)
// and the member's mobile as the login name.
func (a *Adapter) memberAPI(ctx context.Context, p params) (session, error) {
	if p.get("route") != "member.login.index" {
		return session{}, fail(http.StatusOK, "不存在的接口")
	}
	kind := p.get("type")
	switch kind {
	case memberMobileWeb, memberNativeApp:
	case "":
		return session{}, memberRefused(0, "客户端类型错误")
	default:
		return session{}, memberRefused(2, "登录异常")
	}
	shop, mobile, password := p.get("i"), p.get("mobile"), p.values.Get("password")
	if shop == "" || mobile == "" || password == "" { // a member is a shop's: no shop, no member
		return session{}, memberRefused(6, "手机号或密码错误")
	}
	s, err := a.svc.Login(ctx, core.LoginRequest{Tenant: shop, TenantRef: core.ByYunzmallShop, UserName: mobile, Password: password,
		Address: p.address, Token: adapters.TokenToIssue(ctx, core.NewTokenValue), TTL: a.opts.LoginTTL})
	switch ce := core.AsError(err); {
	case err == nil:
	case ce.Code == core.EUNAUTHORIZED: // an unknown mobile too: which mobiles exist is not told
		return session{}, memberRefused(6, "手机号或密码错误")
	case ce.Code == core.ELIMITED:
		return session{}, memberRefused(6, fmt.Sprintf("账号锁定中，请%d分钟后再登录", int(math.Ceil(ce.RetryAfter.Minutes()))))
	default:
		return session{}, err
	}
	if kind == memberNativeApp {
		home := p.origin + "/addons/yun_shop/?menu#/member?" + url.Values{"i": {strconv.FormatUint(s.Caller.Dialects.YunzmallShop, 10)}, "mid": {"0"}}.Encode()
		return session{msg: "", data: memberLoggedIn{Token: s.Token, Status: 1, URL: home}}, nil
	}
	// The mobile web goes where yz_redirect (base64) says, nowhere without one.
	redirect, _ := decodeBase64(p.get("yz_redirect"))
	return session{msg: memberInfo{UIF: s.Caller.UserID, RedirectURL: redirect}, data: memberLoggedIn{Status: 1, URL: redirect},
		cookie: s.Token}, nil
}

// seconds is a wait in whole seconds, rounded up.
func seconds(d time.Duration) int { return int(math.Ceil(d.Seconds())) }
