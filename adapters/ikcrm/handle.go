package ikcrm

// Every endpoint is a function that knows no HTTP; one wrapper binds its
// request before it runs and renders what it returns.

import (
	"context"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"crmgw/core"
)

// handler is an endpoint of an authenticated caller.
type handler func(ctx context.Context, caller core.Caller, p params) (any, error)

// loginHandler is the login, which has no caller yet.
type loginHandler func(ctx context.Context, p loginParams) (any, error)

// params is what an endpoint reads of its request.
type params struct {
	id    string     // the path's :id
	subID string     // the path's :sub_id: a record under :id's
	query url.Values // the query string: the list's filters
	// body is the nested parameters of a POST or PUT body (the methods the
	// doc gives bodies to). bodyErr says why it could not be read; the
	// handler reports it only when it comes to the body, after the :id, as
	// Rails found the record before it read the parameters.
	body    map[string]any
	bodyErr error
}

// loginParams are the login's parameters and the client's address, which
// the session records.
type loginParams struct {
	login, password, corpID, device string
	address                         string
}

// bind reads what the endpoints of a caller read of the request.
func bind(c echo.Context) params {
	p := params{id: c.Param("id"), subID: c.Param("sub_id"), query: c.QueryParams()}
	if m := c.Request().Method; m == http.MethodPost || m == http.MethodPut {
		p.body, p.bodyErr = requestTree(c)
	}
	return p
}

// handle serves h to the caller the request's credentials name, with the
// request bound, answering {"code":0,"data":…}: no caller, no call.
func (a *Adapter) handle(h handler) echo.HandlerFunc {
	return func(c echo.Context) error {
		caller, err := a.authenticate(c)
		if err != nil {
			return err
		}
		data, err := h(c.Request().Context(), caller, bind(c))
		if err != nil {
			return err
		}
		return ok(c, data)
	}
}

// handleLogin serves the login.
func (a *Adapter) handleLogin(h loginHandler) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := bindLogin(c)
		if err != nil {
			return err
		}
		data, err := h(c.Request().Context(), p)
		if err != nil {
			return err
		}
		return ok(c, data)
	}
}
