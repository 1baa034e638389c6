package qcy

// Every handler is a function that knows no HTTP; one wrapper binds its
// request, authenticates its caller, runs it and renders what it returns.

import (
	"context"

	"github.com/labstack/echo/v4"

	"crmgw/adapters"
	"crmgw/core"
)

// handler is a WebApi handler: the caller (none for Token/Get) and the bound
// parameters in, the value of {"value": …} out, or an error HandleError renders.
type handler func(ctx context.Context, caller core.Caller, p params) (any, error)

// handle serves h to the caller auth names, answering its value in JSON or
// the XML twin, as format asks.
func (a *Adapter) handle(auth adapters.Auth, h handler) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := bind(c)
		if err != nil {
			return err
		}
		p.now = a.svc.Now()
		ctx := c.Request().Context()
		caller, err := a.authenticate(ctx, auth, p)
		if err != nil {
			return err
		}
		value, err := h(ctx, caller, p)
		if err != nil {
			return err
		}
		return ok(c, value)
	}
}
