// Package qcy speaks the 全程云 WebApi dialect (qcy-webapi-crm.md): .ashx
// handlers answering GET or POST, parameters matched without regard to case,
// and {"value": …} in JSON or its XML twin.
package qcy

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"crmgw/adapters"
	"crmgw/config"
	"crmgw/core"
)

func init() {
	adapters.Register(adapters.Registration{Name: "qcy",
		// Prefix empty: the doc's /WebApi/… and /OM/WebApi/… from the root;
		// LoginTTL: how long a token issued by Token/Get.ashx works.
		Defaults: config.Dialect{Enabled: true, LoginTTL: 7 * 24 * time.Hour},
		New:      func(svc *core.Service, opts adapters.Options) adapters.Dialect { return New(svc, opts).Dialect() }})
}

// Adapter serves the WebApi dialect over core.
type Adapter struct {
	svc       *core.Service
	log       *slog.Logger
	loginTTL  time.Duration
	prefix    string              // where the handlers' paths start
	endpoints []adapters.Endpoint // the table, at both bases
	paths     map[string]string   // lower-cased path → the path as routed
}

// bases are where real deployments serve the handlers (vendor-facts.md).
var bases = []string{"/WebApi/Handler/1.0/", "/OM/WebApi/Handler/1.0/"}

// New returns the WebApi adapter.
func New(svc *core.Service, opts adapters.Options) *Adapter {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	a := &Adapter{svc: svc, log: opts.Log, loginTTL: opts.LoginTTL, prefix: opts.Prefix, paths: map[string]string{}}
	routes := a.routes()
	for _, base := range bases {
		for _, r := range routes {
			path := opts.Prefix + base + r.name + ".ashx"
			a.endpoints = append(a.endpoints, adapters.Endpoint{Methods: []string{http.MethodGet, http.MethodPost}, Path: path,
				Auth: r.auth, Summary: r.summary, Params: r.params, Handler: a.handle(r.auth, r.handler), Result: r.result, Writes: r.writes, IssuedToken: r.issued})
			a.paths[strings.ToLower(path)] = path
		}
	}
	return a
}

// CanonicalPath spells a path as routed, whatever its case: IIS, where the
// WebApi ran, matches paths without regard to case, and clients rely on it.
func (a *Adapter) CanonicalPath(path string) (string, bool) {
	p, ok := a.paths[strings.ToLower(path)]
	return p, ok
}

// Dialect describes the WebApi to the gateway: every handler at
// /WebApi/Handler/1.0/CRM/<Module>/<Action>.ashx and the same under /OM, as
// real deployments serve them, by GET or POST, matched in any case.
func (a *Adapter) Dialect() adapters.Dialect {
	return adapters.Dialect{
		Name:        "qcy",
		Prefixes:    []string{a.prefix + "/WebApi", a.prefix + "/OM/WebApi"},
		Credentials: []string{"token", "siteKey", "password"},
		Canonical:   a.CanonicalPath,
		HandleError: a.HandleError,
		SuccessCode: "value",
		AnswerCode:  answerCode,
		Keys: map[adapters.Auth][]adapters.Key{
			adapters.AuthToken:   {{Name: "token", In: adapters.InQuery, Doc: "the token, in the query string or a form body"}},
			adapters.AuthSiteKey: {{Name: "siteKey", In: adapters.InQuery, Doc: "the site's key, in the query string or a form body"}},
		},
		Bodies:        []string{"application/x-www-form-urlencoded", "multipart/form-data"},
		Envelope:      func(data any) any { return answer{data} },
		Errors:        []any{errorBody{}},
		ErrorStatuses: errorStatuses,
		XML:           true,
		Endpoints:     a.endpoints,
	}
}

// route is a row of the table: a handler at <name>.ashx below each base, with
// the way it knows its caller, the parameters it reads, in the doc's order,
// and what it answers inside {"value": …}.
type route struct {
	name    string
	auth    adapters.Auth
	summary string // as the doc names it
	params  []adapters.Param
	handler handler
	// result is a value of the Go type handler answers, for the OpenAPI
	// document: true for a handler that answers true, false for one that
	// answers whether, int64(0) for a count of rows, the items for a list
	// (JSON writes a listOf as its items).
	result any
	writes bool                             // it changes data (write): GET or POST alike
	issued func(http.Header, []byte) string // a login's: the token its answer issued
}

