// Package ikcrm speaks the ikcrm (weiwenjia) open API (ikcrm-contracts.md):
// Authorization: Token token=…,device=open_api, {"code":0,"data":…}, and
// errors as {"code","message","error"}.
package ikcrm

import (
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"

	"crmgw/core"
)

// Options configures the dialect.
type Options struct {
	LoginTTL time.Duration // how long a user_token issued by /api/v2/auth/login works
	Log      *slog.Logger
}

// Adapter serves the ikcrm open API over core.
type Adapter struct {
	svc  *core.Service
	opts Options
}

// New returns the ikcrm adapter.
func New(svc *core.Service, opts Options) *Adapter {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Adapter{svc: svc, opts: opts}
}

// Mount registers the open API's endpoints.
func (a *Adapter) Mount(g *echo.Group) {
	g.POST("/api/v2/auth/login", a.login) // vendor-facts.md
	g.GET("/api/v2/contracts", a.listContracts, a.authenticate)
	g.POST("/api/v2/contracts", a.createContract, a.authenticate)
	g.GET("/api/v2/contracts/:id", a.showContract, a.authenticate)
	g.PUT("/api/v2/contracts/:id", a.updateContract, a.authenticate)
	g.DELETE("/api/v2/contracts/:id", a.deleteContract, a.authenticate)
	g.GET("/api/v2/field_maps/contract", a.contractFieldMaps, a.authenticate)
}
