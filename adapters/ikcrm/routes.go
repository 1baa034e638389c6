// Package ikcrm speaks the ikcrm (weiwenjia) open API (ikcrm-contracts.md):
// Authorization: Token token=…,device=open_api, {"code":0,"data":…}, and
// errors as {"code","message","error"}.
package ikcrm

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"crmgw/adapters"
	"crmgw/config"
	"crmgw/core"
)

func init() {
	adapters.Register(adapters.Registration{Name: "ikcrm",
		// Prefix empty: the doc's /api/v2/… from the root; LoginTTL: how long
		// a user_token issued by /api/v2/auth/login works.
		Defaults: config.Dialect{Enabled: true, LoginTTL: 7 * 24 * time.Hour},
		New:      func(svc *core.Service, opts adapters.Options) adapters.Dialect { return New(svc, opts).Dialect() }})
}

// Adapter serves the ikcrm open API over core.
type Adapter struct {
	svc  *core.Service
	opts adapters.Options
}

// New returns the ikcrm adapter.
func New(svc *core.Service, opts adapters.Options) *Adapter {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Adapter{svc: svc, opts: opts}
}

// Dialect describes the open API to the gateway: its endpoints, in the doc's order.
func (a *Adapter) Dialect() adapters.Dialect {
	p := a.opts.Prefix + "/api/v2"
	return adapters.Dialect{
		Name:        "ikcrm",
		Prefixes:    []string{a.opts.Prefix + "/api"},
		Credentials: []string{"user_token", "token", "password", headerAccessToken},
		Canonical:   trailingSlashes(a.opts.Prefix + "/api/"),
		HandleError: a.HandleError,
		SuccessCode: "0",
		AnswerCode:  answerCode,
		Keys: map[adapters.Auth][]adapters.Key{adapters.AuthToken: {
			{Name: "Authorization", In: adapters.InHeader, Doc: `Token token="<user_token>",device="open_api", quoted or not; device one of open_api, dingtalk, wxwork, web, dingtalk_open`},
			{Name: headerAccessToken, In: adapters.InHeader, Doc: "the user_token, when no Authorization header is sent (the standalone host's form, beside X-LXY-PLATFORM and X-LXY-APP): the open_api device"},
			{Name: "user_token", In: adapters.InQuery, Doc: "the user_token, with device, when neither header is sent: in the query string, or in the body (a GET's form body too)"},
		}},
		Bodies:        []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data"},
		Envelope:      func(data any) any { return success{Data: data} },
		Errors:        []any{apiError{}},
		ErrorStatuses: errorStatuses,
		Endpoints: []adapters.Endpoint{
			{Methods: post, Path: p + "/auth/login", Auth: adapters.AuthLogin, // vendor-facts.md
				Summary: "登录: a user_token for a login name and password",
				Params: []adapters.Param{
					form("login", "string", true, "登录名"),
					form("password", "string", true, "密码"),
					form("corp_id", "string", false, "公司: the tenant's ikcrm corp id, organisation id or name, needed where a login name is in several"),
					form("device", "string", false, "open_api (when absent), dingtalk, wxwork, web or dingtalk_open"),
					form("version_code", "string", false, "客户端版本, not read"),
				},
				Handler: a.handleLogin(a.login), Result: loginData{},
				IssuedToken: func(_ http.Header, body []byte) string { return adapters.StringAt(body, "data", "user_token") }},
			{Methods: get, Path: p + "/contracts", Auth: adapters.AuthToken,
				Summary: "合同列表",
				Params: append(tokenParams(),
					query("page", "integer", "", "页码, from 1"),
					query("per_page", "integer", "", "每页条数, 15 when absent, at most 1000"),
					query("query", "string", "", "part of the title or 合同编号 (sn)"),
					query("status", "integer", "dictionary", "合同状态 id, from GET /api/v2/field_maps/contract"),
					query("approve_status", "string", "", "审批状态: applying or approved"),
					query("sort", "string", "", "created_at (when absent), updated_at, sign_date or total_amount"),
					query("order", "string", "", "desc (when absent) or asc"),
					query("entity", "string", "", "customer or opportunity, with entity_id"),
					query("entity_id", "integer", "", "the id of the customer or opportunity entity names"),
					query("tab_type", "string", "", "my: the caller's; sub: the others' in the caller's department"),
				),
				Handler: a.handle(a.listContracts), Result: contractPage{}},
			{Methods: post, Path: p + "/contracts", Auth: adapters.AuthToken,
				Summary: "新增合同",
				Params:  append(tokenParams(), contractParams(true)...),
				Handler: a.handle(a.createContract), Result: contractView{}, Writes: true, NewID: "data.id"},
			{Methods: get, Path: p + "/contracts/:id", Auth: adapters.AuthToken,
				Summary: "合同详情",
				Params:  append(tokenParams(), contractIDParam),
				Handler: a.handle(a.showContract), Result: contractView{}},
			{Methods: []string{http.MethodPut}, Path: p + "/contracts/:id", Auth: adapters.AuthToken,
				Summary: "更新合同: the fields sent change, the others stay",
				Params:  append(append(tokenParams(), contractIDParam), contractParams(false)...),
				Handler: a.handle(a.updateContract), Result: contractView{}, Writes: true},
			{Methods: []string{http.MethodDelete}, Path: p + "/contracts/:id", Auth: adapters.AuthToken,
				Summary: "删除合同",
				Params:  append(tokenParams(), contractIDParam),
				Handler: a.handle(a.deleteContract), Result: deleted{}, Writes: true},
			{Methods: get, Path: p + "/field_maps/contract", Auth: adapters.AuthToken,
				Summary: "合同字段的选项: category, payment_type and status",
				Params:  tokenParams(),
				Handler: a.handle(a.contractFieldMaps), Result: map[string][]fieldMap{}},
			// 回款 (vendor-facts-wider.md §1.11): a contract's plans, and the top-level payments and plans.
			{Methods: get, Path: p + "/contracts/:id/received_payments", Auth: adapters.AuthToken,
				Summary: "合同的回款计划: the contract's payment plans, each with what was received on it",
				Params:  append(append(tokenParams(), contractIDParam), pageParams()...),
				Handler: a.handle(a.listContractPlans), Result: receivedPaymentPlanPage{}},
			{Methods: get, Path: p + "/contracts/:id/received_payments/:sub_id", Auth: adapters.AuthToken,
				Summary: "回款计划详情: one of the contract's payment plans",
				Params: append(tokenParams(), contractIDParam,
					adapters.Param{Name: "sub_id", In: adapters.InPath, Type: "integer", Required: true, Ref: "payment plan", Doc: "回款计划 id"}),
				Handler: a.handle(a.showContractPlan), Result: receivedPaymentPlanDetail{}},
			{Methods: get, Path: p + "/received_payments", Auth: adapters.AuthToken,
				Summary: "回款记录: the payments received, newest first",
				Params:  append(append(tokenParams(), pageParams()...), query("contract_id", "integer", "contract", "合同 id: only its payments")),
				Handler: a.handle(a.listPayments), Result: receivedPaymentPage{}},
			{Methods: post, Path: p + "/received_payments", Auth: adapters.AuthToken,
				Summary: "新增回款记录: money received on a contract",
				Params: append(tokenParams(),
					body("received_payment[contract_id]", "integer", true, "contract", "合同 id"),
					body("received_payment[amount]", "number", true, "", "金额, positive, to the cent"),
					body("received_payment[receive_date]", "date", false, "", "回款日期, in the tenant's zone; today when absent"),
					body("received_payment[received_payment_plan_id]", "integer", false, "payment plan", "回款计划: a plan of the same contract it settles"),
					body("received_payment[received_types]", "integer", false, "dictionary", "付款方式, from GET /api/v2/field_maps/contract (payment_type)"),
					body("received_payment[note]", "string", false, "", "备注, at most 255 characters"),
				),
				Handler: a.handle(a.createPayment), Result: receivedPayment{}, Writes: true, NewID: "data.id"},
			{Methods: get, Path: p + "/received_payments/:id", Auth: adapters.AuthToken,
				Summary: "回款记录详情",
				Params:  append(tokenParams(), adapters.Param{Name: "id", In: adapters.InPath, Type: "integer", Required: true, Ref: "payment", Doc: "回款记录 id"}),
				Handler: a.handle(a.showPayment), Result: receivedPayment{}},
			{Methods: get, Path: p + "/received_payment_plans", Auth: adapters.AuthToken,
				Summary: "回款计划: the payment plans, in due order",
				Params:  append(append(tokenParams(), pageParams()...), query("contract_id", "integer", "contract", "合同 id: only its plans")),
				Handler: a.handle(a.listPlans), Result: receivedPaymentPlanPage{}},
			{Methods: post, Path: p + "/received_payment_plans", Auth: adapters.AuthToken,
				Summary: "新增回款计划: an instalment expected on a contract",
				Params: append(tokenParams(),
					body("received_payment_plan[contract_id]", "integer", true, "contract", "合同 id"),
					body("received_payment_plan[amount]", "number", true, "", "计划金额, positive, to the cent"),
					body("received_payment_plan[receive_date]", "date", true, "", "计划回款日期, in the tenant's zone"),
					body("received_payment_plan[received_types]", "integer", false, "dictionary", "付款方式 (payment_type)"),
					body("received_payment_plan[note]", "string", false, "", "备注, at most 255 characters"),
				),
				Handler: a.handle(a.createPlan), Result: receivedPaymentPlanDetail{}, Writes: true, NewID: "data.id"},
			{Methods: get, Path: p + "/opportunities", Auth: adapters.AuthToken, // vendor-facts-wider.md §1.8
				Summary: "商机列表",
				Params: append(tokenParams(), append(pageParams(),
					query("query", "string", "", "part of the title"),
					query("stage", "integer", "dictionary", "销售阶段 id"),
					query("customer_id", "integer", "customer", "客户 id"),
					query("entity", "string", "", "customer, with entity_id"),
					query("entity_id", "integer", "customer", "the customer's id"),
					query("sort", "string", "", "created_at (when absent), updated_at, real_revisit_at, expect_sign_date or expect_amount"),
					query("order", "string", "", "desc (when absent) or asc"),
				)...),
				Handler: a.handle(a.listOpportunities), Result: opportunityPage{}},
			{Methods: []string{http.MethodPost, http.MethodPut}, Path: p + "/opportunities", Auth: adapters.AuthToken,
				Summary: "新增商机 (PUT too, as one SDK creates)",
				Params:  append(tokenParams(), opportunityParams(true)...),
				Handler: a.handle(a.createOpportunity), Result: opportunityView{}, Writes: true, NewID: "data.id"},
			{Methods: get, Path: p + "/opportunities/:id", Auth: adapters.AuthToken,
				Summary: "商机详情",
				Params:  append(tokenParams(), opportunityIDParam),
				Handler: a.handle(a.showOpportunity), Result: opportunityView{}},
			{Methods: []string{http.MethodPut, http.MethodPost}, Path: p + "/opportunities/:id", Auth: adapters.AuthToken,
				Summary: "更新商机 (POST too, as one SDK updates): the fields sent change, the others stay",
				Params:  append(append(tokenParams(), opportunityIDParam), opportunityParams(false)...),
				Handler: a.handle(a.updateOpportunity), Result: opportunityView{}, Writes: true},
			{Methods: get, Path: p + "/customers/:id/opportunities", Auth: adapters.AuthToken,
				Summary: "客户的商机: the opportunity list of one customer, with counts_by_stage",
				Params: append(append(tokenParams(), adapters.Param{Name: "id", In: adapters.InPath, Type: "integer", Required: true, Ref: "customer", Doc: "客户 id"}),
					append(pageParams(),
						query("query", "string", "", "part of the title"),
						query("stage", "integer", "dictionary", "销售阶段 id"),
						query("sort", "string", "", "as the opportunity list's"),
						query("order", "string", "", "desc (when absent) or asc"),
					)...),
				Handler: a.handle(a.customerOpportunities), Result: customerOpportunityPage{}},
			{Methods: get, Path: p + "/field_maps/opportunity", Auth: adapters.AuthToken,
				Summary: "商机字段的选项: stage, source and kind",
				Params:  tokenParams(),
				Handler: a.handle(a.opportunityFieldMaps), Result: map[string][]fieldMap{}},
			{Methods: get, Path: p + "/revisit_logs/new_index", Auth: adapters.AuthToken, // vendor-facts-wider.md §1.9
				Summary: "跟进记录列表, the latest first",
				Params: append(tokenParams(), append(pageParams(),
					query("date", "string", "", "today (when absent), yesterday, this_week, last_week, this_month, last_month, all, or other with start_date and end_date"),
					query("start_date", "date", "", "the first day, 2015-06-15 or 2019/5/6; date=other when date is absent"),
					query("end_date", "date", "", "the last day, included"),
					query("user_id", "integer", "user", "员工 id"),
					query("department_id", "integer", "department", "部门 id: its users' follow-ups"),
					query("loggable_type", "string", "", "lead, customer, contact, opportunity or contract (lowercase)"),
					query("loggable_id", "integer", "", "the record's id, with loggable_type"),
				)...),
				Handler: a.handle(a.listRevisitLogs), Result: revisitPage{}},
			{Methods: post, Path: p + "/revisit_logs", Auth: adapters.AuthToken,
				Summary: "新增跟进记录: a follow-up of the record's customer",
				Params: append(tokenParams(),
					body("revisit_log[loggable_type]", "string", true, "", "Customer, Contact, Opportunity or Contract"),
					body("revisit_log[loggable_id]", "integer", true, "", "the record's id"),
					body("revisit_log[content]", "string", false, "", "跟进内容"),
					body("revisit_log[real_revisit_at]", "datetime", false, "", "实际跟进时间, with or without seconds; now when absent"),
					body("revisit_log[remind_at]", "datetime", false, "", "提醒时间: schedules a contact plan for then"),
					body("revisit_log[category]", "integer", false, "dictionary", "跟进类型 id (the contact types)"),
					body("revisit_log[loggable_attributes][stage]", "integer", false, "dictionary", "an opportunity's new 销售阶段"),
					body("revisit_log[loggable_attributes][status]", "integer", false, "dictionary", "a customer's new 客户状态"),
					body("revisit_log[address_attributes][detail_address]", "string", false, "", "where the visit was made"),
					body("revisit_log[lat]", "number", false, "", "its latitude, with lng; kept as written"),
					body("revisit_log[lng]", "number", false, "", "its longitude, with lat"),
					body("contacts_ids", "array", false, "contact", "the contact spoken to: one of the customer's"),
					body("at_user_ids", "array", false, "user", "users to notify: accepted, not kept (crmgw sends no notifications)"),
				),
				Handler: a.handle(a.createRevisitLog), Result: revisitLog{}, Writes: true, NewID: "data.id"},
			{Methods: get, Path: p + "/checkins", Auth: adapters.AuthToken, // vendor-facts-wider.md §1.13
				Summary: "签到列表: the follow-ups made at a place, the latest first",
				Params: append(tokenParams(), append(pageParams(),
					query("user_id", "integer", "user", "员工 id"),
					query("checkable_type", "string", "", "Customer or Opportunity, with checkable_id"),
					query("checkable_id", "integer", "", "the customer's or opportunity's id"),
					query("detail_address", "string", "", "part of the address"),
				)...),
				Handler: a.handle(a.listCheckins), Result: checkinPage{}},
			{Methods: get, Path: p + "/user/list", Auth: adapters.AuthToken, // vendor-facts-wider.md §1.12
				Summary: "员工列表",
				Params: append(tokenParams(), append(pageParams(),
					query("name", "string", "", "part of the name or the login name"),
					query("department_id", "integer", "department", "部门 id"),
					query("user_id", "integer", "user", "员工 id"),
					query("except_user_id", "integer", "user", "all but this user"),
					query("phone", "string", "", "手机号, exactly"),
					query("dingtalk_userid", "string", "", "钉钉 userid: crmgw keeps none, so no user matches"),
					query("sort", "string", "", "id (when absent), superior_id (the same: no user has a superior), created_at or name"),
					query("order", "string", "", "asc (when absent) or desc"),
				)...),
				Handler: a.handle(a.listUsers), Result: userPage{}},
			{Methods: get, Path: p + "/user/department_list", Auth: adapters.AuthToken,
				Summary: "部门列表: every department, each a top one",
				Params: append(tokenParams(),
					query("except_id", "integer", "department", "all but this department"),
					query("per_page", "integer", "", "accepted, not applied: the list is whole"),
				),
				Handler: a.handle(a.departmentList), Result: departmentOptions{}},
			// The wider API's customers, contacts and custom fields (vendor-facts-wider.md §1.6, §1.7, §1.13).
			{Methods: get, Path: p + "/customers", Auth: adapters.AuthToken,
				Summary: "客户列表",
				Params: append(append(tokenParams(), pageParams()...),
					query("query", "string", "", "part of the name, 电话 or 手机"),
					query("tab_type", "string", "", "my: the caller's; sub: the others' in the caller's department; common: the public pool; assist: shared with the caller"),
					query("user_id", "integer", "user", "负责人 id"),
					query("department_id", "integer", "department", "the owners' department; empty is absent"),
					query("status", "integer", "dictionary", "客户状态 id, from GET /api/v2/field_maps/customer"),
					query("category", "integer", "dictionary", "客户类型 id"),
					query("source", "integer", "dictionary", "客户来源 id"),
					query("created_at[]", "array", "", "创建日期 from, to (both included; either may be empty)"),
					query("real_revisit_at[]", "array", "", "跟进日期 from, to: a follow-up within them; real_revisit_at=<date> for one day"),
					query("sort", "string", "", "created_at (when absent), updated_at or name"),
					query("order", "string", "", "desc (when absent) or asc"),
				),
				Handler: a.handle(a.listCustomers), Result: customerPage{}},
			{Methods: post, Path: p + "/customers", Auth: adapters.AuthToken,
				Summary: "新增客户",
				Params:  append(tokenParams(), customerParams(true)...),
				Handler: a.handle(a.createCustomer), Result: &customerObject{}, Writes: true, NewID: "data.id"},
			{Methods: get, Path: p + "/customers/:id", Auth: adapters.AuthToken,
				Summary: "客户详情: the customer as data",
				Params:  append(tokenParams(), customerIDParam),
				Handler: a.handle(a.showCustomer), Result: &customerObject{}},
			{Methods: []string{http.MethodPut, http.MethodPost}, Path: p + "/customers/:id", Auth: adapters.AuthToken,
				Summary: "更新客户 (POST as one SDK sends it): the fields sent change, the others stay",
				Params:  append(append(tokenParams(), customerIDParam), customerParams(false)...),
				Handler: a.handle(a.updateCustomer), Result: &customerObject{}, Writes: true},
			{Methods: post, Path: p + "/common_customers", Auth: adapters.AuthToken,
				Summary: "新增公海客户: a customer in the public pool",
				Params: append(append(tokenParams(),
					adapters.Param{Name: "common_id", In: adapters.InBody, Type: "integer", Doc: "公海 id: crmgw keeps one pool a tenant, read and not kept"}),
					customerParams(true)...),
				Handler: a.handle(a.createCommonCustomer), Result: &customerObject{}, Writes: true, NewID: "data.id"},
			{Methods: get, Path: p + "/field_maps/customer", Auth: adapters.AuthToken,
				Summary: "客户字段的选项: status, category, source and industry",
				Params:  tokenParams(),
				Handler: a.handle(a.customerFieldMaps), Result: map[string][]fieldMap{}},
			{Methods: get, Path: p + "/contacts", Auth: adapters.AuthToken,
				Summary: "联系人列表",
				Params: append(append(tokenParams(), pageParams()...),
					query("query", "string", "", "part of the name, 手机 or 电话"),
					query("entity", "string", "", "customer, with entity_id"),
					query("entity_id", "integer", "customer", "the customer's id"),
					query("customer_id", "integer", "customer", "the customer's id"),
					query("tab_type", "string", "", "my, sub, my_assist or sub_assist: of the customers the caller, the department's others own, or that are shared with them"),
					query("has_phone", "boolean", "", "only contacts with a 手机 or 电话"),
				),
				Handler: a.handle(a.listContacts), Result: contactPage{}},
			{Methods: get, Path: p + "/contacts/simplest", Auth: adapters.AuthToken,
				Summary: "客户的联系人: ids and names",
				Params:  append(tokenParams(), query("customer_id", "integer", "customer", "客户 id")),
				Handler: a.handle(a.simplestContacts), Result: simplestData{}},
			{Methods: post, Path: p + "/contacts", Auth: adapters.AuthToken,
				Summary: "新增联系人",
				Params:  append(tokenParams(), contactParams(true)...),
				Handler: a.handle(a.createContact), Result: contactView{}, Writes: true, NewID: "data.id"},
			{Methods: []string{http.MethodPut}, Path: p + "/contacts/:id", Auth: adapters.AuthToken,
				Summary: "更新联系人: the fields sent change, the others stay",
				Params: append(append(tokenParams(), adapters.Param{Name: "id", In: adapters.InPath, Type: "integer", Required: true, Ref: "contact", Doc: "联系人 id"}),
					contactParams(false)...),
				Handler: a.handle(a.updateContact), Result: contactView{}, Writes: true},
			{Methods: get, Path: p + "/custom_fields/:entity/by_group", Auth: adapters.AuthToken,
				Summary: "自定义字段, by group: the tenant's catalogue",
				Params: append(tokenParams(), adapters.Param{Name: "entity", In: adapters.InPath, Type: "string", Required: true,
					Doc: "lead, customer, contact, opportunity, contract, received_payment or product"}),
				Handler: a.handle(a.customFieldsByGroup), Result: customFieldGroups{}},
		},
	}
}

