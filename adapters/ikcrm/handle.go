package ikcrm

// Every endpoint is a function that knows no HTTP; one wrapper binds its
// request before it runs and renders what it returns.

import (
	"context"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"crmgw/core"
)

// handler is an endpoint of an authenticated caller.
type handler func(ctx context.Context, caller core.Caller, p params) (any, error)

// loginHandler is the login, which has no caller yet.
type loginHandler func(ctx context.Context, p loginParams) (any, error)

// params is what an endpoint reads of its request.
type params struct {
	id     string     // the path's :id
	subID  string     // the path's :sub_id: a record under :id's
	entity string     // the path's :entity
	query  url.Values // the query string: the list's filters
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

// bind reads what the endpoints of a caller read of the request, q being its
// parameters outside a body of nested ones.
func bind(c echo.Context, q url.Values) params {
	p := params{id: c.Param("id"), subID: c.Param("sub_id"), entity: c.Param("entity"), query: q}
	if hasBody(c.Request()) {
		p.body, p.bodyErr = requestTree(c)
	}
	return p
}

// hasBody is whether the request's body holds the endpoint's nested
// parameters: POST and PUT, the methods the doc gives bodies to.
func hasBody(r *http.Request) bool { return r.Method == http.MethodPost || r.Method == http.MethodPut }

// trimQuery drops the "?" a client doubled ("…/revisit_logs??user_token=…"),
// which makes the query string's first key "?user_token": it is read as the
// client meant it, user_token. It runs before anything reads the query string.
func trimQuery(r *http.Request) { r.URL.RawQuery = strings.TrimLeft(r.URL.RawQuery, "?") }

// queryOf is the request's parameters outside a body of nested ones: the
// query string, and on a request without such a body (GET, DELETE) the pairs
// of a form-encoded body, which Node's request library sends with its
// credentials. Rails merges a body into params on every method, the query
// string's value winning where both name a key
// (request_parameters.merge(query_parameters)); so does queryOf. The gateway
// has read the body within its limits already.
func queryOf(c echo.Context) (url.Values, error) {
	r := c.Request()
	trimQuery(r)
	q := r.URL.Query()
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	if hasBody(r) || mediaType != echo.MIMEApplicationForm {
		return q, nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, bodyError(err, "无法读取请求体")
	}
	pairs, err := ParseForm(string(body))
	if err != nil {
		return nil, invalid("请求体参数格式错误: " + err.Error())
	}
	inQuery := make(map[string]bool, len(q))
	for k := range q {
		inQuery[k] = true
	}
	for _, p := range pairs {
		if !inQuery[p.Key] {
			q.Add(p.Key, p.Value)
		}
	}
	return q, nil
}

// handle serves h to the caller the request's credentials name, with the
// request bound, answering {"code":0,"data":…}: no caller, no call. The
// request is bound first, as its body may carry the credentials; a body that
// cannot be read is reported only to a caller.
func (a *Adapter) handle(h handler) echo.HandlerFunc {
	return func(c echo.Context) error {
		q, err := queryOf(c)
		if err != nil {
			return err
		}
		p := bind(c, q)
		caller, err := a.authenticate(c, p)
		if err != nil {
			return err
		}
		data, err := h(c.Request().Context(), caller, p)
		if err != nil {
			return err
		}
		return ok(c, data)
	}
}

// handleLogin serves the login.
func (a *Adapter) handleLogin(h loginHandler) echo.HandlerFunc {
	return func(c echo.Context) error {
		trimQuery(c.Request())
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