// routes is the table: the WebApi's handlers in the doc's order, Token/Get
// (vendor-facts.md) first.
func (a *Adapter) routes() []route {
	return []route{
		{name: "Token/Get", auth: adapters.AuthLogin, summary: "获取令牌: a token for a login name and password of an organisation",
			handler: a.getToken, result: "", issued: issuedToken, params: []adapters.Param{format,
				integer("org_id", "tenant", "机构id: the tenant's WebApi org id, its crmgw id unless set otherwise"),
				str("login_name", "登录名"),
				str("password", "密码"),
			}},

		crm("BaseType/GetBaseType", "根据par_id字典表: the entries of a dictionary", a.getBaseType, []BaseType{},
			str("par_id", "标识: the dictionary's number (1–12) or name, e.g. 2 or ContactRoute")),

		crm("ContactHistory/Get", "根据联系历史id获取联系历史记录", a.getContactHistory, ContactHistory{},
			integer("id", "follow-up", "历史记录id")),
		write(crm("ContactHistory/Add", "添加联系记录", a.addContactHistory, true, contactMade()...)),

		write(crm("ContactPlan/SaveContactPlan", "执行联系计划: record the contact, mark the plan done, plan the next", a.saveContactPlan, true,
			slices.Concat([]adapters.Param{integer("plan_id", "contact-plan", "计划id")}, contactMade(),
				[]adapters.Param{nextTime})...)),
		crm("ContactPlan/GetContactPlan", "根据id获取客户联系计划信息", a.getContactPlan, CustomerContactPlan{},
			integer("id", "contact-plan", "计划id")),
		crm("ContactPlan/GetContactPlanCount", "获取客户联系计划数量: the caller's pending plans", a.getContactPlanCount, int64(0)),
		write(crm("ContactPlan/InsertContactPlan", "新增联系计划", a.insertContactPlan, true,
			optional(integer("plan_id", "", "计划id: ignored, the new plan gets its own")),
			str("title", "标题"),
			integer("customer_id", "customer", "客户ID"),
			integer("type_id", "dictionary", "联系类别 (ContactType)"),
			integer("route_id", "dictionary", "联系方式 (ContactRoute)"),
			integer("link_man_id", "contact", "客户联系人ID"),
			integer("history_id", "follow-up", "联系记录ID: 0 for none"),
			nextTime)),

		write(crm("Contract/SampleGiftAuditById", "商务-合同订单-根据id审核样品赠品订单", a.sampleGiftAudit, int64(0),
			str("orderID", "订单单号"))),
		write(crm("Contract/SampleGiftUnAuditById", "商务-合同订单-根据id反审核样品赠品订单", a.sampleGiftUnAudit, int64(0),
			str("orderID", "订单单号"))),
		write(crm("Contract/ContractAudit", "根据id审核合同订单", a.contractAudit, true,
			integer("id", "contract", "合同订单id"))),
		write(crm("Contract/ContractUnAudit", "根据id反审核合同订单", a.contractUnAudit, true,
			integer("id", "contract", "合同订单id"))),
		write(crm("Contract/StopContract", "根据id终止合同", a.stopContract, 1,
			integer("id", "contract", "合同id"))),

		write(crm("Customer/CancelShare", "取消共享", a.cancelShare, true,
			idList("strIds", "客户Id, e.g. 1,2"))),
		write(crm("Customer/RemoveCollection", "取消收藏", a.removeCollection, true,
			integer("userId", "user", "用户id"),
			idList("custIdString", "客户id字符串, e.g. 111,222"))),
		write(crm("Customer/SetCustIdentity", "设置客户收藏标识", a.setCustIdentity, true,
			integer("identityId", "", "收藏标识id"),
			integer("custId", "customer", "客户id"))),
		crm("Customer/GetAllList", "获取客户信息: a page of customers, newest first", a.getAllList, []Customer{},
			integer("pageIndex", "", "指定当前的页码, from 1"),
			optional(integer("pageSize", "", "指定要返回的记录条数, 10 when absent, at most 100"))),
		write(crm("Customer/AddCallHistory", "新增通话历史记录", a.addCallHistory, true,
			integer("callState", "", "通话状态: 1 已接, 0 未接"),
			str("tel", "通话号码"),
			integer("userID", "user", "用户ID"),
			optional(str("remark", "备注")),
			callTypeParam,
			timestamp("startTime", "通话开始时间"),
			timestamp("endTime", "通话结束时间"),
			integer("record", "", "是否录音: 1 录音, 0 未录音"),
			integer("duration", "", "时长(秒)"),
			str("ims", "电信号码"),
			str("userName", "用户名称"))),
		write(crm("Customer/IMSLock", "锁定IMS号码", a.imsLock, true,
			integer("userID", "user", "用户ID"),
			str("ims", "计费号码"))),
		write(crm("Customer/UnIMSLock", "解除IMS号码锁定", a.unIMSLock, true,
			str("ims", "计费号码"))),
		write(crm("Customer/InsertSms", "发送模板短信: queued in the outbox, never sent", a.insertSms, true,
			integer("senderID", "user", "发信人"),
			str("mobilePhone", "手机号码"),
			optional(str("receiveName", "收信人")),
			timestamp("sendDate", "发送时间"),
			str("content", "内容"),
			integer("sendType", "", "发送类别: 0 立即发送 … 5 每年发送"),
			str("messageTempleID", "模板ID"),
			optional(str("value1", "替换值1")),
			optional(str("value2", "替换值2")),
			optional(str("value3", "替换值3")),
			optional(str("value4", "替换值4")),
			optional(str("value5", "替换值5")),
			optional(str("value6", "替换值6")),
			optional(str("remark", "备注")))),
		write(crm("Customer/UpdateCallHistory", "更新通话历史记录", a.updateCallHistory, true,
			str("sCallNumber", "通话号码"),
			timestamp("dCallTime", "通话开始时间"),
			integer("bCallState", "", "通话状态: 1 已接, 0 未接"),
			callTypeParam,
			str("teleIms", "电信IMS号码"),
			str("displayTel", "外显号码"),
			timestamp("endTime", "通话结束时间"),
			integer("record", "", "是否录音: 1 录音, 0 未录音"),
			integer("duration", "", "通话时长"),
			str("addUserName", "当前操作人姓名"))),
		crm("Customer/NameIsRepeat", "判断新添加的客户是否重名", a.nameIsRepeat, false,
			str("sName", "客户名称"),
			exceptCustomer),
		crm("Customer/Get", "根据id获取客户信息", a.getCustomer, Customer{},
			integer("id", "customer", "客户id")),
		// tran, a server-side DbTransaction in the doc, cannot travel over HTTP: it is not read.
		write(crm("Customer/Update", "保存客户信息: update a customer", a.updateCustomer, true,
			object("customer", "客户Customer对象, with its PK_ID"))),
		write(crm("Customer/Save", "保存客户信息: add a customer (PK_ID 0) or update one", a.saveCustomer, true,
			object("json", "客户json字符串: a Customer object"))),
		crm("Customer/TelIsRepeat", "判断电话是否重复", a.telIsRepeat, false,
			str("tel", "电话号码"),
			exceptCustomer),

		crm("CustomerSign/GetClientSignDefault", "获取默认的客户标识: 1 企业, 2 个人", a.getClientSignDefault, 1),
		crm("CustomerSign/GetCustTypeBdefault", "获取默认的客户标识: the customer kinds, the default one marked", a.getCustTypeBdefault, []CRM_Cust_T_CustKind{}),

		crm("CustomerType/GetTypeList", "获取客户类型列表", a.getTypeList, []CustomerType{},
			integer("parent_id", "dictionary", "客户类型父id: 0 for the top level")),

		write(ecommerce("ECommerce/UpdateBaseInfoHit", "获取系统全部基础信息: add views to a record's counter", a.updateBaseInfoHit, true,
			integer("pkid", "", "id: the shop's record"),
			integer("addHit", "", "views to add, at least 0"))),
		write(ecommerce("ECommerce/AddMessageBoard", "添加留言反馈", a.addMessageBoard, true,
			integer("custID", "customer", "客户id"),
			str("content", "留言内容"),
			optional(str("contact", "联系人")))),

		crm("LinkMan/GetList", "根据客户id获取联系人列表: as LinkMan elements", a.getLinkManListAs("LinkMan", "custId"), []CustomerLinkMan{},
			integer("custId", "customer", "客户id")),
		write(crm("LinkMan/CancelMainMan", "根据联系人id取消主要联系人标识", a.cancelMainMan, int64(0),
			integer("id", "contact", "联系人id"))),
		crm("LinkMan/GetLinkManList", "获取客户联系人列表: as CustomerLinkMan elements", a.getLinkManListAs("CustomerLinkMan", "cust_id"), []CustomerLinkMan{},
			integer("cust_id", "customer", "客户id")),
		crm("LinkMan/GetLinkMan", "根据id获取客户联系人信息", a.getLinkMan, CustomerLinkMan{},
			integer("id", "contact", "联系人id")),
		// tran, as for Customer/Update, is not read.
		write(crm("LinkMan/SaveLinkMan", "更新联系人", a.saveLinkMan, 1,
			object("man", "联系人CustomerLinkMan对象, with its PK_ID"))),
		write(crm("LinkMan/InsertLinkMan", "新增联系人", a.insertLinkMan, true,
			object("man", "联系人CustomerLinkMan对象"))),
		write(crm("LinkMan/DeleteLinkMan", "删除联系人", a.deleteLinkMan, int64(0),
			integer("id", "contact", "联系人id"))),

		write(crm("Sale/SetPublicCust", "根据客户ID转公共客户", a.setPublicCust, true,
			idList("pkidList", "客户ID, e.g. 1,2,3"))),
	}
}

