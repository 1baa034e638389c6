// Package yunzmall speaks the yunzmall CustomerManage plugin's API
// (yunzmall-customer-statistics.md): a Laravel app whose answers are
// {"result":1,"msg":"ok","data":…}, its paginator field for field, and the
// plugin's own {"errcode":…,"errmsg":"invalid appid"} for a bad shop id.
package yunzmall

import (
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"crmgw/adapters"
	"crmgw/core"
)

// Options configures the dialect.
type Options struct {
	Prefix string // where its paths start ("" for the doc's /business/{id}/…)
	Log    *slog.Logger
}

// Adapter serves the plugin's API over core.
type Adapter struct {
	svc  *core.Service
	opts Options
}

// New returns the yunzmall adapter.
func New(svc *core.Service, opts Options) *Adapter {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Adapter{svc: svc, opts: opts}
}

// Dialect describes the plugin's API to the gateway: its endpoints, in the
// doc's order. {id} is the shop: the tenant's numeric id.
func (a *Adapter) Dialect() adapters.Dialect {
	p := a.opts.Prefix + "/business"
	return adapters.Dialect{
		Name:        "yunzmall",
		Prefixes:    []string{p},
		Credentials: []string{"token", "yz_token"},
		HandleError: a.HandleError,
		Endpoints: []adapters.Endpoint{
			{Methods: []string{http.MethodPost}, Path: p + "/:id/plugin/CustomerManage/getStatisticsList", Auth: adapters.AuthToken,
				Handler: a.handle(a.statisticsList), Middleware: []echo.MiddlewareFunc{a.authenticate}},
		},
	}
}
