// Package yunzmall speaks the yunzmall CustomerManage plugin's API
// (yunzmall-customer-statistics.md): a Laravel app whose answers are
// {"result":1,"msg":"ok","data":…}, its paginator field for field, and the
// plugin's own {"errcode":…,"errmsg":"invalid appid"} for a bad shop id.
package yunzmall

import (
	"log/slog"
	"net/http"
	"slices"
	"time"

	"crmgw/adapters"
	"crmgw/config"
	"crmgw/core"
)

func init() {
	adapters.Register(adapters.Registration{Name: "yunzmall",
		// Prefix empty: the doc's /business/{id}/plugin/… from the root;
		// LoginTTL: how long a session or app token its logins issue works.
		Defaults: config.Dialect{Enabled: true, LoginTTL: 7 * 24 * time.Hour},
		New:      func(svc *core.Service, opts adapters.Options) adapters.Dialect { return New(svc, opts).Dialect() }})
}

// Adapter serves the plugin's API over core.
type Adapter struct {
	svc  *core.Service
	opts adapters.Options
}

// New returns the yunzmall adapter.
func New(svc *core.Service, opts adapters.Options) *Adapter {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Adapter{svc: svc, opts: opts}
}

// Dialect describes the plugin's API to the gateway: its endpoints, in the
// doc's order, then the framework's logins. {id} is the shop: the tenant's
// numeric id.
func (a *Adapter) Dialect() adapters.Dialect {
	p := a.opts.Prefix + "/business"
	admin := a.opts.Prefix + "/admin"
	api := a.opts.Prefix + "/addons/yun_shop/api.php" // the front end's: its route is a parameter
	// shopAndToken declares what every endpoint reads beside its own
	// parameters: the shop in its path, and the token from the first of these
	// that is sent (token in auth.go).
	shopAndToken := func(own []adapters.Param) []adapters.Param {
		return slices.Concat([]adapters.Param{
			{Name: "id", In: adapters.InPath, Type: "integer", Required: true, Ref: "tenant", Doc: "公众号id: the shop, the tenant's yunzmall shop id"},
		}, own, []adapters.Param{
			{Name: "Authorization", In: adapters.InHeader, Type: "string", Doc: "Bearer and the token"},
			{Name: "token", In: adapters.InForm, Type: "string", Doc: "the token"},
			{Name: "yz_token", In: adapters.InForm, Type: "string", Doc: "the token, as the framework's apps send it"},
		})
	}
	return adapters.Dialect{
		Name:        "yunzmall",
		Prefixes:    []string{p, admin, api},
		Credentials: []string{"token", "yz_token", "password"},
		HandleError: a.HandleError,
		SuccessCode: "1",
		AnswerCode:  answerCode,
		Keys: map[adapters.Auth][]adapters.Key{adapters.AuthToken: {
			{Name: "Authorization", In: adapters.InHeader, Scheme: "bearer", Doc: "Bearer and the token"},
			{Name: "token", In: adapters.InQuery, Doc: "the token, in the query string or the body"},
			{Name: "yz_token", In: adapters.InQuery, Doc: "the token, in the query string or the body"},
			{Name: sessionCookie, In: adapters.InCookie, Doc: "the session a login set"},
		}},
		Bodies:        []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data"},
		Envelope:      func(data any) any { return success{Data: data} },
		Errors:        []any{appError{}, failure{}, loginRequired{}, refused{}},
		ErrorStatuses: errorStatuses,
		Endpoints: []adapters.Endpoint{
			{Methods: []string{http.MethodPost}, Path: p + "/:id/plugin/CustomerManage/getStatisticsList", Auth: adapters.AuthToken,
				Summary: "客户统计: one row per employee of the shop, ten to a page",
				// The doc marks every filter required; its clients send them
				// empty or not at all, so none is (docs/dialects/yunzmall.md).
				Params: shopAndToken([]adapters.Param{
					{Name: "search[name]", In: adapters.InForm, Type: "string", Doc: "员工名称: part of the employee's name"},
					{Name: "search[department_id]", In: adapters.InForm, Type: "integer", Ref: "department", Doc: "部门id"},
					{Name: "search[industry_id]", In: adapters.InForm, Type: "integer", Ref: "dictionary", Doc: "行业id"},
					{Name: "search[source_id]", In: adapters.InForm, Type: "integer", Ref: "dictionary", Doc: "来源id"},
					{Name: "search[progress_id]", In: adapters.InForm, Type: "integer", Ref: "dictionary", Doc: "进展id"},
					{Name: "search[date]", In: adapters.InForm, Type: "array", Doc: "日期: [start, end] days, both included, either empty"},
					{Name: "search[tag_id]", In: adapters.InForm, Type: "integer", Ref: "dictionary", Doc: "标签id"},
					{Name: "page", In: adapters.InForm, Type: "integer", Doc: "页数, from 1"},
				}),
				Handler: a.handle(a.statisticsList), Result: paginator{Data: []employeeStat{}}},
			{Methods: []string{http.MethodGet}, Path: admin + "/login/site", Auth: adapters.AuthLogin, // vendor-facts-wider.md §2
				Summary: "the admin login page's settings, read before any login",
				Handler: a.handleLogin(a.site), Result: loginSite{}},
			{Methods: []string{http.MethodPost}, Path: admin + "/login", Auth: adapters.AuthLogin,
				Summary: "admin login: the session cookie laravel_session for a user name and password",
				Params: []adapters.Param{
					{Name: "username", In: adapters.InForm, Type: "string", Required: true, Doc: "the login name"},
					{Name: "password", In: adapters.InForm, Type: "string", Required: true, Doc: "the password in base64"},
					{Name: "captcha", In: adapters.InForm, Type: "string", Doc: "not read: crmgw asks for no captcha"},
					{Name: "mobile", In: adapters.InForm, Type: "string", Doc: "not read: crmgw asks for no SMS code"},
					{Name: "code", In: adapters.InForm, Type: "string", Doc: "not read"},
					{Name: "remember", In: adapters.InForm, Type: "integer", Doc: "not read: the session lasts login_ttl"},
				},
				Handler: a.handleLogin(a.adminLogin), Result: adminLoggedIn{},
				IssuedToken: func(header http.Header, _ []byte) string { return adapters.CookieSet(header, sessionCookie) }},
			{Methods: []string{http.MethodPost}, Path: api, Auth: adapters.AuthLogin,
				Summary: "member login (route=member.login.index): a token for type 9, a session cookie for type 5",
				Params: []adapters.Param{
					{Name: "i", In: adapters.InQuery, Type: "integer", Required: true, Ref: "tenant", Doc: "the shop: the tenant's yunzmall shop id"},
					{Name: "type", In: adapters.InQuery, Type: "integer", Required: true, Doc: "5 mobile web, 9 native app"},
					{Name: "route", In: adapters.InQuery, Type: "string", Required: true, Doc: "member.login.index"},
					{Name: "mobile", In: adapters.InForm, Type: "string", Required: true, Doc: "the member's mobile: the user's login name"},
					{Name: "password", In: adapters.InForm, Type: "string", Required: true, Doc: "the password"},
					{Name: "yz_redirect", In: adapters.InForm, Type: "string", Doc: "type 5: where to go next, in base64"},
				},
				Handler: a.handleLogin(a.memberAPI), Result: memberLoggedIn{},
				IssuedToken: func(header http.Header, body []byte) string { // the native app's in data, the web's in its session
					if t := adapters.StringAt(body, "data", "token"); t != "" {
						return t
					}
					return adapters.CookieSet(header, sessionCookie)
				}},
		},
	}
}
