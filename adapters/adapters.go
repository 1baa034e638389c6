// Package adapters is what every dialect shares with the gateway, beside its
// own folder below: no dialect imports another, each may import this.
package adapters

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"crmgw/core"
)

// wireCodeKey holds, in a request's echo context, the code its answer carried.
const wireCodeKey = "crmgw.wire_code"

// SetWireCode records the code a dialect's answer carried on the wire
// ("0000", "100422", "10017", "1" …): three dialects answer errors with HTTP
// 200, so the status alone does not tell the gateway's metrics what happened.
func SetWireCode(c echo.Context, code string) { c.Set(wireCodeKey, code) }

// WireCode is the code recorded for c's answer, "" if none was.
func WireCode(c echo.Context) string {
	code, _ := c.Get(wireCodeKey).(string)
	return code
}

// Dialect is one vendor's API as the gateway serves it: all the gateway
// knows of it, so that the gateway names none of its paths or parameters.
type Dialect struct {
	Name string // its config key and metrics label
	// Prefixes are the paths it owns: an error under them, an unknown route's
	// included, is its to render.
	Prefixes []string
	// Credentials are the parameters that carry its secrets, redacted in logs.
	Credentials []string
	// Canonical respells a path the dialect matches however it is spelt, as
	// IIS did the WebApi's; nil when paths match as sent.
	Canonical func(path string) (string, bool)
	Endpoints []Endpoint
	// HandleError renders an error of its routes in its own shape.
	HandleError func(err error, c echo.Context)
	// SuccessCode is the wire code (SetWireCode) its answers carry when they
	// succeed: any other is an error, whatever the HTTP status, as the
	// console counts them. "" when the status alone tells.
	SuccessCode string
	// AnswerCode is the wire code an answer of the dialect carries, read
	// back from its body ("" when it carries none): how the mirror tells a
	// write the upstream took from one it refused with HTTP 200. Set with
	// SuccessCode.
	AnswerCode func(body []byte) string

	// What the OpenAPI document tells of every endpoint.

	// Keys are where each kind of caller may send its secret: any one will do.
	Keys map[Auth][]Key
	// Bodies are the media types it reads request bodies in.
	Bodies []string
	// Envelope wraps an endpoint's Result as its answers carry it; nil for
	// a dialect that answers the Result bare.
	Envelope func(data any) any
	// Errors are zero values of the shapes its errors are answered in (none:
	// not described), and ErrorStatuses the HTTP statuses they come with.
	Errors        []any
	ErrorStatuses []int
	// XML is whether it answers in XML too, when asked.
	XML bool
}

// Key is one place a caller's secret may be sent.
type Key struct {
	Name string // of the parameter, header or cookie
	In   In     // InQuery, InHeader or InCookie
	// Scheme is an Authorization header's HTTP scheme ("bearer") when it is
	// a standard one, "" for a header in the dialect's own form.
	Scheme string
	Doc    string
}

// Auth is how an endpoint knows its caller.
type Auth string

// The ways endpoints know their callers.
const (
	AuthLogin   Auth = "login"    // none yet: a login name and password in, a token out
	AuthToken   Auth = "token"    // a user's token
	AuthSiteKey Auth = "site_key" // a site's key (the WebApi's ECommerce handlers)
	AuthNone    Auth = "none"     // no caller: an answer the same for anyone (the OA's /version)
)

// Endpoint is one row of a dialect's table.
type Endpoint struct {
	Methods []string
	Path    string // as routed, the dialect's prefix included
	Auth    Auth
	Summary string  // what it does, in a line
	Params  []Param // what it reads, in the order its vendor doc lists them
	// Handler is the dialect's wrapper around a function that knows no HTTP:
	// it binds, authenticates, calls and renders.
	Handler echo.HandlerFunc
	// Middleware binds and authenticates, in order, before Handler runs.
	Middleware []echo.MiddlewareFunc
	// Result is a zero value of the type Handler answers as data, for the
	// OpenAPI document; nil when it is not described. A field of interface
	// type is described by the value it holds here, or by its jsontype tag:
	// the JSON types it takes ("number,string").
	Result any
	// Writes marks a row that changes data, whatever its method (the WebApi
	// takes GET or POST for everything, yunzmall POST): the mirror sends it
	// to one side only, where a read goes to both. Logins are told by Auth.
	Writes bool
	// NewID is, for a create whose answer carries the new record's id, where
	// in its JSON body ("data.id"): the mirror applies the upstream's write
	// to crmgw with that id (WithKeptID). "" for any other row.
	NewID string
	// IssuedToken is, for a login, the token its answer issued, in its body
	// or in a cookie it sets ("" when it issued none): in diff-proxy the
	// mirror has crmgw log the same client in issuing that same token
	// (WithKeptToken), so that the token the client holds works on both
	// sides, during the comparison and after the cut-over. nil for any other row.
	IssuedToken func(header http.Header, body []byte) string
}

