package oa

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"crmgw/adapters"
	"crmgw/core"
)

// The OA's status codes (vendor-facts.md), the ones crmgw answers.
const (
	codeInternal       = "10500" // 操作异常
	codeTokenExpired   = "10501" // token已过期 / 请重新登录: also an unknown token
	codeForbidden      = "10502" // 无操作权限
	codeRequired       = "10001" // 必填项不能为空
	codeNoUser         = "10002" // 用户不存在
	codeBadPassword    = "10003" // 账号和密码不匹配
	codeFormat         = "10004" // 参数格式不正确
	codeType           = "10005" // 参数类型不正确
	codeNoCustomer     = "10037" // 客户不存在
	codeNoDepartment   = "10039" // 部门不存在
	codeNoContract     = "10053" // 合同不存在
	codeCustomerExists = "10054" // 客户名称已存在
)

// statusMsg is each code's statusmsg; the usermsg adds what exactly was wrong.
var statusMsg = map[string]string{
	codeInternal: "操作异常", codeTokenExpired: "token已过期", codeForbidden: "无操作权限",
	codeRequired: "必填项不能为空", codeNoUser: "用户不存在", codeBadPassword: "账号和密码不匹配",
	codeFormat: "参数格式不正确", codeType: "参数类型不正确", codeNoCustomer: "客户不存在",
	codeNoDepartment: "部门不存在", codeNoContract: "合同不存在", codeCustomerExists: "客户名称已存在",
}

// oaError is an answer in the OA's error shape.
type oaError struct {
	status int // HTTP status: 200 but for unknown routes
	code   string
	detail string // the usermsg
}

func (e *oaError) Error() string { return e.code + " " + e.detail }

func statusError(code, detail string) *oaError {
	return &oaError{status: http.StatusOK, code: code, detail: detail}
}

// errorStatuses are the HTTP statuses toOAError answers with.
var errorStatuses = []int{http.StatusOK, http.StatusBadRequest, http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusRequestTimeout,
	http.StatusRequestEntityTooLarge, http.StatusTooManyRequests, http.StatusRequestHeaderFieldsTooLarge,
	http.StatusInternalServerError, http.StatusServiceUnavailable}

// notFoundCode is the code for a record of each kind that is not in the tenant.
var notFoundCode = map[string]string{
	"user": codeNoUser, "department": codeNoDepartment, "customer": codeNoCustomer, "contract": codeNoContract,
}

// unreachable marks a field no endpoint of the OA sends: should core name it
// all the same, core's own name is shown.
const unreachable = ""

// paramNames are the OA's names for the fields core's errors name.
var paramNames = adapters.ParamNames{
	core.FieldAddress:        "address",
	core.FieldAmount:         "targetamount",
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
	core.FieldFrom:           unreachable,
	core.FieldHits:           unreachable,
	core.FieldIDs:            "ids",
	core.FieldIMS:            unreachable,
	core.FieldLines:          unreachable,
	core.FieldLostAt:         unreachable,
	core.FieldMobile:         unreachable,
	core.FieldName:           "name",
	core.FieldNotifyUserIDs:  unreachable,
	core.FieldOpportunityID:  unreachable,
	core.FieldOrderNo:        unreachable,
	core.FieldOurSigner:      unreachable,
	core.FieldPage:           "page",
	core.FieldPassword:       "password",
	core.FieldPerPage:        unreachable,
	core.FieldPhone:          unreachable,
	core.FieldPlannedAt:      unreachable,
	core.FieldProductName:    unreachable,
	core.FieldProductNo:      unreachable,
	core.FieldQuantity:       unreachable,
	core.FieldQuery:          "keyword",
	core.FieldRealName:       unreachable,
	core.FieldRemark:         unreachable,
	core.FieldSaleUnit:       unreachable,
	core.FieldSchedule:       unreachable,
	core.FieldScope:          "flag",
	core.FieldSendAt:         unreachable,
	core.FieldSize:           "size",
	core.FieldSN:             unreachable,
	core.FieldSort:           "order",
	core.FieldSpec:           unreachable,
	core.FieldSpecialTerms:   unreachable,
	core.FieldStage:          unreachable,
	core.FieldStartDate:      unreachable,
	core.FieldStartedAt:      unreachable,
	core.FieldStatus:         "status",
	core.FieldTel:            "tel",
	core.FieldTenant:         "tenant",
	core.FieldTenantName:     unreachable,
	core.FieldTitle:          unreachable,
	core.FieldTo:             unreachable,
	core.FieldTotalAmount:    unreachable,
	core.FieldTotalPrice:     unreachable,
	core.FieldUnitPrice:      unreachable,
	core.FieldUserName:       "username",
	core.FieldQQ:             unreachable,
	core.FieldWechat:         unreachable,
	core.FieldURL:            "site",
	core.FieldZip:            unreachable,
	core.FieldFax:            "fax",
	core.FieldNote:           "remark",
	core.FieldProfile:        "comprofile",
	core.FieldLevel:          "level",
	core.FieldTags:           unreachable,
}

