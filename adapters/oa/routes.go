// Package oa speaks the mobile OA's CRM dialect (oa-crm.md): access_token in the
// query, form-encoded bodies, and the statuscode/statusmsg/data/usermsg envelope.
package oa

import (
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"

	"crmgw/core"
)

// Options configures the dialect.
type Options struct {
	LoginTTL time.Duration // how long a token issued by /users/login works
	Log      *slog.Logger
}

// Adapter serves the OA dialect over core.
type Adapter struct {
	svc  *core.Service
	opts Options
}

// New returns the OA adapter.
func New(svc *core.Service, opts Options) *Adapter {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Adapter{svc: svc, opts: opts}
}

// Mount registers the endpoints, in the doc's order, under the dialect's prefix.
func (a *Adapter) Mount(g *echo.Group) {
	g.POST("/users/login", a.login) // vendor-facts.md: the login the doc links to
	crm := g.Group("/crm", a.authenticate)
	crm.GET("/home", a.home)
	crm.POST("/monthplan", a.monthPlan)
	crm.GET("/contracts/count", a.contractsCount)
}
