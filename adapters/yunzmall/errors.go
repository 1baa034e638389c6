package yunzmall

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"crmgw/adapters"
	"crmgw/core"
)

// appError is the plugin's answer for a shop id that is not the caller's: {"errcode","errmsg"}.
type appError struct {
	Code    int    `json:"errcode"`
	Message string `json:"errmsg"`
}

func (e *appError) Error() string { return e.Message }

// errAppID answers an {id} that does not exist or is not the token's tenant,
// alike, so that it tells nothing about other shops.
var errAppID = &appError{500, "invalid appid"}

// failure is the framework's error envelope {"result":0,"msg":…,"data":[]}.
type failure struct {
	status  int
	Result  int    `json:"result"`
	Message string `json:"msg"`
	Data    []any  `json:"data"`
}

func (e *failure) Error() string { return e.Message }

func fail(status int, message string) *failure {
	return &failure{status: status, Message: message, Data: []any{}}
}

func invalid(message string) *failure { return fail(http.StatusOK, message) }

var errLogin = fail(http.StatusOK, "请先登录") // a missing, unknown, revoked or expired token

// errorStatuses are the HTTP statuses HandleError answers with.
var errorStatuses = []int{http.StatusOK, http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusRequestTimeout,
	http.StatusRequestEntityTooLarge, http.StatusTooManyRequests, http.StatusRequestHeaderFieldsTooLarge,
	http.StatusServiceUnavailable}

// HandleError renders an error of this dialect's routes, mapping core's codes in this one place.
func (a *Adapter) HandleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var ae *appError
	if errors.As(err, &ae) {
		adapters.SetWireCode(c, strconv.Itoa(ae.Code))
		_ = write(c, http.StatusOK, ae)
		return
	}
	var f *failure
	if !errors.As(err, &f) {
		f = a.toFailure(err, c)
	}
	adapters.SetWireCode(c, "0")
	_ = write(c, f.status, f)
}

func (a *Adapter) toFailure(err error, c echo.Context) *failure {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound, http.StatusMethodNotAllowed:
			return fail(he.Code, "不存在的接口") // vendor-facts.md: the framework's unknown route
		case http.StatusRequestEntityTooLarge:
			return fail(he.Code, "请求体过大")
		case http.StatusRequestHeaderFieldsTooLarge:
			return fail(he.Code, "请求头过大")
		case http.StatusRequestTimeout:
			return fail(he.Code, "请求超时")
		}
	}
	ce := core.AsError(err)
	switch ce.Code {
	case core.EUNAUTHORIZED:
		return errLogin
	case core.EINVALID:
		return invalid(ce.Message)
	case core.ENOTFOUND:
		return invalid(ce.Message)
	case core.ELIMITED:
		return fail(http.StatusTooManyRequests, "请求过于频繁,请稍后再试")
	case core.EUNAVAILABLE: // the internal error, with a status that tells clients and balancers to retry
		return fail(http.StatusServiceUnavailable, "服务器内部错误")
	}
	a.opts.Log.Error("yunzmall: internal error", "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "error", err)
	return fail(http.StatusOK, "服务器内部错误") // HTTP 200, as the framework answers every envelope
}
