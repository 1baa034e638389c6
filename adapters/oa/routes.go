// Package oa speaks the mobile OA's CRM dialect (oa-crm.md): access_token in the
// query, form-encoded bodies, and the statuscode/statusmsg/data/usermsg envelope.
package oa

import (
	"log/slog"
	"net/http"
	"time"

	"crmgw/adapters"
	"crmgw/config"
	"crmgw/core"
)

func init() {
	adapters.Register(adapters.Registration{Name: "oa",
		// LoginTTL: how long a token issued by /users/login works.
		Defaults: config.Dialect{Enabled: true, Prefix: "/oa", LoginTTL: 7 * 24 * time.Hour},
		New:      func(svc *core.Service, opts adapters.Options) adapters.Dialect { return New(svc, opts).Dialect() }})
}

// Adapter serves the OA dialect over core.
type Adapter struct {
	svc  *core.Service
	opts adapters.Options
}

// New returns the OA adapter.
func New(svc *core.Service, opts adapters.Options) *Adapter {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	return &Adapter{svc: svc, opts: opts}
}

// Dialect describes the OA to the gateway: its endpoints, in the doc's order.
// Authentication is each route's wrapper's, not a group's: a group's would
// add catch-all routes that turn a wrong method (405) into a 404.
func (a *Adapter) Dialect() adapters.Dialect {
	p := a.opts.Prefix
	return adapters.Dialect{
		Name:        "oa",
		Prefixes:    []string{p},
		Credentials: []string{"access_token", "password"},
		HandleError: a.HandleError,
		SuccessCode: "0000",
		AnswerCode:  answerCode,
		Keys: map[adapters.Auth][]adapters.Key{adapters.AuthToken: {
			{Name: "access_token", In: adapters.InQuery, Doc: "the token /users/login issued, in the query string or a form body"},
		}},
		Bodies:        []string{"application/x-www-form-urlencoded", "multipart/form-data"},
		Envelope:      func(data any) any { return envelope{Data: data} },
		Errors:        []any{envelope{Data: struct{}{}}},
		ErrorStatuses: errorStatuses,
		Endpoints: []adapters.Endpoint{
			// vendor-facts.md: the login the doc links to; vendor-facts-wider.md §3.2: by GET too, its parameters in the query.
			{Methods: []string{http.MethodGet, http.MethodPost}, Path: p + "/users/login", Auth: adapters.AuthLogin,
				Summary: "log in: a token and the user's profile",
				Params: []adapters.Param{tt, vn,
					{Name: "username", In: adapters.InForm, Type: "string", Required: true, Doc: "login name"},
					{Name: "password", In: adapters.InForm, Type: "string", Required: true, Doc: "password"},
					{Name: "tenant", In: adapters.InForm, Type: "string", Doc: "the tenant, when the login name is in several"},
				},
				Handler: a.handleLogin(a.login), Result: loginData{},
				IssuedToken: func(_ http.Header, body []byte) string { return adapters.StringAt(body, "data", "access_token") }},
			{Methods: get, Path: p + "/crm/home", Auth: adapters.AuthToken,
				Summary: "CRM本月信息: the caller's deals, receipts and target this month",
				Params:  []adapters.Param{accessToken, tt, vn},
				Handler: a.handle(a.home), Result: homeData{}},
			{Methods: post, Path: p + "/crm/monthplan", Auth: adapters.AuthToken,
				Summary: "目标设定: set the caller's target for a month, answer this month's figures",
				Params: []adapters.Param{accessToken, tt, vn,
					{Name: "yearmonth", In: adapters.InForm, Type: "string", Required: true, Doc: "年月, yyyy-MM"},
					{Name: "targetamount", In: adapters.InForm, Type: "number", Required: true, Doc: "目标金额"},
				},
				Handler: a.handle(a.monthPlan), Result: homeData{}, Writes: true},
			{Methods: get, Path: p + "/crm/contracts/count", Auth: adapters.AuthToken,
				Summary: "合同统计: contracts signed in a month by users, a department or the company, with their receipts and payments",
				Params: []adapters.Param{accessToken, tt, vn,
					{Name: "page", In: adapters.InForm, Type: "integer", Doc: "page, 0-based; default 0"},
					{Name: "size", In: adapters.InForm, Type: "integer", Doc: "rows a page holds; default 20"},
					{Name: "year", In: adapters.InForm, Type: "integer", Doc: "年份; default this year"},
					{Name: "month", In: adapters.InForm, Type: "integer", Doc: "月份, 1-12; default this month"},
					{Name: "flag", In: adapters.InForm, Type: "integer", Doc: "查询标识: 0 users (default), 1 a department, 2 the company"},
					// No Ref: the ids name users or a department, as flag says.
					{Name: "ids", In: adapters.InForm, Type: "string",
						Doc: "comma-separated user ids (flag 0; the caller when empty) or one department id (flag 1; the caller's when empty); ignored for flag 2"},
				},
				Handler: a.handle(a.contractsCount), Result: []contractCount{}},
			// vendor-facts-wider.md §3.1–3.2: contracts (no /crm prefix), their money, every receipt, the version.
			{Methods: get, Path: p + "/contracts", Auth: adapters.AuthToken,
				Summary: "合同列表: the tenant's contracts, newest first",
				Params: append([]adapters.Param{accessToken, tt, vn}, append(paging(),
					adapters.Param{Name: "keyword", In: adapters.InForm, Type: "string", Doc: "part of the title or 合同编号"},
					adapters.Param{Name: "status", In: adapters.InForm, Type: "integer", Doc: "0 执行中, 1 结束, 2 意外终止"})...),
				Handler: a.handle(a.listContracts), Result: []contractRow{}},
			{Methods: get, Path: p + "/contracts/:id", Auth: adapters.AuthToken,
				Summary: "合同详情",
				Params:  []adapters.Param{accessToken, tt, vn, contractID},
				Handler: a.handle(a.showContract), Result: contractDetail{}},
			{Methods: []string{http.MethodPatch}, Path: p + "/contracts/:id", Auth: adapters.AuthToken,
				Summary: "修改合同状态",
				Params: []adapters.Param{accessToken, tt, vn, contractID,
					{Name: "status", In: adapters.InForm, Type: "integer", Required: true, Doc: "0 执行中, 1 结束, 2 意外终止"}},
				Handler: a.handle(a.patchContract), Result: struct{}{}, Writes: true},
			{Methods: []string{http.MethodDelete}, Path: p + "/contracts/:id", Auth: adapters.AuthToken,
				Summary: "删除合同, with its receipts, payments and plans",
				Params:  []adapters.Param{accessToken, tt, vn, contractID},
				Handler: a.handle(a.deleteContract), Result: struct{}{}, Writes: true},
			{Methods: get, Path: p + "/contracts/:id/receiving", Auth: adapters.AuthToken,
				Summary: "合同回款: the contract's receipts, oldest first",
				Params:  append([]adapters.Param{accessToken, tt, vn, contractID}, paging()...),
				Handler: a.handle(a.listMoney(core.PaymentIn)), Result: []moneyRow{}},
			{Methods: post, Path: p + "/contracts/:id/receiving", Auth: adapters.AuthToken,
				Summary: "新增回款: money received on the contract",
				Params:  append([]adapters.Param{accessToken, tt, vn, contractID}, moneyParams...),
				Handler: a.handle(a.addMoney(core.PaymentIn)), Result: struct{}{}, Writes: true},
			{Methods: get, Path: p + "/contracts/:id/spending", Auth: adapters.AuthToken,
				Summary: "合同支出: the contract's payments out, oldest first",
				Params:  append([]adapters.Param{accessToken, tt, vn, contractID}, paging()...),
				Handler: a.handle(a.listMoney(core.PaymentOut)), Result: []moneyRow{}},
			{Methods: post, Path: p + "/contracts/:id/spending", Auth: adapters.AuthToken,
				Summary: "新增支出: money paid out under the contract",
				Params:  append([]adapters.Param{accessToken, tt, vn, contractID}, moneyParams...),
				Handler: a.handle(a.addMoney(core.PaymentOut)), Result: struct{}{}, Writes: true},
			{Methods: get, Path: p + "/crm/contracts/receiving/all", Auth: adapters.AuthToken,
				Summary: "全部回款: every receipt of the tenant, newest first",
				Params:  append([]adapters.Param{accessToken, tt, vn}, paging()...),
				Handler: a.handle(a.allReceiving), Result: []receivingRow{}},
			{Methods: get, Path: p + "/version", Auth: adapters.AuthNone,
				Summary: "版本: never a newer client; the crmgw build served",
				Params:  []adapters.Param{tt, vn},
				Handler: a.handleLogin(a.version), Result: versionData{}}, // no caller, as the login has none
			// The customers beside the doc (vendor-facts-wider.md §3.1): no /crm prefix.
			{Methods: get, Path: p + "/customers", Auth: adapters.AuthToken,
				Summary: "客户列表: a page of the tenant's customers",
				Params: []adapters.Param{accessToken, tt, vn, page0, size20,
					{Name: "keyword", In: adapters.InForm, Type: "string", Doc: "part of the name, tel or mobile"},
					{Name: "status", In: adapters.InForm, Type: "string", Doc: "comma list of 0–4 (初步接触 … 签约): the customer's progress"},
					{Name: "level", In: adapters.InForm, Type: "string", Doc: "comma list of 0–3: the customer's level"},
					{Name: "order", In: adapters.InForm, Type: "string", Doc: "-createtime (default), createtime, name or -name"},
				},
				Handler: a.handle(a.listCustomers), Result: []customerRow{}},
			{Methods: get, Path: p + "/customers/:id", Auth: adapters.AuthToken,
				Summary: "客户详情",
				Params:  []adapters.Param{accessToken, tt, vn, customerIDParam},
				Handler: a.handle(a.showCustomer), Result: customerData{}},
			{Methods: post, Path: p + "/customers", Auth: adapters.AuthToken,
				Summary: "新增客户: the new customer's detail",
				Params:  append([]adapters.Param{accessToken, tt, vn}, customerParams(true)...),
				Handler: a.handle(a.createCustomer), Result: customerData{}, Writes: true, NewID: "data.id"},
			{Methods: []string{http.MethodPatch}, Path: p + "/customers/:id", Auth: adapters.AuthToken,
				Summary: "修改客户: the fields sent change; the customer's detail",
				Params:  append([]adapters.Param{accessToken, tt, vn, customerIDParam}, customerParams(false)...),
				Handler: a.handle(a.patchCustomer), Result: customerData{}, Writes: true},
			{Methods: []string{http.MethodDelete}, Path: p + "/customers/:id", Auth: adapters.AuthToken,
				Summary: "删除客户, with its contacts and follow-ups; one with contracts stays",
				Params:  []adapters.Param{accessToken, tt, vn, customerIDParam},
				Handler: a.handle(a.deleteCustomer), Result: struct{}{}, Writes: true},
		},
	}
}

