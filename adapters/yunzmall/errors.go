package yunzmall

import (
	"errors"
	"fmt"
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

// loginRequired is the answer to a request without a valid session or token:
// the admin middleware's {"result":0,"msg":"","data":{"login_status":1,…}},
// on which the framework's front end goes to its login page.
// (vendor-facts-wider.md §2: the business plugins' own answer was not seen;
// the member answer's login_status 0 is one the admin front end ignores.)
type loginRequired struct {
	Result  int         `json:"result"`
	Message string      `json:"msg"`
	Data    loginStatus `json:"data"`
}

type loginStatus struct {
	LoginStatus int    `json:"login_status"`
	LoginURL    string `json:"login_url"`
}

var errLogin = &loginRequired{Data: loginStatus{LoginStatus: 1, LoginURL: "/#/login"}}

// refused is a member login's refusal: {"result":0,"msg":…,"data":{"status":N}}.
type refused struct {
	Result  int          `json:"result"`
	Message string       `json:"msg"`
	Data    memberStatus `json:"data"`
}

type memberStatus struct {
	Status int `json:"status"`
}

func (e *refused) Error() string { return e.Message }

// unreachable marks a field the plugin never sends: should core name it all
// the same, core's own name is shown.
const unreachable = ""

// paramNames are the plugin's names for the fields core's errors name.
var paramNames = adapters.ParamNames{
	core.FieldAddress:        unreachable,
	core.FieldAmount:         unreachable,
	core.FieldApproveStatus:  unreachable,
	core.FieldContactedAt:    unreachable,
	core.FieldContent:        unreachable,
	core.FieldContractID:     unreachable,
	core.FieldContractPrefix: unreachable,
	core.FieldCreatedAt:      unreachable,
	core.FieldCustomFields:   unreachable,
	core.FieldCustomerID:     unreachable,
	core.FieldCustomerIDs:    unreachable,
	core.FieldCustomerSigner: unreachable,
	core.FieldDepartmentName: unreachable,
	core.FieldDirection:      unreachable,
	core.FieldDueOn:          unreachable,
	core.FieldDuration:       unreachable,
	core.FieldEmail:          unreachable,
	core.FieldEndDate:        unreachable,
	core.FieldEndedAt:        unreachable,
	core.FieldFrom:           "search[date]",
	core.FieldHits:           unreachable,
	core.FieldIDs:            unreachable,
	core.FieldIMS:            unreachable,
	core.FieldLines:          unreachable,
	core.FieldLostAt:         unreachable,
	core.FieldMobile:         unreachable,
	core.FieldName:           "search[name]",
	core.FieldNotifyUserIDs:  unreachable,
	core.FieldOpportunityID:  unreachable,
	core.FieldOrderNo:        unreachable,
	core.FieldOurSigner:      unreachable,
	core.FieldPage:           "page",
	core.FieldPassword:       unreachable,
	core.FieldPerPage:        unreachable, // fixed: the plugin's page size
	core.FieldPhone:          unreachable,
	core.FieldPlannedAt:      unreachable,
	core.FieldProductName:    unreachable,
	core.FieldProductNo:      unreachable,
	core.FieldQuantity:       unreachable,
	core.FieldQuery:          unreachable,
	core.FieldRealName:       unreachable,
	core.FieldRemark:         unreachable,
	core.FieldSaleUnit:       unreachable,
	core.FieldSchedule:       unreachable,
	core.FieldScope:          unreachable,
	core.FieldSendAt:         unreachable,
	core.FieldSize:           unreachable,
	core.FieldSN:             unreachable,
	core.FieldSort:           unreachable,
	core.FieldSpec:           unreachable,
	core.FieldSpecialTerms:   unreachable,
	core.FieldStage:          unreachable,
	core.FieldStartDate:      unreachable,
	core.FieldStartedAt:      unreachable,
	core.FieldStatus:         unreachable,
	core.FieldTel:            unreachable,
	core.FieldTenant:         unreachable,
	core.FieldTenantName:     unreachable,
	core.FieldTitle:          unreachable,
	core.FieldTo:             "search[date]",
	core.FieldTotalAmount:    unreachable,
	core.FieldTotalPrice:     unreachable,
	core.FieldUnitPrice:      unreachable,
	core.FieldUserName:       unreachable,
	core.FieldQQ:             unreachable,
	core.FieldWechat:         unreachable,
	core.FieldURL:            unreachable,
	core.FieldZip:            unreachable,
	core.FieldFax:            unreachable,
	core.FieldNote:           unreachable,
	core.FieldProfile:        unreachable,
	core.FieldLevel:          unreachable,
	core.FieldTags:           unreachable,
}

// statsError words core's answer to the statistics of q as the plugin does:
// a department not in the tenant, or a NUL in the name searched for.
func statsError(err error, q core.EmployeeStatsQuery) error {
	switch ce := core.AsError(err); {
	case ce.Code == core.ENOTFOUND:
		return invalid(fmt.Sprintf("部门不存在: %d", q.DepartmentID))
	case ce.Code == core.EINVALID && ce.Field == core.FieldName:
		return invalid(paramNames.Name(core.FieldName) + " 不能包含 NUL 字符")
	}
	return err
}

// errorStatuses are the HTTP statuses HandleError answers with.
var errorStatuses = []int{http.StatusOK, http.StatusRequestTimeout,
	http.StatusRequestEntityTooLarge, http.StatusTooManyRequests, http.StatusRequestHeaderFieldsTooLarge,
	http.StatusServiceUnavailable}

// HandleError renders an error of this dialect's routes, mapping core's codes in this one place.
func (a *Adapter) HandleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	body, status, internal := answerOf(err)
	if internal {
		a.opts.Log.Error("yunzmall: internal error", "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "error", err)
	}
	code := "0"
	if ae, ok := body.(*appError); ok {
		code = strconv.Itoa(ae.Code)
	}
	adapters.SetWireCode(c, code)
	_ = write(c, status, body)
}

// answerOf is the answer to err and its HTTP status: one of the shapes in Errors.
func answerOf(err error) (body any, status int, internal bool) {
	var ae *appError
	var rf *refused
	switch {
	case errors.As(err, &ae):
		return ae, http.StatusOK, false
	case errors.As(err, &rf):
		return rf, http.StatusOK, false
	case core.ErrorCode(err) == core.EUNAUTHORIZED: // a missing, unknown, revoked or expired token
		return errLogin, http.StatusOK, false
	}
	f, internal := toFailure(err)
	return f, f.status, internal
}

// toFailure maps any other error to the framework's envelope.
func toFailure(err error) (f *failure, internal bool) {
	if errors.As(err, &f) {
		return f, false
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound, http.StatusMethodNotAllowed:
			// vendor-facts.md: the framework's unknown route, with HTTP 200 as
			// every envelope of its (its front end sends any other status to #/500)
			return fail(http.StatusOK, "不存在的接口"), false
		case http.StatusRequestEntityTooLarge:
			return fail(he.Code, "请求体过大"), false
		case http.StatusRequestHeaderFieldsTooLarge:
			return fail(he.Code, "请求头过大"), false
		case http.StatusRequestTimeout:
			return fail(he.Code, "请求超时"), false
		}
	}
	ce := core.AsError(err)
	switch ce.Code {
	case core.EINVALID, core.ENOTFOUND, core.ECONFLICT, core.EFORBIDDEN:
		return invalid(ce.Worded(paramNames.Name)), false
	case core.ELIMITED:
		return fail(http.StatusTooManyRequests, "请求过于频繁,请稍后再试"), false
	case core.EUNAVAILABLE: // the internal error, with a status that tells clients and balancers to retry
		return fail(http.StatusServiceUnavailable, "服务器内部错误"), false
	}
	return fail(http.StatusOK, "服务器内部错误"), true // HTTP 200, as the framework answers every envelope
}