var get, post = []string{http.MethodGet}, []string{http.MethodPost}

// tokenParams are the credentials every endpoint but the login reads: the
// header, or with none the query string. A new slice each time, so that
// appending an endpoint's own parameters never shares an array.
func tokenParams() []adapters.Param {
	return []adapters.Param{
		{Name: "Authorization", In: adapters.InHeader, Type: "string",
			Doc: "Token token=<user_token>,device=open_api[,version_code=…], quoted or not"},
		{Name: headerAccessToken, In: adapters.InHeader, Type: "string", Doc: "the user_token, when no Authorization header is sent"},
		query("user_token", "string", "", "the user_token, when neither header is sent"),
		query("device", "string", "", "open_api, dingtalk, wxwork, web or dingtalk_open, beside user_token"),
	}
}

// trailingSlashes routes a path under prefix that ends in slashes
// (/api/v2/contracts/?per_page=…, as clients send it) as the path without
// them, as Rails' router does.
func trailingSlashes(prefix string) func(path string) (string, bool) {
	return func(path string) (string, bool) {
		if !strings.HasPrefix(path, prefix) || !strings.HasSuffix(path, "/") {
			return "", false
		}
		return strings.TrimRight(path, "/"), true
	}
}

var contractIDParam = adapters.Param{Name: "id", In: adapters.InPath, Type: "integer", Required: true, Ref: "contract", Doc: "合同 id"}

