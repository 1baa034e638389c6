// Package yunzmall speaks the yunzmall CustomerManage plugin's API
// (yunzmall-customer-statistics.md): a Laravel app whose answers are
// {"result":1,"msg":"ok","data":…}, its paginator field for field, and the
// plugin's own {"errcode":…,"errmsg":"invalid appid"} for a bad shop id.
package yunzmall

import (
	"log/slog"
	"net/http"
	"slices"

	"crmgw/adapters"
	"crmgw/config"
	"crmgw/core"
)

func init() {
	adapters.Register(adapters.Registration{Name: "yunzmall",
		// Prefix empty: the doc's /business/{id}/plugin/… from the root. No
		// login of its own: it takes tokens registered with `crmgw token add`.
		Defaults: config.Dialect{Enabled: true},
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
// doc's order. {id} is the shop: the tenant's numeric id.
func (a *Adapter) Dialect() adapters.Dialect {
	p := a.opts.Prefix + "/business"
	// shopAndToken declares what every endpoint reads beside its own
	// parameters: the shop in its path, and the token from the first of these
	// that is sent (token in auth.go).
	shopAndToken := func(own []adapters.Param) []adapters.Param {
		return slices.Concat([]adapters.Param{
			{Name: "id", In: adapters.InPath, Type: "integer", Required: true, Ref: "tenant", Doc: "公众号id: the shop, the tenant's numeric id"},
		}, own, []adapters.Param{
			{Name: "Authorization", In: adapters.InHeader, Type: "string", Doc: "Bearer and the token"},
			{Name: "token", In: adapters.InForm, Type: "string", Doc: "the token"},
			{Name: "yz_token", In: adapters.InForm, Type: "string", Doc: "the token, as a parameter or the framework's cookie"},
		})
	}
	return adapters.Dialect{
		Name:        "yunzmall",
		Prefixes:    []string{p},
		Credentials: []string{"token", "yz_token"},
		HandleError: a.HandleError,
		Keys: map[adapters.Auth][]adapters.Key{adapters.AuthToken: {
			{Name: "Authorization", In: adapters.InHeader, Scheme: "bearer", Doc: "Bearer and the token"},
			{Name: "token", In: adapters.InQuery, Doc: "the token, in the query string or the body"},
			{Name: "yz_token", In: adapters.InQuery, Doc: "the token, in the query string or the body"},
			{Name: "yz_token", In: adapters.InCookie, Doc: "the framework's cookie"},
		}},
		Bodies:        []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data"},
		Envelope:      func(data any) any { return success{Data: data} },
		Errors:        []any{appError{}, failure{}},
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
		},
	}
}
