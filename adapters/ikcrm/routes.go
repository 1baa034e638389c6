// Package ikcrm speaks the ikcrm (weiwenjia) open API (ikcrm-contracts.md):
// Authorization: Token token=…,device=open_api, {"code":0,"data":…}, and
// errors as {"code","message","error"}.
package ikcrm

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"crmgw/adapters"
	"crmgw/core"
)

// Options configures the dialect.
type Options struct {
	Prefix   string        // where its paths start ("" for the doc's /api/v2/…)
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

// Dialect describes the open API to the gateway: its endpoints.
func (a *Adapter) Dialect() adapters.Dialect {
	p, authed := a.opts.Prefix+"/api/v2", []echo.MiddlewareFunc{a.authenticate}
	return adapters.Dialect{
		Name:        "ikcrm",
		Prefixes:    []string{a.opts.Prefix + "/api"},
		Credentials: []string{"user_token", "token", "password"},
		HandleError: a.HandleError,
		Endpoints: []adapters.Endpoint{
			{Methods: post, Path: p + "/auth/login", Auth: adapters.AuthLogin, Handler: a.login}, // vendor-facts.md
			{Methods: get, Path: p + "/contracts", Auth: adapters.AuthToken, Handler: a.listContracts, Middleware: authed},
			{Methods: post, Path: p + "/contracts", Auth: adapters.AuthToken, Handler: a.createContract, Middleware: authed},
			{Methods: get, Path: p + "/contracts/:id", Auth: adapters.AuthToken, Handler: a.showContract, Middleware: authed},
			{Methods: []string{http.MethodPut}, Path: p + "/contracts/:id", Auth: adapters.AuthToken, Handler: a.updateContract, Middleware: authed},
			{Methods: []string{http.MethodDelete}, Path: p + "/contracts/:id", Auth: adapters.AuthToken, Handler: a.deleteContract, Middleware: authed},
			{Methods: get, Path: p + "/field_maps/contract", Auth: adapters.AuthToken, Handler: a.contractFieldMaps, Middleware: authed},
		},
	}
}

var get, post = []string{http.MethodGet}, []string{http.MethodPost}