// contractParams are the contract's fields, as the doc's table names them;
// creating requires what an update may leave out.
func contractParams(creating bool) []adapters.Param {
	field := func(name, typ string, required bool, ref, doc string) adapters.Param {
		return adapters.Param{Name: name, In: adapters.InBody, Type: typ, Required: required && creating, Ref: ref, Doc: doc}
	}
	return []adapters.Param{
		field("contract[title]", "string", true, "", "合同标题"),
		field("contract[sn]", "string", false, "", "合同编号, unique in the tenant; numbered by the tenant's rule when absent (the doc's table marks it required, its sample sends none)"),
		field("contract[approve_status]", "string", false, "", "审批状态 applying or approved, checked; the tenant's approval setting decides"),
		field("contract[user_id]", "integer", false, "user", "负责人id, the caller when absent"),
		field("contract[custom_field_template_id]", "integer", false, "", "合同业务类型ID, kept as given"),
		field("contract[opportunity_id]", "integer", false, "opportunity", "商机id"),
		field("contract[customer_id]", "integer", true, "customer", "客户id"),
		field("contract[total_amount]", "number", false, "", "总金额"),
		field("contract[start_at]", "date", true, "", "开始时间"),
		field("contract[end_at]", "date", true, "", "结束时间"),
		field("contract[category]", "integer", false, "dictionary", "类别, from GET /api/v2/field_maps/contract"),
		field("contract[payment_type]", "integer", false, "dictionary", "付款方式, from GET /api/v2/field_maps/contract"),
		field("contract[customer_signer]", "string", false, "", "客户签约人"),
		field("contract[our_signer]", "string", false, "", "我方签约人"),
		field("contract[sign_date]", "date", false, "", "签约日期, today when absent"),
		field("contract[status]", "integer", false, "dictionary", "合同状态, from GET /api/v2/field_maps/contract"),
		field("contract[special_terms]", "string", false, "", "特别条款"),
		field("contract[want_department_id]", "integer", false, "department", "所属部门, the owner's when absent"),
		field("contract[notify_user_ids]", "array", false, "user", "通知人: user ids"),
		field("contract[attachments_attributes]", "array", false, "", "附件, accepted and ignored: crmgw keeps no files"),
		field("contract[product_assets_attributes]", "array", false, "", "关联产品: id (null adds a line), destroy, product_name, product_attr_id, product_id, product_no, quantity, recommended_unit_price, remark, sale_unit, total_price, spec"),
		field("contract_action_name", "string", false, "", "turn_to_contract: 商机转合同"),
	}
}

