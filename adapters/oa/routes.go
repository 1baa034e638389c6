// Package oa speaks the mobile OA's CRM dialect (oa-crm.md): access_token in the
// query, form-encoded bodies, and the statuscode/statusmsg/data/usermsg envelope.
package oa

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
	Prefix   string        // where its paths start ("/oa")
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

// Dialect describes the OA to the gateway: its endpoints, in the doc's order.
// Authentication is each route's, not a group's: a group's would add
// catch-all routes that turn a wrong method (405) into a 404.
func (a *Adapter) Dialect() adapters.Dialect {
	p, authed := a.opts.Prefix, []echo.MiddlewareFunc{a.authenticate}
	return adapters.Dialect{
		Name:        "oa",
		Prefixes:    []string{p},
		Credentials: []string{"access_token", "password"},
		HandleError: a.HandleError,
		Endpoints: []adapters.Endpoint{
			{Methods: post, Path: p + "/users/login", Auth: adapters.AuthLogin, Handler: a.handle(a.login)}, // vendor-facts.md: the login the doc links to
			{Methods: get, Path: p + "/crm/home", Auth: adapters.AuthToken, Handler: a.handle(a.home), Middleware: authed},
			{Methods: post, Path: p + "/crm/monthplan", Auth: adapters.AuthToken, Handler: a.handle(a.monthPlan), Middleware: authed},
			{Methods: get, Path: p + "/crm/contracts/count", Auth: adapters.AuthToken, Handler: a.handle(a.contractsCount), Middleware: authed},
		},
	}
}

var get, post = []string{http.MethodGet}, []string{http.MethodPost}