var get, post = []string{http.MethodGet}, []string{http.MethodPost}

// The doc's common input parameters (公共传入参数, vendor-facts.md): read from
// the query string or a form body, as every OA parameter is.
var (
	tt          = adapters.Param{Name: "tt", In: adapters.InForm, Type: "integer", Doc: "client type: 1 Android, 2 iOS, 3 Web; ignored"}
	vn          = adapters.Param{Name: "vn", In: adapters.InForm, Type: "string", Doc: "client version; ignored"}
	accessToken = adapters.Param{Name: "access_token", In: adapters.InForm, Type: "string", Required: true, Doc: "the token /users/login issued"}
)

var (
	page0           = adapters.Param{Name: "page", In: adapters.InForm, Type: "integer", Doc: "page, 0-based; default 0"}
	size20          = adapters.Param{Name: "size", In: adapters.InForm, Type: "integer", Doc: "rows a page holds; default 20"}
	customerIDParam = adapters.Param{Name: "id", In: adapters.InPath, Type: "string", Required: true, Ref: "customer", Doc: "客户 id"}
)

// customerParams are a customer's fields; creating requires the name.
func customerParams(creating bool) []adapters.Param {
	return []adapters.Param{
		{Name: "name", In: adapters.InForm, Type: "string", Required: creating, Doc: "客户名称, unique in the tenant (10054)"},
		{Name: "address", In: adapters.InForm, Type: "string", Doc: "地址"},
		{Name: "site", In: adapters.InForm, Type: "string", Doc: "网址"},
		{Name: "contact", In: adapters.InForm, Type: "string", Doc: "联系人: the customer's main contact's name"},
		{Name: "tel", In: adapters.InForm, Type: "string", Doc: "电话"},
		{Name: "status", In: adapters.InForm, Type: "integer", Doc: "0–4, 初步接触 … 签约; 0 when a new one has none"},
		{Name: "level", In: adapters.InForm, Type: "integer", Doc: "0–3; 2 when a new one has none"},
		{Name: "remark", In: adapters.InForm, Type: "string", Doc: "备注"},
		{Name: "fax", In: adapters.InForm, Type: "string", Doc: "传真"},
		{Name: "industry", In: adapters.InForm, Type: "string", Doc: "行业: a name of the tenant's industry dictionary"},
		{Name: "comprofile", In: adapters.InForm, Type: "string", Doc: "公司简介"},
	}
}

// contractID is the path's contract id; moneyParams a receipt's or payment's fields.
var (
	contractID  = adapters.Param{Name: "id", In: adapters.InPath, Type: "integer", Required: true, Ref: "contract", Doc: "合同 id"}
	moneyParams = []adapters.Param{
		{Name: "sum", In: adapters.InForm, Type: "number", Required: true, Doc: "金额, positive, to the cent"},
		{Name: "dbilldate", In: adapters.InForm, Type: "date", Required: true, Doc: "日期, yyyy-MM-dd"},
	}
)

// paging is the OA's paging (公共翻页参数), a new slice each time.
func paging() []adapters.Param {
	return []adapters.Param{page0, size20}
}
