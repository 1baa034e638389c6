package qcy

import (
	"encoding/xml"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"crmgw/adapters"
	"crmgw/core"
)

// Error codes, in the numbering of the API template the WebApi's "错误代码说明" copies.
const (
	codeInternal     = "10001" // system error
	codeMissing      = "10016" // a required parameter is missing
	codeInvalid      = "10017" // a parameter has the wrong type or an invalid value
	codeNoHandler    = "10020" // no such handler
	codeMethod       = "10021" // HTTP method not supported
	codeForbidden    = "10014" // the caller may not do this
	codeRateLimited  = "10023" // the caller's requests are over its rate
	codeNotFound     = "20003" // the id names no record in the caller's tenant
	codeConflict     = "20019" // the write would duplicate a unique value
	codeAuthFailed   = "21301" // Token/Get.ashx: organisation, login name or password wrong
	codeInvalidToken = "21332" // token missing, unknown, revoked or expired
)

// wireErr is an answer in the error envelope.
type wireErr struct {
	status int
	code   string
	msg    string
}

func (e *wireErr) Error() string { return e.code + " " + e.msg }

func wireError(code, msg string) *wireErr { return &wireErr{http.StatusOK, code, msg} }

// errorBody is the error envelope: clients test for error_code, and otherwise read value.
type errorBody struct {
	XMLName   xml.Name `json:"-" xml:"root"`
	Request   string   `json:"request" xml:"request"`
	ErrorCode string   `json:"error_code" xml:"error_code"`
	Error     string   `json:"error" xml:"error"`
}

// unreachable marks a field no handler of the WebApi sends: should core name
// it all the same, core's own name is shown.
const unreachable = ""

// paramNames are the WebApi's names for the fields core's errors name. The
// fields of a JSON object parameter (customer, man, json) keep the names
// crmgw has always answered with, which are core's: name, title, phone ….
var paramNames = adapters.ParamNames{
	core.FieldAddress:        "address",
	core.FieldAmount:         unreachable,
	core.FieldApproveStatus:  unreachable,
	core.FieldContactedAt:    unreachable,
	core.FieldContent:        "content",
	core.FieldContractID:     unreachable,
	core.FieldContractPrefix: unreachable,
	core.FieldCreatedAt:      unreachable,
	core.FieldCustomFields:   unreachable,
	core.FieldCustomerID:     "customer_id",
	core.FieldCustomerIDs:    "strIds", // custIdString in Customer/RemoveCollection
	core.FieldCustomerSigner: unreachable,
	core.FieldDepartmentName: unreachable,
	core.FieldDirection:      unreachable,
	core.FieldDueOn:          unreachable,
	core.FieldDuration:       "duration",
	core.FieldEmail:          "email",
	core.FieldEndDate:        unreachable,
	core.FieldEndedAt:        "endTime",
	core.FieldFrom:           unreachable,
	core.FieldHits:           "addHit",
	core.FieldIDs:            "pkidList",
	core.FieldIMS:            "ims",
	core.FieldLines:          unreachable,
	core.FieldLostAt:         unreachable,
	core.FieldMobile:         "mobilePhone",
	core.FieldName:           "name",
	core.FieldNotifyUserIDs:  unreachable,
	core.FieldOpportunityID:  unreachable,
	core.FieldOrderNo:        "orderID",
	core.FieldOurSigner:      unreachable,
	core.FieldPage:           "page",
	core.FieldPassword:       "password",
	core.FieldPerPage:        unreachable,
	core.FieldPhone:          "phone",
	core.FieldPlannedAt:      "next_time",
	core.FieldProductName:    unreachable,
	core.FieldProductNo:      unreachable,
	core.FieldQuantity:       unreachable,
	core.FieldQuery:          unreachable,
	core.FieldRealName:       unreachable,
	core.FieldRemark:         unreachable,
	core.FieldSaleUnit:       unreachable,
	core.FieldSchedule:       "sendType",
	core.FieldScope:          unreachable,
	core.FieldSendAt:         "sendDate",
	core.FieldSize:           "size",
	core.FieldSN:             unreachable,
	core.FieldSort:           unreachable,
	core.FieldSpec:           unreachable,
	core.FieldSpecialTerms:   unreachable,
	core.FieldStage:          unreachable,
	core.FieldStartDate:      unreachable,
	core.FieldStartedAt:      "startTime",
	core.FieldStatus:         unreachable,
	core.FieldTel:            "tel",
	core.FieldTenant:         "org_id",
	core.FieldTenantName:     unreachable,
	core.FieldTitle:          "title",
	core.FieldTo:             unreachable,
	core.FieldTotalAmount:    unreachable,
	core.FieldTotalPrice:     unreachable,
	core.FieldUnitPrice:      unreachable,
	core.FieldUserName:       "login_name",
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

// errorStatuses are the HTTP statuses toWireError answers with.
var errorStatuses = []int{http.StatusOK, http.StatusBadRequest, http.StatusNotFound, http.StatusMethodNotAllowed,
	http.StatusRequestTimeout, http.StatusRequestEntityTooLarge, http.StatusTooManyRequests,
	http.StatusRequestHeaderFieldsTooLarge, http.StatusInternalServerError, http.StatusServiceUnavailable}

// toWireError maps any error to this dialect's code, in this one place.
func toWireError(err error) (e *wireErr, internal bool) {
	var we *wireErr
	if errors.As(err, &we) {
		return we, false
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			return &wireErr{he.Code, codeNoHandler, "请求的接口不存在"}, false
		case http.StatusMethodNotAllowed:
			return &wireErr{he.Code, codeMethod, "不支持该 HTTP 请求方式"}, false
		case http.StatusRequestEntityTooLarge:
			return &wireErr{he.Code, codeInvalid, "请求体过大"}, false
		case http.StatusRequestHeaderFieldsTooLarge:
			return &wireErr{he.Code, codeInvalid, "请求头过大"}, false
		case http.StatusRequestTimeout:
			return &wireErr{he.Code, codeInvalid, "请求超时"}, false
		}
		return &wireErr{he.Code, codeInternal, http.StatusText(he.Code)}, he.Code >= 500
	}
	ce := core.AsError(err)
	switch ce.Code {
	case core.EUNAUTHORIZED:
		return wireError(codeInvalidToken, "token 无效或已过期"), false
	case core.EINVALID:
		return wireError(codeInvalid, ce.Worded(paramNames.Name)), false
	case core.ENOTFOUND:
		return wireError(codeNotFound, ce.Worded(paramNames.Name)), false
	case core.ECONFLICT:
		return wireError(codeConflict, ce.Worded(paramNames.Name)), false
	case core.EFORBIDDEN:
		return wireError(codeForbidden, ce.Worded(paramNames.Name)), false
	case core.ELIMITED:
		return &wireErr{http.StatusTooManyRequests, codeRateLimited, "请求过于频繁,请稍后再试"}, false
	case core.EUNAVAILABLE: // the internal error, with a status that tells clients and balancers to retry
		return &wireErr{http.StatusServiceUnavailable, codeInternal, "系统错误"}, false
	default:
		return wireError(codeInternal, "系统错误"), true
	}
}

// HandleError renders an error of this dialect in the requested format. A
// failed call never wrote anything: core writes in one transaction or not at all.
func (a *Adapter) HandleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	we, internal := toWireError(err)
	if internal {
		a.log.Error("qcy: internal error", "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "error", err)
	}
	body := errorBody{Request: c.Request().URL.Path, ErrorCode: we.code, Error: we.msg}
	_ = render(c, we.status, body, body)
}