var customerIDParam = adapters.Param{Name: "id", In: adapters.InPath, Type: "integer", Required: true, Ref: "customer", Doc: "客户 id"}

// pageParams are a list's paging.
func pageParams() []adapters.Param {
	return []adapters.Param{
		query("page", "integer", "", "页码, from 1; 0 is 1"),
		query("per_page", "integer", "", "每页条数, 15 when absent, at most 100 (more is cut to 100)"),
	}
}

// customerParams are the customer's fields; creating requires the name.
func customerParams(creating bool) []adapters.Param {
	field := func(name, typ string, required bool, ref, doc string) adapters.Param {
		return adapters.Param{Name: name, In: adapters.InBody, Type: typ, Required: required && creating, Ref: ref, Doc: doc}
	}
	return []adapters.Param{
		field("customer[name]", "string", true, "", "客户名称"),
		field("customer[user_id]", "integer", false, "user", "负责人 id, the caller when absent"),
		field("customer[status]", "integer", false, "dictionary", "客户状态, from GET /api/v2/field_maps/customer"),
		field("customer[category]", "integer", false, "dictionary", "客户类型"),
		field("customer[source]", "integer", false, "dictionary", "客户来源"),
		field("customer[industry]", "integer", false, "dictionary", "所属行业"),
		field("customer[note]", "string", false, "", "备注"),
		field("customer[want_department_id]", "integer", false, "", "所属部门: a customer's is its owner's, read and not kept"),
		field("customer[address_attributes]", "object", false, "", "地址: detail_address, tel, phone, email, qq, wechat, url, zip, fax"),
		field("customer[contacts_attributes]", "array", false, "", "联系人, added with it: name, job, phone, tel, email"),
		field("customer[labels]", "array", false, "dictionary", "标签: tag ids, replacing the customer's"),
		field("customer[text_asset_<hex>]", "string", false, "", "自定义字段: text_asset_, numeric_asset_ and text_area_asset_ keys, a select's values sel_<hex>"),
		field("check_duplicates", "boolean", false, "", "true: refuse a name another customer has"),
	}
}

