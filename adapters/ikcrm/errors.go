package ikcrm

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"crmgw/adapters"
	"crmgw/core"
)

// apiError is an answer in the open API's error shape {"code","message","error"}.
type apiError struct {
	status  int
	Code    int    `json:"code"`
	Message string `json:"message"`
	Err     string `json:"error"`
}

func (e *apiError) Error() string { return e.Err + ": " + e.Message }

// The codes crmgw answers (vendor-facts.md); clients log in again on 100000, 100400 and 100401.
var (
	errDevice = &apiError{http.StatusOK, 100000, "device参数错误", "invalid_app_error"}
	errToken  = &apiError{http.StatusOK, 100400, "用户认证失败,请重新登录", "invalid_user_token"}
)

func invalid(message string) *apiError {
	return &apiError{http.StatusOK, 100422, message, "invalid_params"}
}

// errorStatuses are the HTTP statuses toAPIError and requestTree answer with.
var errorStatuses = []int{http.StatusOK, http.StatusBadRequest, http.StatusNotFound, http.StatusMethodNotAllowed,
	http.StatusRequestTimeout, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType,
	http.StatusTooManyRequests, http.StatusRequestHeaderFieldsTooLarge, http.StatusInternalServerError,
	http.StatusServiceUnavailable}

// toAPIError maps any error to the open API's shape, in this one place.
func toAPIError(err error) (e *apiError, internal bool) {
	if errors.As(err, &e) {
		return e, false
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			return &apiError{he.Code, 100404, "接口不存在", "routing_error"}, false
		case http.StatusMethodNotAllowed:
			return &apiError{he.Code, 100405, "不支持该请求方式", "method_not_allowed"}, false
		case http.StatusRequestEntityTooLarge:
			return &apiError{he.Code, 100413, "请求体过大", "request_entity_too_large"}, false
		case http.StatusRequestHeaderFieldsTooLarge:
			return &apiError{he.Code, 100431, "请求头过大", "request_header_fields_too_large"}, false
		case http.StatusRequestTimeout:
			return &apiError{he.Code, 100408, "请求超时", "request_timeout"}, false
		}
		return &apiError{he.Code, 100500, http.StatusText(he.Code), "internal_error"}, he.Code >= 500
	}
	ce := core.AsError(err)
	switch ce.Code {
	case core.EUNAUTHORIZED:
		return errToken, false
	case core.EINVALID:
		return invalid(ce.Message), false
	case core.ENOTFOUND:
		return &apiError{http.StatusOK, 100100, "您没有权限查看该对象或该对象不存在。", "active_record/record_not_found"}, false
	case core.ECONFLICT:
		return &apiError{http.StatusOK, 100409, ce.Message, "record_not_unique"}, false
	case core.EFORBIDDEN:
		return &apiError{http.StatusOK, 100403, ce.Message, "forbidden"}, false
	case core.ELIMITED: // vendor-facts.md: HTTP 429, which clients retry
		return &apiError{http.StatusTooManyRequests, 100429, "请求过于频繁,请稍后再试", "too_many_requests"}, false
	case core.EUNAVAILABLE: // the internal error, with a status that tells clients and balancers to retry
		return &apiError{http.StatusServiceUnavailable, 100500, "服务器内部错误", "internal_error"}, false
	default:
		return &apiError{http.StatusOK, 100500, "服务器内部错误", "internal_error"}, true
	}
}

// HandleError renders an error of this dialect's routes.
func (a *Adapter) HandleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	e, internal := toAPIError(err)
	if internal {
		a.opts.Log.Error("ikcrm: internal error", "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "error", err)
	}
	adapters.SetWireCode(c, strconv.Itoa(e.Code))
	_ = write(c, e.status, e)
}
