// Package yunzmall speaks the yunzmall CustomerManage plugin's API
// (yunzmall-customer-statistics.md): a Laravel app whose answers are
// {"result":1,"msg":"ok","data":…}, its paginator field for field, and the
// plugin's own {"errcode":…,"errmsg":"invalid appid"} for a bad shop id.
package yunzmall

import (
	"log/slog"

	"github.com/labstack/echo/v4"

	"crmgw/core"
)

// Options configures the dialect.
type Options struct {
	Log *slog.Logger
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

// Mount registers the endpoints, in the doc's order. {id} is the shop: the tenant's numeric id.
func (a *Adapter) Mount(g *echo.Group) {
	g.POST("/business/:id/plugin/CustomerManage/getStatisticsList", a.statisticsList, a.authenticate)
}