// toOAError maps any error to the OA's code, in this one place.
func toOAError(err error) (*oaError, bool) {
	var oe *oaError
	if errors.As(err, &oe) {
		return oe, false
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		msg := http.StatusText(he.Code)
		switch he.Code {
		case http.StatusNotFound:
			msg = "接口不存在"
		case http.StatusMethodNotAllowed:
			msg = "请求方式不支持"
		case http.StatusRequestEntityTooLarge:
			return &oaError{status: he.Code, code: codeFormat, detail: "请求体过大"}, false
		case http.StatusRequestHeaderFieldsTooLarge:
			return &oaError{status: he.Code, code: codeFormat, detail: "请求头过大"}, false
		case http.StatusRequestTimeout:
			return &oaError{status: he.Code, code: codeFormat, detail: "请求超时"}, false
		}
		return &oaError{status: he.Code, code: codeInternal, detail: msg}, he.Code >= 500
	}
	ce := core.AsError(err)
	switch ce.Code {
	case core.EUNAUTHORIZED:
		return &oaError{status: http.StatusOK, code: codeTokenExpired, detail: "请重新登录"}, false
	case core.EFORBIDDEN:
		return statusError(codeForbidden, ce.Worded(paramNames.Name)), false
	case core.EINVALID:
		return statusError(codeFormat, ce.Worded(paramNames.Name)), false
	case core.ENOTFOUND:
		if code, known := notFoundCode[ce.Entity]; known {
			return statusError(code, ce.Worded(paramNames.Name)), false
		}
		return statusError(codeInternal, ce.Worded(paramNames.Name)), false
	case core.ECONFLICT:
		if ce.Entity == "customer" && ce.Field == core.FieldName {
			return statusError(codeCustomerExists, ce.Worded(paramNames.Name)), false
		}
		return statusError(codeInternal, ce.Worded(paramNames.Name)), false
	case core.ELIMITED:
		return &oaError{status: http.StatusTooManyRequests, code: codeInternal, detail: "请求过于频繁,请稍后再试"}, false
	case core.EUNAVAILABLE: // the internal error, with a status that tells clients and balancers to retry
		return &oaError{status: http.StatusServiceUnavailable, code: codeInternal, detail: "操作异常"}, false
	default:
		return statusError(codeInternal, "操作异常"), true
	}
}

// HandleError renders any error of this dialect's routes in the OA envelope,
// with data {} so clients that read data find an object. Unexpected errors are
// logged with the request id and never shown.
func (a *Adapter) HandleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	oe, internal := toOAError(err)
	if internal {
		a.opts.Log.Error("oa: internal error", "request_id", c.Response().Header().Get(echo.HeaderXRequestID), "error", err)
	}
	_ = write(c, oe.status, envelope{StatusCode: oe.code, StatusMsg: statusMsg[oe.code], Data: struct{}{}, UserMsg: oe.detail})
}
