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
	// Route-level middleware, not a group's: a group's would add catch-all
	// routes that turn a wrong method (405) into a 404.
	g.GET("/crm/home", a.home, a.authenticate)
	g.POST("/crm/monthplan", a.monthPlan, a.authenticate)
	g.GET("/crm/contracts/count", a.contractsCount, a.authenticate)
}