// crm is a CRM handler of a user's token, answering a value of result's type.
func crm(name, summary string, h handler, result any, params ...adapters.Param) route {
	return route{name: "CRM/" + name, auth: adapters.AuthToken, summary: summary, handler: h, result: result,
		params: slices.Concat([]adapters.Param{token, format}, params)}
}

// write marks r as changing data. Its answer carries no new record's id (a
// create answers true), so a write the mirror applies to crmgw numbers its
// record crmgw's way.
func write(r route) route {
	r.writes = true
	return r
}

// ecommerce is a CRM handler of a site's key, called by a tenant's web shop:
// it takes a token too, as the doc lists it, and checks none.
func ecommerce(name, summary string, h handler, result any, params ...adapters.Param) route {
	unchecked := optional(token)
	unchecked.Doc += ": not needed, and not checked"
	return route{name: "CRM/" + name, auth: adapters.AuthSiteKey, summary: summary, handler: h, result: result,
		params: slices.Concat([]adapters.Param{unchecked, format, siteKey}, params)}
}

// The parameters every handler reads, and those several share.
var (
	token          = str("token", "当前登录用户访问令牌")
	format         = optional(str("format", "返回数据的格式: json (when absent) or xml, in any case"))
	siteKey        = str("siteKey", "站点密钥")
	nextTime       = timestamp("next_time", "计划联系时间, 精确到秒, e.g. 2013-05-05 10:25:30")
	callTypeParam  = integer("callType", "", "通话类型: 1 来电, 2 去电")
	exceptCustomer = integer("id", "customer", "客户id: the customer itself, 0 for one not yet saved")
)