// keptTokenKey holds, in a request's context, the token its login must issue.
type keptTokenKey struct{}

// WithKeptToken is ctx carrying the token a login handler must issue: the
// one the upstream issued the same login (IssuedToken). crmgw still checks
// the password itself: a token kept is never one crmgw would not issue.
func WithKeptToken(ctx context.Context, token string) context.Context {
	return context.WithValue(ctx, keptTokenKey{}, token)
}

// TokenToIssue is the token a login handler issues: the one WithKeptToken
// set, else a fresh one.
func TokenToIssue(ctx context.Context, fresh func() string) string {
	if t, _ := ctx.Value(keptTokenKey{}).(string); t != "" {
		return t
	}
	return fresh()
}

// StringAt is the string at path ("data", "token") in a JSON body, "" when
// there is none: where an IssuedToken reads its token.
func StringAt(body []byte, path ...string) string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return ""
	}
	for _, key := range path {
		m, _ := v.(map[string]any)
		v = m[key]
	}
	s, _ := v.(string)
	return s
}

// CookieSet is the value of the cookie name that header sets, "" when it sets none.
func CookieSet(header http.Header, name string) string {
	for _, c := range (&http.Response{Header: header}).Cookies() {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// keptIDKey holds, in a request's context, the id its create must keep.
type keptIDKey struct{}

// WithKeptID is ctx carrying the id a create handler must give its record:
// the one the upstream gave the same create, which the mirror applies to
// crmgw (mirror.apply_writes), so that both sides hold the record under one id.
func WithKeptID(ctx context.Context, id uint64) context.Context {
	return context.WithValue(ctx, keptIDKey{}, id)
}

// KeptID is the id WithKeptID set, 0 when none was: core's New* inputs take
// 0 as "a new id of the tenant's".
func KeptID(ctx context.Context) uint64 {
	id, _ := ctx.Value(keptIDKey{}).(uint64)
	return id
}

// Where a parameter is read from.
type In string

// The places parameters come from.
const (
	InQuery  In = "query"  // the query string only
	InForm   In = "form"   // the query string or the body (form, multipart, or JSON where the dialect reads it)
	InPath   In = "path"   // a segment of the path (:id)
	InHeader In = "header" // a header (the ikcrm Authorization)
	InBody   In = "body"   // a JSON document, or nested form keys, in the body
	InCookie In = "cookie" // a cookie (yunzmall's laravel_session)
)

// Param is one parameter an endpoint reads, as the OpenAPI document, the
// docs' tables and the id translation of migrated clients know it.
type Param struct {
	Name     string
	In       In
	Type     string // string, integer, number, boolean, date, datetime, object, array
	Required bool
	// Ref is, for an id, the kind of record it names: customer, contact,
	// contract, user, department, dictionary … ("" for no id).
	Ref string
	Doc string
}

// WriteJSON answers v as JSON with the status and content type a dialect's
// server sent, without HTML escaping: none of the vendors escaped <, > or &.
func WriteJSON(c echo.Context, status int, contentType string, v any) error {
	c.Response().Header().Set(echo.HeaderContentType, contentType)
	c.Response().WriteHeader(status)
	enc := json.NewEncoder(c.Response())
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// ParamNames is a dialect's table from the fields core's errors name to its
// own parameter names; "" marks a field the dialect never sends.
type ParamNames map[core.Field]string

// Name is the dialect's name for f: core's own where the table has none (a
// column, named by core as it is stored).
func (n ParamNames) Name(f core.Field) string {
	if name := n[f]; name != "" {
		return name
	}
	return string(f)
}
