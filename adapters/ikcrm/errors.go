package ikcrm

import (
	"errors"
	"fmt"
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

// The codes crmgw answers (vendor-facts.md, vendor-facts-wider.md §1.5).
// Clients log in again on 100000, 100400 and 100401, one only on 100401,
// another on a message naming 登录: a token that does not work is the
// vendor's own expired-login answer, which every one of them acts on.
var (
	errDevice = &apiError{http.StatusOK, 100000, "device参数错误", "invalid_app_error"}
	errToken  = &apiError{http.StatusOK, 100401, "您的登录已经过期,请重新登录!", "user_authentication_error"}
	errLogin  = &apiError{http.StatusOK, 100400, "用户名或密码错误", "invalid_login"}
)

func invalid(message string) *apiError {
	return &apiError{http.StatusOK, 100422, message, "invalid_params"}
}

// unreachable marks a field no endpoint of the open API sends: should core
// name it all the same, core's own name is shown.
const unreachable = ""

// paramNames are the open API's names for the fields core's errors name.
var paramNames = adapters.ParamNames{
	core.FieldAddress:        "detail_address",
	core.FieldAmount:         unreachable,
	core.FieldApproveStatus:  "approve_status",
	core.FieldContactedAt:    unreachable,
	core.FieldContent:        unreachable,
	core.FieldContractID:     unreachable,
	core.FieldContractPrefix: unreachable,
	core.FieldCreatedAt:      unreachable,
	core.FieldCustomFields:   "custom_fields", // the contract's keys that are none of its fields
	core.FieldCustomerID:     "customer_id",
	core.FieldCustomerIDs:    unreachable,
	core.FieldCustomerSigner: "customer_signer",
	core.FieldDepartmentName: unreachable,
	core.FieldDirection:      unreachable,
	core.FieldDueOn:          unreachable,
	core.FieldDuration:       unreachable,
	core.FieldEmail:          "email",
	core.FieldEndDate:        "end_at",
	core.FieldEndedAt:        unreachable,
	core.FieldFrom:           unreachable,
	core.FieldHits:           unreachable,
	core.FieldIDs:            unreachable,
	core.FieldIMS:            unreachable,
	core.FieldLines:          "product_assets", // as the contract shows them
	core.FieldLostAt:         unreachable,
	core.FieldMobile:         unreachable,
	core.FieldName:           "name",
	core.FieldNotifyUserIDs:  "notify_user_ids",
	core.FieldOpportunityID:  "opportunity_id",
	core.FieldOrderNo:        unreachable,
	core.FieldOurSigner:      "our_signer",
	core.FieldPage:           "page",
	core.FieldPassword:       "password",
	core.FieldPerPage:        "per_page",
	core.FieldPhone:          "phone",
	core.FieldPlannedAt:      unreachable,
	core.FieldProductName:    "product_name",
	core.FieldProductNo:      "product_no",
	core.FieldQuantity:       "quantity",
	core.FieldQuery:          "query",
	core.FieldRealName:       unreachable,
	core.FieldRemark:         "remark",
	core.FieldSaleUnit:       "sale_unit",
	core.FieldSchedule:       unreachable,
	core.FieldScope:          "tab_type",
	core.FieldSendAt:         unreachable,
	core.FieldSize:           unreachable,
	core.FieldSN:             "sn",
	core.FieldSort:           "sort",
	core.FieldSpec:           "spec",
	core.FieldSpecialTerms:   "special_terms",
	core.FieldStage:          unreachable,
	core.FieldStartDate:      "start_at",
	core.FieldStartedAt:      unreachable,
	core.FieldStatus:         "status",
	core.FieldTel:            "tel",
	core.FieldTenant:         "corp_id",
	core.FieldTenantName:     unreachable,
	core.FieldTitle:          "title",
	core.FieldTo:             unreachable,
	core.FieldTotalAmount:    "total_amount",
	core.FieldTotalPrice:     "total_price",
	core.FieldUnitPrice:      "recommended_unit_price",
	core.FieldUserName:       "login",
	core.FieldQQ:             "qq",
	core.FieldWechat:         "wechat",
	core.FieldURL:            "url",
	core.FieldZip:            "zip",
	core.FieldFax:            "fax",
	core.FieldNote:           "note",
	core.FieldProfile:        unreachable,
	core.FieldLevel:          unreachable,
	core.FieldTags:           "labels",
}

// message is ce's message in the open API's names.
func message(ce *core.Error) string { return ce.Worded(paramNames.Name) }

// referenceFields name the request field behind a reference core did not find.
var referenceFields = map[string]string{
	"customer": "customer_id", "user": "user_id", "department": "want_department_id", "opportunity": "opportunity_id",
	core.DictContractCategory: "category", core.DictPaymentType: "payment_type", "contract line": "product_assets_attributes",
}

// writeError words core's answer to a contract write of change as the
// vendor does: a reference that is not in the tenant is a bad parameter
// naming its field; the contract itself not found stays 100100.
func writeError(err error, change core.ContractChange) error {
	ce := core.AsError(err)
	switch {
	case ce.Code == core.ENOTFOUND && ce.Field == core.FieldLines && ce.Index > 0: // a line change of a line the contract does not hold
		return invalid(fmt.Sprintf("%s 第 %d 项: %s 明细 %d 不属于该合同", label("product_assets_attributes"), ce.Index,
			label("id"), change.Lines[ce.Index-1].ID))
	case ce.Code == core.ENOTFOUND:
		field := referenceFields[ce.Entity]
		if ce.Field != "" {
			field = paramNames.Name(ce.Field)
		}
		if field != "" {
			return invalid(label(field) + " 不存在: " + message(ce))
		}
	case ce.Code == core.EINVALID && ce.Field == core.FieldOpportunityID: // turning an opportunity, with none named
		return invalid(label("opportunity_id") + " 不能为空: 商机转合同需要商机 id")
	case ce.Code == core.EINVALID:
		return invalid(label(paramNames.Name(ce.Field)) + ": " + message(ce))
	case ce.Code == core.ECONFLICT:
		return &apiError{http.StatusOK, 100409, label("sn") + " 已经被使用: " + message(ce), "record_not_unique"}
	}
	return err
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
		return invalid(message(ce)), false
	case core.ENOTFOUND:
		return &apiError{http.StatusOK, 100100, "您没有权限查看该对象或该对象不存在。", "active_record/record_not_found"}, false
	case core.ECONFLICT:
		return &apiError{http.StatusOK, 100409, message(ce), "record_not_unique"}, false
	case core.EFORBIDDEN:
		return &apiError{http.StatusOK, 100403, message(ce), "forbidden"}, false
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