// contactMade is what ContactHistory/Add and SaveContactPlan read of the
// contact made (historyParams).
func contactMade() []adapters.Param {
	return []adapters.Param{
		integer("customer_id", "customer", "客户id"),
		integer("type_id", "dictionary", "联系类别 (ContactType): 1 销售联系 … 7 实施培训"),
		integer("route_id", "dictionary", "联系方式 (ContactRoute): 1 电话, 2 信函, 3 邮件, 4 上门"),
		integer("link_man_id", "contact", "客户联系人ID"),
		str("title", "标题"),
		str("content", "备注"),
	}
}

// The wire types of the doc's parameters. Every parameter is read from the
// query string or the body, and is required unless optional says otherwise.
func param(name, typ, ref, doc string) adapters.Param {
	return adapters.Param{Name: name, In: adapters.InForm, Type: typ, Required: true, Ref: ref, Doc: doc}
}

// integer is an Int32; ref names the kind of record it is the id of, if it is one.
func integer(name, ref, doc string) adapters.Param { return param(name, "integer", ref, doc) }

// str is a String.
func str(name, doc string) adapters.Param { return param(name, "string", "", doc) }

// timestamp is a DateTime, yyyy-MM-dd HH:mm:ss in the tenant's time zone.
func timestamp(name, doc string) adapters.Param { return param(name, "datetime", "", doc) }

// idList is a String of comma-separated customer ids.
func idList(name, doc string) adapters.Param { return param(name, "string", "customer", doc) }

// object is an object of the doc's, sent as its JSON text.
func object(name, doc string) adapters.Param { return param(name, "object", "", doc) }

func optional(p adapters.Param) adapters.Param {
	p.Required = false
	return p
}