// contactParams are the contact's fields; creating requires the name and customer.
func contactParams(creating bool) []adapters.Param {
	field := func(name, typ string, required bool, ref, doc string) adapters.Param {
		return adapters.Param{Name: name, In: adapters.InBody, Type: typ, Required: required && creating, Ref: ref, Doc: doc}
	}
	return []adapters.Param{
		field("contact[name]", "string", true, "", "姓名"),
		field("contact[customer_id]", "integer", true, "customer", "客户 id; a contact stays with its customer"),
		field("contact[job]", "string", false, "", "职务"),
		field("contact[address_attributes]", "object", false, "", "地址: phone, tel, email, detail_address"),
		field("contact[text_asset_<hex>]", "string", false, "", "自定义字段"),
	}
}

var opportunityIDParam = adapters.Param{Name: "id", In: adapters.InPath, Type: "integer", Required: true, Ref: "opportunity", Doc: "商机 id"}

// opportunityParams are the opportunity's fields, as clients send them;
// creating requires what an update may leave out.
func opportunityParams(creating bool) []adapters.Param {
	field := func(name, typ string, required bool, ref, doc string) adapters.Param {
		return adapters.Param{Name: name, In: adapters.InBody, Type: typ, Required: required && creating, Ref: ref, Doc: doc}
	}
	return []adapters.Param{
		field("opportunity[title]", "string", true, "", "商机标题"),
		field("opportunity[customer_id]", "integer", true, "customer", "客户 id"),
		field("opportunity[user_id]", "integer", false, "user", "负责人 id, the caller when absent"),
		field("opportunity[want_department_id]", "integer", false, "department", "所属部门, the owner's when absent"),
		field("opportunity[expect_amount]", "number", false, "", "预计金额"),
		field("opportunity[expect_sign_date]", "date", false, "", "预计签单日期"),
		field("opportunity[stage]", "integer", false, "dictionary", "销售阶段 id (赢单 and 输单 win and lose it), the first when absent"),
		field("opportunity[source]", "integer", false, "dictionary", "来源 id"),
		field("opportunity[kind]", "integer", false, "dictionary", "商机类型 id"),
		field("opportunity[sign_possibility]", "integer", false, "", "赢率, 0 to 100 (\"10%\" too)"),
		field("opportunity[note]", "string", false, "", "备注"),
		field("opportunity[customer_requirement]", "string", false, "", "客户需求"),
		field("opportunity[product_assets_attributes]", "array", false, "", "关联产品: id (none adds a line), destroy, product_id, product_name, quantity, recommended_unit_price, total_price, remark"),
		field("opportunity[contact_assetships_attributes]", "array", false, "contact", "联系人: contact_id of the customer's, destroy removes"),
		// Any other key (text_asset_<hex>, numeric_asset_<hex> …) is a custom field, kept and echoed back.
	}
}

// body is a parameter of a POST's body: nested form keys or JSON.
func body(name, typ string, required bool, ref, doc string) adapters.Param {
	return adapters.Param{Name: name, In: adapters.InBody, Type: typ, Required: required, Ref: ref, Doc: doc}
}

// query is a parameter of the query string.
func query(name, typ, ref, doc string) adapters.Param {
	return adapters.Param{Name: name, In: adapters.InQuery, Type: typ, Ref: ref, Doc: doc}
}

// form is a login parameter: form, JSON or query string.
func form(name, typ string, required bool, doc string) adapters.Param {
	return adapters.Param{Name: name, In: adapters.InForm, Type: typ, Required: required, Doc: doc}
}
