package test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"crmgw/adapters"
	"crmgw/core"
)

// TestTenantIsolation walks the dialects' own tables: every row and method
// is a route (and the server serves no other but the gateway's own), and
// every route that knows its caller by a token or a site key must have probes
// in isoRoutes — a login's route, whose Auth says it resolves no token but
// issues one, may have some — and every probe must name a served route, so
// that a new endpoint cannot be left out. Each route's probes send requests
// with tenant A's credentials that name tenant B's rows, and check the answers:
//
//   - a request naming one of B's rows by id answers exactly as the same
//     request naming a row that does not exist at all (byte for byte, after
//     replacing nothing but the request's own id), and that answer is the
//     dialect's not-found (or, for a filter, its empty answer);
//   - a list or aggregate holds A's data and none of B's;
//   - no answer to A holds any of B's text or amounts.
//
// Around it all, every row of tenant B, in every table, is dumped before and
// after: nothing A sends may change one.
func TestTenantIsolation(t *testing.T) {
	eachEngine(t, func(e *env) {
		t := e.t
		// The routes walked are those of the server the requests go to.
		srv := e.gw

		x := &isoWorld{e: e, t: t, url: e.url}
		x.a = seedIsoTenant(e, "A", isoAmountsA)
		x.b = seedIsoTenant(e, "B", isoAmountsB)
		e.must(e.svc.SetTenantSettings(context.Background(), x.b.tenant.ID, core.TenantSettings{ContractPrefix: "BISO", Opportunities: true}))
		e.must(e.db.Model(&core.Tenant{}).Where("id = ?", x.b.tenant.ID).Update("customer_sign", 2).Error)

		table := isoRoutes()
		// walked are the routes of the dialects' tables and the gateway's own,
		// by "METHOD path", each with the probes that name it.
		walked := maps.Clone(isoGatewayRoutes)
		tabled := map[string]bool{}
		for _, d := range srv.Dialects() {
			for _, ep := range d.Endpoints {
				for _, method := range ep.Methods {
					key := method + " " + ep.Path
					tabled[key] = true
					probes, ok := table[key]
					if !ok && ep.Auth != adapters.AuthLogin {
						t.Errorf("%s (%s auth) has no probes in the isolation table", key, ep.Auth)
					}
					if ok {
						walked[key] = probes
					}
				}
			}
		}
		served := map[string]*echo.Route{}
		var notFound []*echo.Route
		for _, r := range srv.Routes() {
			// echo's own not-found routes (a group's middleware registers
			// them) handle only paths no route matches: each is probed below
			// for a 404 that says nothing of B. Any other route — HEAD
			// included, which echo v4 never adds by itself — is served and
			// needs its row in a dialect's table.
			if r.Method == echo.RouteNotFound {
				notFound = append(notFound, r)
				continue
			}
			served[r.Method+" "+r.Path] = r
		}
		for _, r := range notFound {
			a := x.send(isoReq{method: http.MethodGet, path: strings.ReplaceAll(r.Path, "*", "isoZ-none") + "?access_token=" + x.a.token + "&token=" + x.a.token})
			if a.status != http.StatusNotFound {
				t.Errorf("echo's not-found route %s: HTTP %d %s, want 404", r.Path, a.status, a.body)
			}
			x.noMarkers("not-found route "+r.Path, a.body)
		}
		for key := range served {
			if _, gateways := isoGatewayRoutes[key]; !gateways && !tabled[key] {
				t.Errorf("route %s is served but is in no dialect's table", key)
			}
		}
		for key := range table {
			if _, ok := served[key]; !ok {
				t.Errorf("the isolation table names %s, which is not served", key)
			}
		}
		// The WebApi serves each handler under two bases: the same handler at both.
		for key := range served {
			if method, path, _ := strings.Cut(key, " "); strings.HasPrefix(path, "/OM"+isoQcyBase) {
				twin := served[method+" "+strings.TrimPrefix(path, "/OM")]
				if twin == nil || twin.Name != served[key].Name {
					t.Errorf("%s is not the handler of its twin without /OM (%v)", key, twin)
				}
			}
		}

		before := isoSnapshot(e, x.b.tenant.ID)
		probes := 0
		for _, key := range slices.Sorted(maps.Keys(walked)) {
			if _, ok := served[key]; !ok {
				continue
			}
			method, path, _ := strings.Cut(key, " ")
			list := walked[key](x, isoRoute{method: method, path: path})
			if len(list) == 0 {
				t.Errorf("%s: the entry sends no request", key)
			}
			for _, p := range list {
				x.run(key, p)
				probes++
			}
		}
		if after := isoSnapshot(e, x.b.tenant.ID); after != before {
			t.Errorf("tenant B's rows changed:\n%s", isoDiff(before, after))
		}
		t.Logf("%d routes served, %d probes", len(served), probes)
	})
}

// isoMissing is an id that names no row of any table.
const isoMissing = "987654321"

const isoQcyBase = "/WebApi/Handler/1.0/"

// isoAmounts are one tenant's money, chosen so that B's figures are digits
// found nowhere else: any of them in an answer to A is a leak.
type isoAmounts struct {
	applying, approved, paidIn, paidOut, planned, target string
}

var (
	isoAmountsA = isoAmounts{"1100", "2200", "300", "50", "400", "5000"}
	isoAmountsB = isoAmounts{"7654321.09", "6543210.08", "2345678.07", "1357913.06", "2468024.05", "8765432.01"}
	// isoMarkersB are B's amounts (and what follows from them: 7654321.09 −
	// 2345678.07 unreceived) as they may be written; B's text all starts isoB.
	isoMarkersB = []string{"isoB", "7654321", "6543210", "2345678", "1357913", "2468024", "8765432", "5308643"}
)

// isoTenant is one tenant with a row of every kind an endpoint can address.
type isoTenant struct {
	tag                        string
	tenant                     core.Tenant
	dept                       core.Department
	main, second               core.Caller
	token, siteKey, password   string
	customer, customer2        core.Customer
	mainContact, contact       core.Contact
	history                    core.ContactHistory
	plan                       core.ContactPlan
	opportunity                core.Opportunity
	applying, approved         core.Contract
	line                       uint64 // a product line of approved
	oppLine                    uint64 // a product line of the opportunity
	orderAudited, orderPending string
	ims1, ims2                 string
	callTel                    string
	callStart                  time.Time
	hitRecord                  uint64
	customType                 uint64 // a customer type code of the tenant's own, with a child
}

// seedIsoTenant builds tenant iso<tag>: its main user is "ann" in both
// tenants (the same login name), and all its text starts with iso<tag>.
func seedIsoTenant(e *env, tag string, m isoAmounts) isoTenant {
	ctx := context.Background()
	s := func(what string) string { return "iso" + tag + "-" + what }
	o := isoTenant{tag: tag, token: "iso-token-" + tag, password: "pw-" + tag}
	var err error
	o.tenant, err = e.svc.EnsureTenant(ctx, s("tenant"))
	e.must(err)
	tid := o.tenant.ID
	o.dept, err = e.svc.EnsureDepartment(ctx, tid, s("销售部"))
	e.must(err)
	user := func(login, realName, token string) core.Caller {
		u, err := e.svc.EnsureUser(ctx, tid, login, o.dept.ID)
		e.must(err)
		e.must(e.db.Model(&core.User{}).Where("id = ?", u.ID).Updates(map[string]any{"real_name": realName, "email": s("mail"), "phone": s("phone")}).Error)
		tok, err := e.svc.RegisterToken(ctx, tid, u.ID, token)
		e.must(err)
		c, err := e.svc.Authenticate(ctx, tok)
		e.must(err)
		return c
	}
	o.main = user("ann", s("安"), o.token)
	o.second = user(s("bella"), s("贝拉"), "")
	e.must(e.svc.SetPassword(ctx, tid, "ann", o.password))
	o.siteKey, err = e.svc.RegisterSiteKey(ctx, tid, "iso-site-"+tag)
	e.must(err)

	o.customer, err = e.svc.CreateCustomer(ctx, o.main, core.NewCustomer{Name: s("客户一"), Tel: s("tel-1"), Address: s("地址"), IndustryID: 1})
	e.must(err)
	o.customer2, err = e.svc.CreateCustomer(ctx, o.main, core.NewCustomer{Name: s("客户二"), Tel: s("tel-2"), OwnerID: o.second.UserID})
	e.must(err)
	e.must(e.db.Create(&core.CustomerTag{TenantID: tid, CustomerID: o.customer.ID, TagID: 1}).Error)
	o.mainContact, err = e.svc.CreateContact(ctx, o.main, core.NewContact{CustomerID: o.customer.ID, Name: s("王经理"), Phone: s("mobile"), IsMain: true})
	e.must(err)
	o.contact, err = e.svc.CreateContact(ctx, o.main, core.NewContact{CustomerID: o.customer.ID, Name: s("李助理")})
	e.must(err)
	o.history, err = e.svc.AddContactHistory(ctx, o.main, core.NewContactHistory{CustomerID: o.customer.ID, ContactID: o.mainContact.ID,
		TypeID: 1, RouteID: 1, Title: s("首次拜访"), Content: s("介绍产品")})
	e.must(err)
	_, err = e.svc.AddContactHistory(ctx, o.second, core.NewContactHistory{CustomerID: o.customer2.ID, Title: s("回访")})
	e.must(err)
	_, err = e.svc.AddFollowUp(ctx, o.main, core.NewFollowUp{SubjectKind: core.SubjectCustomer, SubjectID: o.customer.ID,
		Content: s("拜访"), Place: s("拜访地址"), Lat: "31.2", Lng: "121.4", ContactedAt: now.Add(-time.Hour)})
	e.must(err)
	plans := 1
	if tag == "B" {
		plans = 3 // B's pending count differs from A's
	}
	for i := 0; i < plans; i++ {
		p, err := e.svc.AddContactPlan(ctx, o.main, core.NewContactPlan{CustomerID: o.customer.ID, ContactID: o.mainContact.ID,
			TypeID: 3, RouteID: 1, HistoryID: o.history.ID, Title: s("售后回访"), PlannedAt: now.Add(48 * time.Hour)})
		e.must(err)
		if i == 0 {
			o.plan = p
		}
	}
	o.opportunity, err = e.svc.CreateOpportunity(ctx, o.main, core.NewOpportunity{CustomerID: o.customer.ID, Title: s("商机"),
		Amount: mustMoney(e, m.planned), CreatedAt: now, Note: s("备注"), ContactIDs: []uint64{o.contact.ID},
		Lines: []core.NewContractLine{{ProductName: s("商机产品"), Quantity: 1, UnitPrice: mustMoney(e, m.planned)}}})
	e.must(err)
	o.oppLine = o.opportunity.Lines[0].ID

	contract := func(sn, title, amount string, opportunity uint64) core.Contract {
		k, err := e.svc.CreateContract(ctx, o.main, core.NewContract{Title: s(title), SN: s(sn), CustomerID: o.customer.ID,
			TotalAmount: mustMoney(e, amount), SignDate: mustDate(e, "2015-10-08"), StartDate: mustDate(e, "2015-10-08"),
			EndDate: mustDate(e, "2016-10-08"), Status: core.ContractExecuting, OpportunityID: opportunity,
			CustomerSigner: s("签约人"), NotifyUserIDs: []uint64{o.second.UserID},
			Lines: []core.NewContractLine{{ProductName: s("产品"), ProductNo: s("CP"), Quantity: 1, UnitPrice: mustMoney(e, amount)}}})
		e.must(err)
		return k
	}
	o.applying = contract("SN-1", "合同一", m.applying, o.opportunity.ID)
	o.approved = contract("SN-2", "合同二", m.approved, 0)
	e.must(e.svc.SetContractApproval(ctx, o.main, o.applying.ID, core.ApprovalApplying))
	var line core.ContractLine
	e.must(e.db.Where("contract_id = ?", o.approved.ID).Take(&line).Error)
	o.line = line.ID
	oaPay(e, o.main, o.applying, core.PaymentIn, m.paidIn, "2015-10-09")
	oaPay(e, o.main, o.approved, core.PaymentOut, m.paidOut, "2015-10-10")
	_, err = e.svc.AddPaymentPlan(ctx, o.main, core.NewPaymentPlan{ContractID: o.approved.ID, Amount: mustMoney(e, m.planned), DueOn: mustDate(e, "2015-12-01")})
	e.must(err)
	e.must(e.svc.SetMonthlyTarget(ctx, o.main, core.Month{Year: 2015, Month: 10}, mustMoney(e, m.target)))

	o.ims1, o.ims2 = s("ims-1"), s("ims-2")
	e.must(e.svc.LockIMS(ctx, o.main, o.main.UserID, o.ims1))
	e.must(e.svc.LockIMS(ctx, o.main, o.second.UserID, o.ims2))
	o.callTel, o.callStart = s("call"), now.Add(-time.Hour)
	e.must(e.svc.AddCallRecord(ctx, o.main, core.CallRecord{UserID: o.main.UserID, UserName: s("安"), Tel: o.callTel,
		StartedAt: o.callStart, EndedAt: now, Duration: 3600, IMS: o.ims1, Remark: s("通话")}))
	e.must(e.svc.QueueSms(ctx, o.main, core.SmsMessage{SenderID: o.main.UserID, Mobile: s("sms"), ReceiverName: s("收信人"),
		SendAt: now, Content: s("短信"), TemplateID: s("T1"), TemplateValues: "[]"}))
	e.must(e.svc.SetCollectionIdentity(ctx, o.main, o.customer.ID, 2))
	e.must(e.db.Create(&core.CustomerShare{TenantID: tid, CustomerID: o.customer.ID, UserID: o.second.UserID}).Error)
	_, err = e.svc.DefineCustomField(ctx, tid, core.CustomFieldDefinition{Entity: core.EntityCustomer, Key: "text_asset_1a", Label: s("自定义"),
		Options: []core.CustomFieldOption{{Value: "sel_1", Label: s("选项")}}})
	e.must(err)
	_, err = e.svc.ChangeCustomer(ctx, o.main, o.customer.ID, core.CustomerChange{CustomFields: map[string]any{"text_asset_1a": "sel_1"}})
	e.must(err)

	site, err := e.svc.AuthenticateSite(ctx, o.siteKey)
	e.must(err)
	o.hitRecord = 4242
	if tag == "A" {
		o.hitRecord = 1212
	}
	e.must(e.svc.AddHits(ctx, site, o.hitRecord, 7))
	e.must(e.svc.AddMessage(ctx, site, o.customer.ID, s("留言"), s("留言人")))
	o.orderAudited, o.orderPending = s("YP-1"), s("YP-2")
	for _, no := range []string{o.orderAudited, o.orderPending} {
		_, err := e.svc.CreateSampleOrder(ctx, o.main, no, o.customer.ID, []core.SampleOrderLine{{ProductName: s("样品"), Quantity: 2}})
		e.must(err)
	}
	_, err = e.svc.AuditSampleOrder(ctx, o.main, o.orderAudited, true)
	e.must(err)

	// Dictionary entries of the tenant's own, beside the defaults every tenant has.
	o.customType = 98
	if tag == "B" {
		o.customType = 99
	}
	for _, d := range []core.DictEntry{
		{Kind: core.DictIndustry, Code: o.customType, Name: s("行业")},
		{Kind: core.DictCustomerCategory, Code: o.customType, Name: s("客户类别")},
		{Kind: core.DictCustomerType, Code: o.customType, Name: s("客户类型")},
		{Kind: core.DictCustomerType, Code: o.customType + 100, ParentCode: o.customType, Name: s("子类型")},
		{Kind: core.DictContractCategory, Code: o.customType, Name: s("合同类别")},
		{Kind: core.DictPaymentType, Code: o.customType, Name: s("付款方式")},
		{Kind: core.DictTag, Code: o.customType, Name: s("标签")},
		{Kind: core.DictOpportunityStage, Code: o.customType, Name: s("销售阶段")},
	} {
		d.TenantID, d.Sort, d.Enabled = tid, 50, true
		e.must(e.db.Create(&d).Error)
	}
	return o
}

// isoWorld is the running test: the server, the two tenants.
type isoWorld struct {
	e    *env
	t    *testing.T
	url  string
	a, b isoTenant
}

// isoRoute is the route an entry is run for.
type isoRoute struct{ method, path string }

// isoProbes are the checks of a route, run for it.
type isoProbes func(x *isoWorld, r isoRoute) []isoProbe

// isoReq is one HTTP request.
type isoReq struct {
	method, path, contentType, body string
	header                          map[string]string
}

// isoAnswer is what came back.
type isoAnswer struct {
	status      int
	contentType string
	body        string
}

// isoProbe is one check. With foreign set, the request is sent twice — naming
// B's row (foreign) and naming nothing (missing) — and the two answers must be
// identical after both ids are replaced by <id>; want judges the answer to the
// foreign one. Without foreign, the request is sent once and want judges it.
// Either way the answer, normalised, must hold none of B's markers.
type isoProbe struct {
	name             string
	foreign, missing string
	req              func(id string) isoReq
	want             func(a isoAnswer) string // "" when right, else what is wrong
	echoes           bool                     // the answer repeats B's text sent by the request itself
}

func (x *isoWorld) send(r isoReq) isoAnswer {
	req, err := http.NewRequest(r.method, x.url+r.path, strings.NewReader(r.body))
	x.e.must(err)
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	x.e.must(err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	x.e.must(err)
	return isoAnswer{res.StatusCode, res.Header.Get("Content-Type"), string(b)}
}

var isoDigits = regexp.MustCompile(`\d+`)

// isoNormalise replaces the requests' own ids in s by <id>: numbers as whole
// runs of digits, other ids (order numbers, phone numbers) as they are.
func isoNormalise(s string, ids ...string) string {
	for _, id := range ids {
		if id == "" || isoDigits.FindString(id) == id {
			continue
		}
		s = strings.ReplaceAll(s, id, "<id>")
	}
	return isoDigits.ReplaceAllStringFunc(s, func(n string) string {
		for _, id := range ids {
			if n == id {
				return "<id>"
			}
		}
		return n
	})
}

func (x *isoWorld) run(key string, p isoProbe) {
	t := x.t
	t.Helper()
	name := key + " — " + p.name
	if p.foreign == "" {
		got := x.send(p.req(""))
		if msg := p.want(got); msg != "" {
			t.Errorf("%s: %s\nHTTP %d %s", name, msg, got.status, got.body)
		}
		if !p.echoes {
			x.noMarkers(name, got.body)
		}
		return
	}
	if p.foreign == p.missing || p.missing == "" {
		t.Fatalf("%s: a foreign id needs a different missing one", name)
	}
	foreign, missing := x.send(p.req(p.foreign)), x.send(p.req(p.missing))
	nf := isoAnswer{foreign.status, foreign.contentType, isoNormalise(foreign.body, p.foreign, p.missing)}
	nm := isoAnswer{missing.status, missing.contentType, isoNormalise(missing.body, p.foreign, p.missing)}
	if nf != nm {
		t.Errorf("%s: B's %s answers unlike a missing %s:\nB's:     HTTP %d %s %s\nmissing: HTTP %d %s %s",
			name, p.foreign, p.missing, foreign.status, foreign.contentType, foreign.body, missing.status, missing.contentType, missing.body)
	}
	if msg := p.want(foreign); msg != "" {
		t.Errorf("%s: naming B's %s: %s\nHTTP %d %s", name, p.foreign, msg, foreign.status, foreign.body)
	}
	if !p.echoes {
		x.noMarkers(name, nf.body)
	}
}

// noMarkers fails when an answer to A holds any of B's text or amounts.
func (x *isoWorld) noMarkers(name, body string) {
	for _, m := range isoMarkersB {
		if strings.Contains(body, m) {
			x.t.Errorf("%s: the answer holds tenant B's %q: %s", name, m, body)
		}
	}
}

func isoID(n uint64) string { return fmt.Sprint(n) }

// isoKV makes form values of key, value pairs.
func isoKV(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// ---- the dialects' requests, with A's credentials ----

func (x *isoWorld) oa(method, path string, kv ...string) isoReq {
	v := isoKV(append([]string{"access_token", x.a.token}, kv...)...)
	if method == http.MethodGet {
		return isoReq{method: method, path: path + "?" + v.Encode()}
	}
	return isoReq{method: method, path: path, contentType: "application/x-www-form-urlencoded", body: v.Encode()}
}

func (x *isoWorld) ik(method, path, jsonBody string) isoReq {
	r := isoReq{method: method, path: path, body: jsonBody,
		header: map[string]string{"Authorization": `Token token="` + x.a.token + `",device="open_api"`}}
	if jsonBody != "" {
		r.contentType = "application/json"
	}
	return r
}

func (x *isoWorld) yz(shop, body string) isoReq {
	return isoReq{method: http.MethodPost, path: "/business/" + shop + "/plugin/CustomerManage/getStatisticsList",
		contentType: "application/x-www-form-urlencoded", body: body, header: map[string]string{"Authorization": "Bearer " + x.a.token}}
}

// qcy calls the route's handler with A's token (or site key for the shop's
// handlers): JSON at one base by GET and the other by POST, XML at the others.
func (x *isoWorld) qcy(r isoRoute, kv ...string) isoReq {
	format := "json"
	if (r.method == http.MethodGet) == strings.HasPrefix(r.path, "/OM/") {
		format = "xml"
	}
	cred := []string{"token", x.a.token}
	if strings.Contains(r.path, "/ECommerce/") {
		cred = []string{"siteKey", x.a.siteKey}
	}
	v := isoKV(append(append(cred, "format", format), kv...)...)
	if r.method == http.MethodGet {
		return isoReq{method: r.method, path: r.path + "?" + v.Encode()}
	}
	return isoReq{method: r.method, path: r.path, contentType: "application/x-www-form-urlencoded", body: v.Encode()}
}

// ---- what must come back ----

func isoJSON(a isoAnswer, into any) string {
	if err := json.Unmarshal([]byte(a.body), into); err != nil {
		return "not JSON: " + err.Error()
	}
	return ""
}

func isoOAStatus(code string, contains ...string) func(isoAnswer) string {
	return func(a isoAnswer) string {
		var v struct{ StatusCode string }
		if msg := isoJSON(a, &v); msg != "" {
			return msg
		}
		if a.status != http.StatusOK || v.StatusCode != code {
			return "want statuscode " + code
		}
		return isoContains(a, contains...)
	}
}

func isoIKCode(code int, contains ...string) func(isoAnswer) string {
	return func(a isoAnswer) string {
		var v struct{ Code int }
		if msg := isoJSON(a, &v); msg != "" {
			return msg
		}
		if a.status != http.StatusOK || v.Code != code {
			return fmt.Sprintf("want code %d", code)
		}
		return isoContains(a, contains...)
	}
}

// isoIKNotFound is the open API's answer for a contract not in the caller's tenant.
var isoIKNotFound = isoIKCode(100100, `"error":"active_record/record_not_found"`)

// isoIKNoReference is its answer for a reference in a contract that is not in the caller's tenant.
func isoIKNoReference(field string) func(isoAnswer) string {
	return isoIKCode(100422, field, " 不存在")
}

var isoQcyErrorCode = regexp.MustCompile(`"error_code":"(\d+)"|<error_code>(\d+)</error_code>`)

func isoQcyFormat(a isoAnswer) string {
	if strings.HasPrefix(a.body, "<?xml") {
		return "xml"
	}
	return "json"
}

func isoQcyCode(code string) func(isoAnswer) string {
	return func(a isoAnswer) string {
		m := isoQcyErrorCode.FindStringSubmatch(a.body)
		if a.status != http.StatusOK || m == nil || m[1]+m[2] != code {
			return "want error_code " + code
		}
		return ""
	}
}

var isoQcyNotFound = isoQcyCode("20003")

// isoQcyValue wants the answer {"value":v} or its XML twin.
func isoQcyValue(v string) func(isoAnswer) string {
	return func(a isoAnswer) string {
		want := `{"value":` + v + "}\n"
		if isoQcyFormat(a) == "xml" {
			want = `<root><value>` + v + `</value></root>`
			if a.status == http.StatusOK && strings.HasSuffix(strings.TrimSpace(a.body), want) {
				return ""
			}
		} else if a.status == http.StatusOK && a.body == want {
			return ""
		}
		return "want the value " + v
	}
}

// isoQcyList wants a successful answer holding each of contains.
func isoQcyList(contains ...string) func(isoAnswer) string {
	return func(a isoAnswer) string {
		if a.status != http.StatusOK || isoQcyErrorCode.MatchString(a.body) {
			return "want a value, not an error"
		}
		return isoContains(a, contains...)
	}
}

func isoContains(a isoAnswer, contains ...string) string {
	for _, c := range contains {
		if !strings.Contains(a.body, c) {
			return fmt.Sprintf("want %q in the answer", c)
		}
	}
	return ""
}

func isoYZAnswer(want string) func(isoAnswer) string {
	return func(a isoAnswer) string {
		if a.status != http.StatusOK || a.body != want {
			return "want " + want
		}
		return ""
	}
}

func isoYZRows(contains ...string) func(isoAnswer) string {
	return func(a isoAnswer) string {
		var v struct{ Result int }
		if msg := isoJSON(a, &v); msg != "" {
			return msg
		}
		if a.status != http.StatusOK || v.Result != 1 {
			return "want result 1"
		}
		return isoContains(a, contains...)
	}
}

// ---- the table ----

// isoGatewayRoutes are the gateway's own routes, in no dialect's table: no
// token, no tenant, no data.
var isoGatewayRoutes = map[string]isoProbes{
	"GET /healthz": isoHealth("/healthz", `{"status":"ok"}`+"\n"),
	"GET /readyz":  isoHealth("/readyz", `{"status":"ready"}`+"\n"),
}

// isoRoutes are the dialects' routes' probes, keyed by "METHOD path" exactly
// as their tables list them. A login's probes check what it must still not
// do, though it resolves no token whose tenant's ids it could be asked about.
func isoRoutes() map[string]isoProbes {
	t := map[string]isoProbes{
		// oa
		"POST /oa/users/login":        isoOALogin,
		"GET /oa/crm/home":            isoOAHome,
		"POST /oa/crm/monthplan":      isoOAMonthPlan,
		"GET /oa/crm/contracts/count": isoOACount,
		// the OA's customers (oa_customers_test.go)
		"GET /oa/customers":        isoOACustomers,
		"POST /oa/customers":       isoOACustomerCreate,
		"GET /oa/customers/:id":    isoOACustomerByID,
		"PATCH /oa/customers/:id":  isoOACustomerByID,
		"DELETE /oa/customers/:id": isoOACustomerByID,

		// ikcrm
		"POST /api/v2/auth/login":                 isoIKLogin,
		"GET /api/v2/contracts":                   isoIKList,
		"POST /api/v2/contracts":                  isoIKCreate,
		"GET /api/v2/contracts/:id":               isoIKShow,
		"PUT /api/v2/contracts/:id":               isoIKUpdate,
		"DELETE /api/v2/contracts/:id":            isoIKDelete,
		"GET /api/v2/field_maps/contract":         isoIKFieldMaps,
		"GET /api/v2/opportunities":               isoIKOpportunities,
		"GET /api/v2/customers/:id/opportunities": isoIKCustomerOpportunities,
		"GET /api/v2/field_maps/opportunity":      isoIKOpportunityFieldMaps,
		"POST /api/v2/opportunities":              isoIKCreateOpportunity,
		"PUT /api/v2/opportunities":               isoIKCreateOpportunity,
		"GET /api/v2/opportunities/:id":           isoIKShowOpportunity,
		"PUT /api/v2/opportunities/:id":           isoIKUpdateOpportunity,
		"POST /api/v2/opportunities/:id":          isoIKUpdateOpportunity,
		"GET /api/v2/revisit_logs/new_index":      isoIKRevisitLogs,
		"POST /api/v2/revisit_logs":               isoIKCreateRevisitLog,
		"GET /api/v2/user/list":                   isoIKUsers,
		"GET /api/v2/checkins":                    isoIKCheckins,
		"GET /api/v2/user/department_list":        isoIKDepartments,
		// ikcrm's customers, contacts and custom fields (ikcrm_customers_test.go)
		"GET /api/v2/customers":                      isoIKCustomers,
		"POST /api/v2/customers":                     isoIKCustomerCreate,
		"POST /api/v2/common_customers":              isoIKCustomerCreate,
		"GET /api/v2/customers/:id":                  isoIKCustomerShow,
		"PUT /api/v2/customers/:id":                  isoIKCustomerUpdate,
		"POST /api/v2/customers/:id":                 isoIKCustomerUpdate,
		"GET /api/v2/field_maps/customer":            isoIKCustomerFieldMaps,
		"GET /api/v2/contacts":                       isoIKContacts,
		"GET /api/v2/contacts/simplest":              isoIKContactsSimplest,
		"POST /api/v2/contacts":                      isoIKContactCreate,
		"PUT /api/v2/contacts/:id":                   isoIKContactUpdate,
		"GET /api/v2/custom_fields/:entity/by_group": isoIKCustomFields,
		// oa: contracts and their money (isolation_payments_test.go)
		"GET /oa/contracts":                   isoOAContracts,
		"GET /oa/contracts/:id":               isoOAContractShow,
		"PATCH /oa/contracts/:id":             isoOAOfContract("", "status", "2"),
		"DELETE /oa/contracts/:id":            isoOAOfContract(""),
		"GET /oa/contracts/:id/receiving":     isoOAOfContract("/receiving"),
		"POST /oa/contracts/:id/receiving":    isoOAOfContract("/receiving", "sum", "1", "dbilldate", "2015-10-10"),
		"GET /oa/contracts/:id/spending":      isoOAOfContract("/spending"),
		"POST /oa/contracts/:id/spending":     isoOAOfContract("/spending", "sum", "1", "dbilldate", "2015-10-10"),
		"GET /oa/crm/contracts/receiving/all": isoOAReceivingAll,
		"GET /oa/version":                     isoOAVersion,

		// ikcrm
		// ikcrm: received payments and plans (isolation_payments_test.go)
		"GET /api/v2/contracts/:id/received_payments":         isoIKContractPlans,
		"GET /api/v2/contracts/:id/received_payments/:sub_id": isoIKContractPlan,
		"GET /api/v2/received_payments":                       isoIKTopList(`"amount":"300.0"`),
		"POST /api/v2/received_payments":                      isoIKPaymentCreate,
		"GET /api/v2/received_payments/:id":                   isoIKPaymentShow,
		"GET /api/v2/received_payment_plans":                  isoIKTopList(`"amount":"400.0"`),
		"POST /api/v2/received_payment_plans":                 isoIKPlanCreate,

		// yunzmall
		"POST /business/:id/plugin/CustomerManage/getStatisticsList": isoYZStatistics,
		"POST /admin/login":             isoYZAdminLogin,
		"POST /addons/yun_shop/api.php": isoYZMemberLogin,
	}
	// qcy: every handler at both bases, by GET and by POST.
	for handler, probes := range isoQcyHandlers {
		for _, base := range []string{isoQcyBase, "/OM" + isoQcyBase} {
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				path := base + "CRM/" + handler + ".ashx"
				if handler == "Token/Get" {
					path = base + "Token/Get.ashx"
				}
				t[method+" "+path] = probes
			}
		}
	}
	return t
}

func isoHealth(path, want string) isoProbes {
	return func(x *isoWorld, r isoRoute) []isoProbe {
		return []isoProbe{{name: "answers its fixed body, with or without a token",
			req: func(string) isoReq { return isoReq{method: http.MethodGet, path: path + "?access_token=" + x.a.token} },
			want: func(a isoAnswer) string {
				if a.status != http.StatusOK || a.body != want {
					return "want " + want
				}
				return ""
			}}}
	}
}

// -- oa --

func isoOALogin(x *isoWorld, r isoRoute) []isoProbe {
	login := func(tenant string) func(string) isoReq {
		return func(string) isoReq {
			return isoReq{method: http.MethodPost, path: "/oa/users/login", contentType: "application/x-www-form-urlencoded",
				body: isoKV("tt", "1", "vn", "1.0", "username", "ann", "password", x.a.password, "tenant", tenant, "access_token", x.a.token).Encode()}
		}
	}
	return []isoProbe{
		{name: "A's user and password naming A logs in as A's user", req: login(x.a.tenant.Name),
			want: isoOAStatus("0000", fmt.Sprintf(`"id":%d,"username":"ann"`, x.a.main.UserID))},
		// B has a user "ann" too, with another password: A's password (and A's token beside it) opens nothing there.
		{name: "A's user and password naming B by name", req: login(x.b.tenant.Name), want: isoOAStatus("10003")},
		{name: "A's user and password naming B by id", req: login(isoID(x.b.tenant.ID)), want: isoOAStatus("10003")},
	}
}

// isoOAHomeA is A's month as home shows it: deals 1100 + 2200, 300 received, target 5000.
const isoOAHomeA = `"data":{"monthdeal":3300.0,"monthback":300.0,"monthtarget":5000}`

func isoOAHome(x *isoWorld, r isoRoute) []isoProbe {
	return []isoProbe{{name: "A's month only", req: func(string) isoReq { return x.oa(r.method, r.path) }, want: isoOAStatus("0000", isoOAHomeA)}}
}

func isoOAMonthPlan(x *isoWorld, r isoRoute) []isoProbe {
	return []isoProbe{{name: "sets A's target and answers A's month only",
		req: func(string) isoReq {
			return x.oa(r.method, r.path, "yearmonth", "2015-10", "targetamount", isoAmountsA.target)
		},
		want: isoOAStatus("0000", isoOAHomeA)}}
}

func isoOACount(x *isoWorld, r isoRoute) []isoProbe {
	count := func(kv ...string) func(string) isoReq {
		return func(id string) isoReq {
			p := append([]string{"year", "2015", "month", "10"}, kv...)
			for i := range p {
				p[i] = strings.ReplaceAll(p[i], "{id}", id)
			}
			return x.oa(r.method, r.path, p...)
		}
	}
	return []isoProbe{
		{name: "flag 0, B's user", foreign: isoID(x.b.main.UserID), missing: isoMissing, req: count("flag", "0", "ids", "{id}"), want: isoOAStatus("10002")},
		{name: "flag 0, A's user and B's", foreign: isoID(x.b.second.UserID), missing: isoMissing,
			req: count("flag", "0", "ids", isoID(x.a.main.UserID)+",{id}"), want: isoOAStatus("10002")},
		{name: "flag 1, B's department", foreign: isoID(x.b.dept.ID), missing: isoMissing, req: count("flag", "1", "ids", "{id}"), want: isoOAStatus("10039")},
		{name: "flag 2, the company: A's contracts only", req: count("flag", "2", "size", "1000"), want: isoOAStatus("0000", "isoA-合同一", "isoA-合同二")},
		{name: "flag 0, the caller: A's contracts only", req: count(), want: isoOAStatus("0000", "isoA-合同一")},
	}
}

// -- ikcrm --

func isoIKLogin(x *isoWorld, r isoRoute) []isoProbe {
	login := func(corp string) isoReq {
		return isoReq{method: http.MethodPost, path: "/api/v2/auth/login", contentType: "application/x-www-form-urlencoded",
			body:   isoKV("login", "ann", "password", x.a.password, "corp_id", corp, "device", "open_api").Encode(),
			header: map[string]string{"Authorization": `Token token="` + x.a.token + `",device="open_api"`}}
	}
	return []isoProbe{
		{name: "A's login and password with A's corp_id log in as A's user", req: func(string) isoReq { return login(isoID(x.a.tenant.ID)) },
			want: isoIKCode(0, fmt.Sprintf(`"user_id":%d`, x.a.main.UserID))},
		{name: "A's login and password (and token) with B's corp_id", foreign: isoID(x.b.tenant.ID), missing: isoMissing, req: login,
			want: isoIKCode(100400, `"error":"invalid_login"`)},
		{name: "A's login and password with B's name as corp_id", foreign: x.b.tenant.Name, missing: "isoZ-tenant", req: login,
			want: isoIKCode(100400, `"error":"invalid_login"`)},
	}
}

func isoIKList(x *isoWorld, r isoRoute) []isoProbe {
	list := func(query string) func(string) isoReq {
		return func(id string) isoReq {
			return x.ik(r.method, r.path+strings.ReplaceAll(query, "{id}", url.QueryEscape(id)), "")
		}
	}
	empty := isoIKCode(0, `"contracts":[],"total_count":0`)
	return []isoProbe{
		{name: "A's contracts only", req: list("?per_page=1000"), want: isoIKCode(0, "isoA-合同一", "isoA-合同二")},
		{name: "the others in A's department", req: list("?tab_type=sub"), want: isoIKCode(0)},
		{name: "B's customer as entity", foreign: isoID(x.b.customer.ID), missing: isoMissing, req: list("?entity=customer&entity_id={id}"), want: empty},
		{name: "B's opportunity as entity", foreign: isoID(x.b.opportunity.ID), missing: isoMissing, req: list("?entity=opportunity&entity_id={id}"), want: empty},
		{name: "B's contract title as query", foreign: x.b.approved.Title, missing: "isoZ-none", req: list("?query={id}"), want: empty},
		{name: "B's contract sn as query", foreign: x.b.approved.SN, missing: "isoZ-SN", req: list("?query={id}"), want: empty},
	}
}

// isoIKContract is a contract body: a valid one of A's, with extra fields.
func isoIKContract(x *isoWorld, extra string) string {
	return fmt.Sprintf(`{"contract":{"title":"isoA-新合同","customer_id":%d,"start_at":"2015-10-01","end_at":"2015-12-31","sign_date":"2015-01-01","total_amount":"1"%s}}`,
		x.a.customer.ID, extra)
}

func isoIKCreate(x *isoWorld, r isoRoute) []isoProbe {
	create := func(extra string) func(string) isoReq {
		return func(id string) isoReq {
			body := isoIKContract(x, strings.ReplaceAll(extra, "{id}", id))
			return x.ik(r.method, r.path, body)
		}
	}
	return []isoProbe{
		{name: "B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing, req: create(`,"customer_id":{id}`), want: isoIKNoReference("customer_id")},
		{name: "B's user as owner", foreign: isoID(x.b.second.UserID), missing: isoMissing, req: create(`,"user_id":{id}`), want: isoIKNoReference("user_id")},
		{name: "B's department", foreign: isoID(x.b.dept.ID), missing: isoMissing, req: create(`,"want_department_id":{id}`), want: isoIKNoReference("want_department_id")},
		{name: "B's opportunity, turned into the contract", foreign: isoID(x.b.opportunity.ID), missing: isoMissing,
			req: func(id string) isoReq {
				body := strings.Replace(isoIKContract(x, `,"opportunity_id":`+id), `{"contract"`, `{"contract_action_name":"turn_to_contract","contract"`, 1)
				return x.ik(r.method, r.path, body)
			}, want: isoIKNoReference("opportunity_id")},
		{name: "B's user to notify", foreign: isoID(x.b.second.UserID), missing: isoMissing, req: create(`,"notify_user_ids":[{id}]`), want: isoIKNoReference("notify_user_ids")},
		{name: "B's product line as a line of the new contract", foreign: isoID(x.b.line), missing: isoMissing,
			req: create(`,"product_assets_attributes":[{"id":{id},"product_name":"isoA-产品","quantity":1}]`), want: isoIKCode(100422, "(product_assets_attributes)")},
		// Dictionary ids are per tenant: a code only B has is as unknown in A as one nobody has.
		{name: "B's own contract category", foreign: isoID(x.b.customType), missing: "12345", req: create(`,"category":{id}`), want: isoIKNoReference("category")},
		{name: "B's own payment type", foreign: isoID(x.b.customType), missing: "12345", req: create(`,"payment_type":{id}`), want: isoIKNoReference("payment_type")},
		// An sn is unique in a tenant: one B uses is free in A, so it tells nothing of B.
		{name: "B's sn is free in A", req: create(`,"sn":"` + x.b.approved.SN + `"`), want: isoIKCode(0, `"sn":"`+x.b.approved.SN+`"`), echoes: true},
	}
}

func isoIKShow(x *isoWorld, r isoRoute) []isoProbe {
	show := func(id string) isoReq { return x.ik(r.method, "/api/v2/contracts/"+id, "") }
	return []isoProbe{
		{name: "B's contract", foreign: isoID(x.b.approved.ID), missing: isoMissing, req: show, want: isoIKNotFound},
		{name: "B's contract waiting for approval", foreign: isoID(x.b.applying.ID), missing: isoMissing, req: show, want: isoIKNotFound},
		{name: "A's contract", req: func(string) isoReq { return show(isoID(x.a.approved.ID)) }, want: isoIKCode(0, "isoA-合同二")},
	}
}

func isoIKUpdate(x *isoWorld, r isoRoute) []isoProbe {
	put := func(contract string, body string) func(string) isoReq {
		return func(id string) isoReq {
			return x.ik(r.method, "/api/v2/contracts/"+strings.ReplaceAll(contract, "{id}", id), strings.ReplaceAll(body, "{id}", id))
		}
	}
	mine := isoID(x.a.approved.ID)
	return []isoProbe{
		{name: "B's contract", foreign: isoID(x.b.approved.ID), missing: isoMissing, req: put("{id}", `{"contract":{"title":"isoA-改"}}`), want: isoIKNotFound},
		{name: "A's contract given B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing,
			req: put(mine, `{"contract":{"customer_id":{id}}}`), want: isoIKNoReference("customer_id")},
		{name: "A's contract given B's user as owner", foreign: isoID(x.b.main.UserID), missing: isoMissing,
			req: put(mine, `{"contract":{"user_id":{id}}}`), want: isoIKNoReference("user_id")},
		{name: "A's contract given B's department", foreign: isoID(x.b.dept.ID), missing: isoMissing,
			req: put(mine, `{"contract":{"want_department_id":{id}}}`), want: isoIKNoReference("want_department_id")},
		{name: "A's contract given B's opportunity", foreign: isoID(x.b.opportunity.ID), missing: isoMissing,
			req: put(mine, `{"contract":{"opportunity_id":{id}}}`), want: isoIKNoReference("opportunity_id")},
		{name: "A's contract given B's user to notify", foreign: isoID(x.b.second.UserID), missing: isoMissing,
			req: put(mine, `{"contract":{"notify_user_ids":[{id}]}}`), want: isoIKNoReference("notify_user_ids")},
		{name: "A's contract given B's own contract category", foreign: isoID(x.b.customType), missing: "12345",
			req: put(mine, `{"contract":{"category":{id}}}`), want: isoIKNoReference("category")},
		{name: "A's contract changing B's product line", foreign: isoID(x.b.line), missing: isoMissing,
			req:  put(mine, `{"contract":{"product_assets_attributes":[{"id":{id},"product_name":"isoA-改","quantity":3}]}}`),
			want: isoIKCode(100422, "(product_assets_attributes)")},
		{name: "A's contract removing B's product line", foreign: isoID(x.b.line), missing: isoMissing,
			req:  put(mine, `{"contract":{"product_assets_attributes":[{"id":{id},"destroy":true}]}}`),
			want: isoIKCode(100422, "(product_assets_attributes)")},
	}
}

func isoIKDelete(x *isoWorld, r isoRoute) []isoProbe {
	return []isoProbe{{name: "B's contract", foreign: isoID(x.b.applying.ID), missing: isoMissing,
		req: func(id string) isoReq { return x.ik(r.method, "/api/v2/contracts/"+id, "") }, want: isoIKNotFound}}
}

func isoIKFieldMaps(x *isoWorld, r isoRoute) []isoProbe {
	return []isoProbe{{name: "A's dictionaries only", req: func(string) isoReq { return x.ik(r.method, r.path, "") },
		want: isoIKCode(0, "isoA-合同类别", "isoA-付款方式", "执行中")}}
}

func isoIKOpportunities(x *isoWorld, r isoRoute) []isoProbe {
	list := func(query string) func(string) isoReq {
		return func(id string) isoReq {
			return x.ik(r.method, r.path+strings.ReplaceAll(query, "{id}", url.QueryEscape(id)), "")
		}
	}
	empty := isoIKCode(0, `"opportunities":[],"total_count":0`)
	return []isoProbe{
		{name: "A's opportunities only", req: list("?per_page=100"), want: isoIKCode(0, "isoA-商机")},
		{name: "B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing, req: list("?customer_id={id}"), want: empty},
		{name: "B's customer as entity", foreign: isoID(x.b.customer.ID), missing: isoMissing, req: list("?entity=customer&entity_id={id}"), want: empty},
		{name: "B's own stage", foreign: isoID(x.b.customType), missing: "12345", req: list("?stage={id}"), want: empty},
		{name: "B's opportunity title as query", foreign: x.b.opportunity.Title, missing: "isoZ-none", req: list("?query={id}"), want: empty},
	}
}

func isoIKOpportunityFieldMaps(x *isoWorld, r isoRoute) []isoProbe {
	return []isoProbe{{name: "A's dictionaries only", req: func(string) isoReq { return x.ik(r.method, r.path, "") },
		want: isoIKCode(0, "isoA-销售阶段", "赢单")}}
}

func isoIKCustomerOpportunities(x *isoWorld, r isoRoute) []isoProbe {
	list := func(id string) isoReq { return x.ik(r.method, "/api/v2/customers/"+id+"/opportunities", "") }
	return []isoProbe{
		{name: "B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing, req: list, want: isoIKNotFound},
		{name: "A's customer", req: func(string) isoReq { return list(isoID(x.a.customer.ID)) }, want: isoIKCode(0, "isoA-商机", `"count":1`)},
	}
}

func isoIKCreateOpportunity(x *isoWorld, r isoRoute) []isoProbe {
	create := func(extra string) func(string) isoReq {
		return func(id string) isoReq {
			return x.ik(r.method, r.path, fmt.Sprintf(`{"opportunity":{"title":"isoA-新商机","customer_id":%d%s}}`,
				x.a.customer.ID, strings.ReplaceAll(extra, "{id}", id)))
		}
	}
	return []isoProbe{
		{name: "B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing, req: create(`,"customer_id":{id}`), want: isoIKNoReference("customer_id")},
		{name: "B's user as owner", foreign: isoID(x.b.second.UserID), missing: isoMissing, req: create(`,"user_id":{id}`), want: isoIKNoReference("user_id")},
		{name: "B's department", foreign: isoID(x.b.dept.ID), missing: isoMissing, req: create(`,"want_department_id":{id}`), want: isoIKNoReference("want_department_id")},
		{name: "B's contact", foreign: isoID(x.b.contact.ID), missing: isoMissing,
			req: create(`,"contact_assetships_attributes":[{"contact_id":{id}}]`), want: isoIKNoReference("contact_assetships_attributes")},
		{name: "B's own stage", foreign: isoID(x.b.customType), missing: "12345", req: create(`,"stage":{id}`), want: isoIKNoReference("stage")},
		{name: "B's product line as a line of the new opportunity", foreign: isoID(x.b.oppLine), missing: isoMissing,
			req: create(`,"product_assets_attributes":[{"id":{id},"quantity":1}]`), want: isoIKCode(100422, "(product_assets_attributes)")},
	}
}

func isoIKShowOpportunity(x *isoWorld, r isoRoute) []isoProbe {
	show := func(id string) isoReq { return x.ik(r.method, "/api/v2/opportunities/"+id, "") }
	return []isoProbe{
		{name: "B's opportunity", foreign: isoID(x.b.opportunity.ID), missing: isoMissing, req: show, want: isoIKNotFound},
		{name: "A's opportunity", req: func(string) isoReq { return show(isoID(x.a.opportunity.ID)) }, want: isoIKCode(0, "isoA-商机", "isoA-李助理")},
	}
}

func isoIKUpdateOpportunity(x *isoWorld, r isoRoute) []isoProbe {
	put := func(opp, body string) func(string) isoReq {
		return func(id string) isoReq {
			return x.ik(r.method, "/api/v2/opportunities/"+strings.ReplaceAll(opp, "{id}", id), strings.ReplaceAll(body, "{id}", id))
		}
	}
	mine := isoID(x.a.opportunity.ID)
	return []isoProbe{
		{name: "B's opportunity", foreign: isoID(x.b.opportunity.ID), missing: isoMissing, req: put("{id}", `{"opportunity":{"title":"isoA-改"}}`), want: isoIKNotFound},
		{name: "A's opportunity given B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing,
			req: put(mine, `{"opportunity":{"customer_id":{id}}}`), want: isoIKNoReference("customer_id")},
		{name: "A's opportunity given B's user as owner", foreign: isoID(x.b.main.UserID), missing: isoMissing,
			req: put(mine, `{"opportunity":{"user_id":{id}}}`), want: isoIKNoReference("user_id")},
		{name: "A's opportunity given B's contact", foreign: isoID(x.b.mainContact.ID), missing: isoMissing,
			req: put(mine, `{"opportunity":{"contact_assetships_attributes":[{"contact_id":{id}}]}}`), want: isoIKNoReference("contact_assetships_attributes")},
		{name: "A's opportunity changing B's product line", foreign: isoID(x.b.oppLine), missing: isoMissing,
			req: put(mine, `{"opportunity":{"product_assets_attributes":[{"id":{id},"quantity":3}]}}`), want: isoIKCode(100422, "(product_assets_attributes)")},
	}
}

func isoIKRevisitLogs(x *isoWorld, r isoRoute) []isoProbe {
	list := func(query string) func(string) isoReq {
		return func(id string) isoReq {
			return x.ik(r.method, r.path+"?date=all&per_page=100"+strings.ReplaceAll(query, "{id}", url.QueryEscape(id)), "")
		}
	}
	empty := isoIKCode(0, `"revisit_logs":[],"total_count":0`)
	return []isoProbe{
		{name: "A's follow-ups only", req: list(""), want: isoIKCode(0, "isoA-介绍产品")},
		{name: "B's user", foreign: isoID(x.b.main.UserID), missing: isoMissing, req: list("&user_id={id}"), want: empty},
		{name: "B's department", foreign: isoID(x.b.dept.ID), missing: isoMissing, req: list("&department_id={id}"), want: empty},
		{name: "B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing, req: list("&loggable_type=customer&loggable_id={id}"), want: empty},
		{name: "B's opportunity", foreign: isoID(x.b.opportunity.ID), missing: isoMissing, req: list("&loggable_type=opportunity&loggable_id={id}"), want: empty},
	}
}

func isoIKCreateRevisitLog(x *isoWorld, r isoRoute) []isoProbe {
	create := func(typ, extra string) func(string) isoReq {
		return func(id string) isoReq {
			return x.ik(r.method, r.path, fmt.Sprintf(`{"revisit_log":{"loggable_type":"%s","loggable_id":%s,"content":"isoA-跟进"%s}}`,
				typ, id, strings.ReplaceAll(extra, "{id}", id)))
		}
	}
	onA := func(typ string, id uint64, extra string) func(string) isoReq {
		return func(code string) isoReq { return create(typ, strings.ReplaceAll(extra, "{code}", code))(isoID(id)) }
	}
	return []isoProbe{
		{name: "on B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing, req: create("Customer", ""), want: isoIKNoReference("loggable_id")},
		{name: "on B's contact", foreign: isoID(x.b.contact.ID), missing: isoMissing, req: create("Contact", ""), want: isoIKNoReference("loggable_id")},
		{name: "on B's opportunity", foreign: isoID(x.b.opportunity.ID), missing: isoMissing, req: create("Opportunity", ""), want: isoIKNoReference("loggable_id")},
		{name: "on B's contract", foreign: isoID(x.b.approved.ID), missing: isoMissing, req: create("Contract", ""), want: isoIKNoReference("loggable_id")},
		{name: "on A's opportunity, to B's own stage", foreign: isoID(x.b.customType), missing: "12345",
			req: onA("Opportunity", x.a.opportunity.ID, `,"loggable_attributes":{"stage":{code}}`), want: isoIKNoReference("stage")},
	}
}

func isoIKUsers(x *isoWorld, r isoRoute) []isoProbe {
	list := func(query string) func(string) isoReq {
		return func(id string) isoReq {
			return x.ik(r.method, r.path+"?per_page=100"+strings.ReplaceAll(query, "{id}", url.QueryEscape(id)), "")
		}
	}
	empty := isoIKCode(0, `"users":[],"total_count":0`)
	return []isoProbe{
		{name: "A's users only", req: list(""), want: isoIKCode(0, "isoA-安", "isoA-贝拉", `"total_count":2`)},
		{name: "B's user", foreign: isoID(x.b.second.UserID), missing: isoMissing, req: list("&user_id={id}"), want: empty},
		{name: "B's department", foreign: isoID(x.b.dept.ID), missing: isoMissing, req: list("&department_id={id}"), want: empty},
		{name: "B's user's name", foreign: "isoB-贝拉", missing: "isoZ-none", req: list("&name={id}"), want: empty},
		{name: "all but B's user: A's", foreign: isoID(x.b.main.UserID), missing: isoMissing, req: list("&except_user_id={id}"),
			want: isoIKCode(0, `"total_count":2`)},
	}
}

func isoIKDepartments(x *isoWorld, r isoRoute) []isoProbe {
	list := func(id string) isoReq { return x.ik(r.method, r.path+"?except_id="+id, "") }
	return []isoProbe{
		{name: "A's departments only", req: func(string) isoReq { return x.ik(r.method, r.path, "") }, want: isoIKCode(0, "isoA-销售部")},
		{name: "all but B's department: A's", foreign: isoID(x.b.dept.ID), missing: isoMissing, req: list, want: isoIKCode(0, "isoA-销售部")},
	}
}

func isoIKCheckins(x *isoWorld, r isoRoute) []isoProbe {
	list := func(query string) func(string) isoReq {
		return func(id string) isoReq {
			return x.ik(r.method, r.path+"?per_page=100"+strings.ReplaceAll(query, "{id}", url.QueryEscape(id)), "")
		}
	}
	empty := isoIKCode(0, `"checkins":[],"total_count":0`)
	return []isoProbe{
		{name: "A's visits only", req: list(""), want: isoIKCode(0, "isoA-拜访地址", `"total_count":1`)},
		{name: "B's user", foreign: isoID(x.b.main.UserID), missing: isoMissing, req: list("&user_id={id}"), want: empty},
		{name: "B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing, req: list("&checkable_type=Customer&checkable_id={id}"), want: empty},
		{name: "B's place", foreign: "isoB-拜访地址", missing: "isoZ-none", req: list("&detail_address={id}"), want: empty},
	}
}

// -- yunzmall --

func isoYZStatistics(x *isoWorld, r isoRoute) []isoProbe {
	mine := isoID(x.a.tenant.ID)
	appid := `{"errcode":500,"errmsg":"invalid appid"}` + "\n"
	search := func(form string) func(string) isoReq {
		return func(id string) isoReq {
			return x.yz(mine, strings.NewReplacer("[", "%5B", "]", "%5D", "{id}", url.QueryEscape(id)).Replace(form))
		}
	}
	return []isoProbe{
		{name: "B's shop", foreign: isoID(x.b.tenant.ID), missing: isoMissing, req: func(id string) isoReq { return x.yz(id, "") }, want: isoYZAnswer(appid)},
		{name: "B's department", foreign: isoID(x.b.dept.ID), missing: isoMissing, req: search("search[department_id]={id}"),
			want: isoYZAnswer(fmt.Sprintf(`{"result":0,"msg":"部门不存在: %s","data":[]}`+"\n", isoID(x.b.dept.ID)))},
		{name: "B's employee's name", foreign: "isoB-贝拉", missing: "isoZ-none", req: search("search[name]={id}"), want: isoYZRows(`"total":0`)},
		{name: "A's employees only", req: search(""), want: isoYZRows("isoA-安", "isoA-贝拉", `"total":2`)},
		{name: "A's employees counting customers of B's own industry", foreign: isoID(x.b.customType), missing: "12345",
			req: search("search[industry_id]={id}"), want: isoYZRows(`"total":2`)},
		{name: "A's employees counting customers of B's own tag", foreign: isoID(x.b.customType), missing: "12345",
			req: search("search[tag_id]={id}"), want: isoYZRows(`"total":2`)},
	}
}

// B has a user "ann" too, with another password: A's password logs in A's
// only, and with B's shop named, nothing.
func isoYZAdminLogin(x *isoWorld, r isoRoute) []isoProbe {
	return []isoProbe{{name: "A's user and password log in A's user",
		req: func(string) isoReq {
			return isoReq{method: r.method, path: r.path, contentType: "application/json",
				body: `{"username":"ann","password":"` + base64.StdEncoding.EncodeToString([]byte(x.a.password)) + `"}`}
		},
		want: isoYZAnswer(`{"result":1,"msg":"成功","data":{"pwd_remind":0,"msg":""}}` + "\n")}}
}

func isoYZMemberLogin(x *isoWorld, r isoRoute) []isoProbe {
	login := func(shop string) isoReq {
		return isoReq{method: r.method, path: r.path + "?type=9&route=member.login.index&i=" + url.QueryEscape(shop),
			contentType: "application/x-www-form-urlencoded", body: isoKV("mobile", "ann", "password", x.a.password).Encode()}
	}
	return []isoProbe{
		{name: "A's shop, user and password give a token", req: func(string) isoReq { return login(isoID(x.a.tenant.ID)) },
			want: isoYZRows(`"token":"`)},
		{name: "A's user and password with B's shop", foreign: isoID(x.b.tenant.ID), missing: isoMissing, req: login,
			want: isoYZAnswer(`{"result":0,"msg":"手机号或密码错误","data":{"status":6}}` + "\n")},
	}
}

// -- qcy --

// isoQcyHandlers are the WebApi's handlers (and Token/Get), each run at both
// bases by GET and by POST.
var isoQcyHandlers = map[string]isoProbes{
	"Token/Get": func(x *isoWorld, r isoRoute) []isoProbe {
		get := func(org string) isoReq {
			return x.qcy(r, "org_id", org, "login_name", "ann", "password", x.a.password)
		}
		guid := regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
		return []isoProbe{
			{name: "A's org, login and password give a token", req: func(string) isoReq { return get(isoID(x.a.tenant.ID)) },
				want: func(a isoAnswer) string {
					if a.status != http.StatusOK || isoQcyErrorCode.MatchString(a.body) || !guid.MatchString(a.body) {
						return "want a GUID"
					}
					return ""
				}},
			{name: "A's login and password (and token) with B's org", foreign: isoID(x.b.tenant.ID), missing: isoMissing, req: get, want: isoQcyCode("21301")},
		}
	},
	"BaseType/GetBaseType": func(x *isoWorld, r isoRoute) []isoProbe {
		return []isoProbe{
			{name: "industries: A's only", req: func(string) isoReq { return x.qcy(r, "par_id", "3") }, want: isoQcyList("isoA-行业", "制造业")},
			{name: "tags: A's only", req: func(string) isoReq { return x.qcy(r, "par_id", "Tag") }, want: isoQcyList("isoA-标签")},
		}
	},
	"ContactHistory/Get": isoQcyByID("id", func(x *isoWorld) uint64 { return x.b.history.ID }),
	"ContactHistory/Add": func(x *isoWorld, r isoRoute) []isoProbe {
		add := func(customer, contact string) func(string) isoReq {
			return func(id string) isoReq {
				return x.qcy(r, "customer_id", strings.ReplaceAll(customer, "{id}", id), "link_man_id", strings.ReplaceAll(contact, "{id}", id),
					"type_id", "1", "route_id", "1", "title", "isoA-跟进", "content", "isoA-内容")
			}
		}
		return []isoProbe{
			{name: "B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing, req: add("{id}", isoID(x.a.mainContact.ID)), want: isoQcyNotFound},
			{name: "A's customer, B's contact", foreign: isoID(x.b.mainContact.ID), missing: isoMissing, req: add(isoID(x.a.customer.ID), "{id}"), want: isoQcyNotFound},
		}
	},
	"ContactPlan/SaveContactPlan": func(x *isoWorld, r isoRoute) []isoProbe {
		save := func(plan, customer, contact string) func(string) isoReq {
			return func(id string) isoReq {
				f := func(s string) string { return strings.ReplaceAll(s, "{id}", id) }
				return x.qcy(r, "plan_id", f(plan), "customer_id", f(customer), "link_man_id", f(contact), "type_id", "3", "route_id", "1",
					"title", "isoA-回访", "content", "isoA-已回访", "next_time", "2015-11-20 09:30:00")
			}
		}
		aPlan, aCust, aContact := isoID(x.a.plan.ID), isoID(x.a.customer.ID), isoID(x.a.mainContact.ID)
		return []isoProbe{
			{name: "B's plan", foreign: isoID(x.b.plan.ID), missing: isoMissing, req: save("{id}", aCust, aContact), want: isoQcyNotFound},
			{name: "B's plan with B's customer", foreign: isoID(x.b.plan.ID), missing: isoMissing, req: save("{id}", isoID(x.b.customer.ID), isoID(x.b.mainContact.ID)), want: isoQcyNotFound},
			{name: "A's plan, B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing, req: save(aPlan, "{id}", aContact), want: isoQcyCode("10017")},
			{name: "A's plan, B's contact", foreign: isoID(x.b.mainContact.ID), missing: isoMissing, req: save(aPlan, aCust, "{id}"), want: isoQcyNotFound},
		}
	},
	"ContactPlan/GetContactPlan": isoQcyByID("id", func(x *isoWorld) uint64 { return x.b.plan.ID }),
	"ContactPlan/GetContactPlanCount": func(x *isoWorld, r isoRoute) []isoProbe {
		return []isoProbe{{name: "A's pending plans only", req: func(string) isoReq { return x.qcy(r) },
			want: func(a isoAnswer) string {
				var n int64
				x.e.must(x.e.db.Model(&core.ContactPlan{}).Where("tenant_id = ? AND user_id = ? AND done_at IS NULL", x.a.tenant.ID, x.a.main.UserID).Count(&n).Error)
				return isoQcyValue(fmt.Sprint(n))(a)
			}}}
	},
	"ContactPlan/InsertContactPlan": func(x *isoWorld, r isoRoute) []isoProbe {
		insert := func(customer, contact, history string) func(string) isoReq {
			return func(id string) isoReq {
				f := func(s string) string { return strings.ReplaceAll(s, "{id}", id) }
				return x.qcy(r, "plan_id", "0", "title", "isoA-计划", "customer_id", f(customer), "type_id", "1", "route_id", "4",
					"link_man_id", f(contact), "history_id", f(history), "next_time", "2015-12-01 14:00:00")
			}
		}
		aCust, aContact, aHistory := isoID(x.a.customer.ID), isoID(x.a.mainContact.ID), isoID(x.a.history.ID)
		return []isoProbe{
			{name: "B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing, req: insert("{id}", aContact, aHistory), want: isoQcyNotFound},
			{name: "B's contact", foreign: isoID(x.b.mainContact.ID), missing: isoMissing, req: insert(aCust, "{id}", aHistory), want: isoQcyNotFound},
			{name: "B's contact record", foreign: isoID(x.b.history.ID), missing: isoMissing, req: insert(aCust, aContact, "{id}"), want: isoQcyNotFound},
		}
	},
	"Contract/SampleGiftAuditById":   isoQcyByName("orderID", func(x *isoWorld) string { return x.b.orderPending }),
	"Contract/SampleGiftUnAuditById": isoQcyByName("orderID", func(x *isoWorld) string { return x.b.orderAudited }),
	"Contract/ContractAudit":         isoQcyByID("id", func(x *isoWorld) uint64 { return x.b.applying.ID }),
	"Contract/ContractUnAudit":       isoQcyByID("id", func(x *isoWorld) uint64 { return x.b.approved.ID }),
	"Contract/StopContract":          isoQcyByID("id", func(x *isoWorld) uint64 { return x.b.approved.ID }),
	"Customer/CancelShare":           isoQcyIDList("strIds"),
	"Customer/RemoveCollection": func(x *isoWorld, r isoRoute) []isoProbe {
		remove := func(user, customers string) func(string) isoReq {
			return func(id string) isoReq {
				return x.qcy(r, "userId", strings.ReplaceAll(user, "{id}", id), "custIdString", strings.ReplaceAll(customers, "{id}", id))
			}
		}
		return []isoProbe{
			{name: "B's user's collection", foreign: isoID(x.b.main.UserID), missing: isoMissing, req: remove("{id}", isoID(x.a.customer.ID)), want: isoQcyNotFound},
			{name: "B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing, req: remove(isoID(x.a.main.UserID), "{id}"), want: isoQcyNotFound},
			{name: "A's customer and B's", foreign: isoID(x.b.customer.ID), missing: isoMissing,
				req: remove(isoID(x.a.main.UserID), isoID(x.a.customer.ID)+",{id}"), want: isoQcyNotFound},
		}
	},
	"Customer/SetCustIdentity": func(x *isoWorld, r isoRoute) []isoProbe {
		return []isoProbe{{name: "B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing,
			req: func(id string) isoReq { return x.qcy(r, "identityId", "3", "custId", id) }, want: isoQcyNotFound}}
	},
	"Customer/GetAllList": func(x *isoWorld, r isoRoute) []isoProbe {
		return []isoProbe{{name: "A's customers only", req: func(string) isoReq { return x.qcy(r, "pageIndex", "1", "pageSize", "100") },
			want: isoQcyList("isoA-客户一", "isoA-客户二")}}
	},
	"Customer/AddCallHistory": func(x *isoWorld, r isoRoute) []isoProbe {
		return []isoProbe{{name: "a call of B's user", foreign: isoID(x.b.main.UserID), missing: isoMissing,
			req: func(id string) isoReq {
				return x.qcy(r, "callState", "1", "tel", "isoA-tel-9", "userID", id, "remark", "isoA-备注", "callType", "2",
					"startTime", "2015-10-15 09:00:00", "endTime", "2015-10-15 09:05:00", "record", "1", "duration", "300",
					"ims", "isoA-ims-9", "userName", "isoA-安")
			}, want: isoQcyNotFound}}
	},
	"Customer/IMSLock": func(x *isoWorld, r isoRoute) []isoProbe {
		return []isoProbe{
			{name: "for B's user", foreign: isoID(x.b.main.UserID), missing: isoMissing,
				req: func(id string) isoReq { return x.qcy(r, "userID", id, "ims", "isoA-ims-new") }, want: isoQcyNotFound},
			// Numbers are locked per tenant: one B locked is as free in A as one never locked.
			{name: "B's locked number, for A's user", foreign: x.b.ims1, missing: "isoZ-ims-free",
				req: func(id string) isoReq { return x.qcy(r, "userID", isoID(x.a.main.UserID), "ims", id) }, want: isoQcyValue("true")},
		}
	},
	"Customer/UnIMSLock": func(x *isoWorld, r isoRoute) []isoProbe {
		return []isoProbe{{name: "B's locked number", foreign: x.b.ims2, missing: "isoZ-ims-never",
			req: func(id string) isoReq { return x.qcy(r, "ims", id) }, want: isoQcyNotFound}}
	},
	"Customer/InsertSms": func(x *isoWorld, r isoRoute) []isoProbe {
		return []isoProbe{{name: "sent by B's user", foreign: isoID(x.b.main.UserID), missing: isoMissing,
			req: func(id string) isoReq {
				return x.qcy(r, "senderID", id, "mobilePhone", "isoA-sms-9", "receiveName", "isoA-收信人", "sendDate", "2015-10-16 09:00:00",
					"content", "isoA-短信", "sendType", "1", "messageTempleID", "isoA-T9")
			}, want: isoQcyNotFound}}
	},
	"Customer/UpdateCallHistory": func(x *isoWorld, r isoRoute) []isoProbe {
		return []isoProbe{{name: "B's call", foreign: x.b.callTel, missing: "isoZ-call-none",
			req: func(id string) isoReq {
				return x.qcy(r, "sCallNumber", id, "dCallTime", x.b.callStart.In(x.b.main.Location).Format(time.DateTime), "bCallState", "0",
					"callType", "2", "teleIms", "isoA-ims", "displayTel", "isoA-display", "endTime", now.In(x.b.main.Location).Format(time.DateTime),
					"record", "0", "duration", "1", "addUserName", "isoA-安")
			}, want: isoQcyNotFound}}
	},
	"Customer/NameIsRepeat": func(x *isoWorld, r isoRoute) []isoProbe {
		return []isoProbe{
			{name: "B's customer's name", foreign: x.b.customer.Name, missing: "isoZ-客户",
				req: func(id string) isoReq { return x.qcy(r, "sName", id, "id", "0") }, want: isoQcyValue("false")},
			{name: "A's name, except B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing,
				req: func(id string) isoReq { return x.qcy(r, "sName", x.a.customer.Name, "id", id) }, want: isoQcyValue("true")},
		}
	},
	"Customer/Get": isoQcyByID("id", func(x *isoWorld) uint64 { return x.b.customer.ID }),
	"Customer/Update": func(x *isoWorld, r isoRoute) []isoProbe {
		return []isoProbe{
			{name: "B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing,
				req: func(id string) isoReq {
					return x.qcy(r, "tran", "x", "customer", `{"PK_ID":`+id+`,"CustName":"isoA-改名"}`)
				}, want: isoQcyNotFound},
			{name: "A's customer given to B's user", foreign: isoID(x.b.main.UserID), missing: isoMissing,
				req: func(id string) isoReq {
					return x.qcy(r, "customer", fmt.Sprintf(`{"PK_ID":%d,"CustName":%q,"Tel":%q,"FK_UserID":%s}`, x.a.customer2.ID, x.a.customer2.Name, x.a.customer2.Tel, id))
				}, want: isoQcyNotFound},
		}
	},
	"Customer/Save": func(x *isoWorld, r isoRoute) []isoProbe {
		return []isoProbe{
			{name: "B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing,
				req: func(id string) isoReq { return x.qcy(r, "json", `{"PK_ID":`+id+`,"CustName":"isoA-改名"}`) }, want: isoQcyNotFound},
			{name: "a new customer of B's user", foreign: isoID(x.b.main.UserID), missing: isoMissing,
				req: func(id string) isoReq {
					return x.qcy(r, "json", `{"PK_ID":0,"CustName":"isoA-新客户","FK_UserID":`+id+`}`)
				}, want: isoQcyNotFound},
		}
	},
	"Customer/TelIsRepeat": func(x *isoWorld, r isoRoute) []isoProbe {
		return []isoProbe{
			{name: "B's customer's number", foreign: x.b.customer.Tel, missing: "isoZ-tel",
				req: func(id string) isoReq { return x.qcy(r, "tel", id, "id", "0") }, want: isoQcyValue("false")},
			{name: "A's number, except B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing,
				req: func(id string) isoReq { return x.qcy(r, "tel", x.a.customer.Tel, "id", id) }, want: isoQcyValue("true")},
		}
	},
	"CustomerSign/GetClientSignDefault": func(x *isoWorld, r isoRoute) []isoProbe {
		// B's default is 2 (a person); A's is the default, 1.
		return []isoProbe{{name: "A's default sign", req: func(string) isoReq { return x.qcy(r) }, want: isoQcyValue("1")}}
	},
	"CustomerSign/GetCustTypeBdefault": func(x *isoWorld, r isoRoute) []isoProbe {
		return []isoProbe{{name: "A's customer kinds only", req: func(string) isoReq { return x.qcy(r) }, want: isoQcyList("isoA-客户类别", "企业客户")}}
	},
	"CustomerType/GetTypeList": func(x *isoWorld, r isoRoute) []isoProbe {
		return []isoProbe{
			{name: "A's top types only", req: func(string) isoReq { return x.qcy(r, "parent_id", "0") }, want: isoQcyList("isoA-客户类型", "重点客户")},
			{name: "A's children of its own type", req: func(string) isoReq { return x.qcy(r, "parent_id", isoID(x.a.customType)) }, want: isoQcyList("isoA-子类型")},
			{name: "under B's type", foreign: isoID(x.b.customType), missing: "12345",
				req: func(id string) isoReq { return x.qcy(r, "parent_id", id) }, want: isoQcyList()},
		}
	},
	"ECommerce/UpdateBaseInfoHit": func(x *isoWorld, r isoRoute) []isoProbe {
		// Counters are the tenant's: adding to the record B counts is adding to A's own.
		return []isoProbe{{name: "B's counted record", foreign: isoID(x.b.hitRecord), missing: isoMissing,
			req: func(id string) isoReq { return x.qcy(r, "pkid", id, "addHit", "1") }, want: isoQcyValue("true")}}
	},
	"ECommerce/AddMessageBoard": func(x *isoWorld, r isoRoute) []isoProbe {
		return []isoProbe{{name: "a message of B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing,
			req: func(id string) isoReq { return x.qcy(r, "custID", id, "content", "isoA-留言", "contact", "isoA-王") }, want: isoQcyNotFound}}
	},
	"LinkMan/GetList":        isoQcyByID("custId", func(x *isoWorld) uint64 { return x.b.customer.ID }),
	"LinkMan/CancelMainMan":  isoQcyByID("id", func(x *isoWorld) uint64 { return x.b.mainContact.ID }),
	"LinkMan/GetLinkManList": isoQcyByID("cust_id", func(x *isoWorld) uint64 { return x.b.customer.ID }),
	"LinkMan/GetLinkMan":     isoQcyByID("id", func(x *isoWorld) uint64 { return x.b.contact.ID }),
	"LinkMan/SaveLinkMan": func(x *isoWorld, r isoRoute) []isoProbe {
		return []isoProbe{
			{name: "B's contact", foreign: isoID(x.b.contact.ID), missing: isoMissing,
				req: func(id string) isoReq {
					return x.qcy(r, "tran", "x", "man", `{"PK_ID":`+id+`,"LinkManName":"isoA-改","IsMainMan":true}`)
				}, want: isoQcyNotFound},
			// A contact never moves to another customer: FK_CustID is not read, B's or not.
			{name: "A's contact moved to B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing,
				req: func(id string) isoReq {
					return x.qcy(r, "man", fmt.Sprintf(`{"PK_ID":%d,"FK_CustID":%s,"LinkManName":%q}`, x.a.contact.ID, id, x.a.contact.Name))
				}, want: isoQcyValue("1")},
		}
	},
	"LinkMan/InsertLinkMan": func(x *isoWorld, r isoRoute) []isoProbe {
		return []isoProbe{{name: "a contact of B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing,
			req: func(id string) isoReq {
				return x.qcy(r, "man", `{"FK_CustID":`+id+`,"LinkManName":"isoA-新联系人","IsMainMan":true}`)
			}, want: isoQcyNotFound}}
	},
	"LinkMan/DeleteLinkMan": isoQcyByID("id", func(x *isoWorld) uint64 { return x.b.contact.ID }),
	"Sale/SetPublicCust":    isoQcyIDList("pkidList"),
}

// isoQcyByID is a handler that reads one row by the id in param.
func isoQcyByID(param string, foreign func(x *isoWorld) uint64) isoProbes {
	return func(x *isoWorld, r isoRoute) []isoProbe {
		return []isoProbe{{name: "B's row as " + param, foreign: isoID(foreign(x)), missing: isoMissing,
			req: func(id string) isoReq { return x.qcy(r, param, id) }, want: isoQcyNotFound}}
	}
}

// isoQcyByName is a handler that finds one row by a name in param.
func isoQcyByName(param string, foreign func(x *isoWorld) string) isoProbes {
	return func(x *isoWorld, r isoRoute) []isoProbe {
		return []isoProbe{{name: "B's row as " + param, foreign: foreign(x), missing: "isoZ-none",
			req: func(id string) isoReq { return x.qcy(r, param, id) }, want: isoQcyNotFound}}
	}
}

// isoQcyIDList is a handler that changes the customers listed in param, all or none.
func isoQcyIDList(param string) isoProbes {
	return func(x *isoWorld, r isoRoute) []isoProbe {
		return []isoProbe{
			{name: "B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing,
				req: func(id string) isoReq { return x.qcy(r, param, id) }, want: isoQcyNotFound},
			{name: "A's customer and B's", foreign: isoID(x.b.customer2.ID), missing: isoMissing,
				req: func(id string) isoReq { return x.qcy(r, param, isoID(x.a.customer2.ID)+","+id) }, want: isoQcyNotFound},
		}
	}
}

// ---- tenant B's rows ----

// isoSnapshot dumps every row of the tenant, in every table, deterministically,
// and fails a table the tenant has no row in: a change to it could not show.
func isoSnapshot(e *env, tenantID uint64) string {
	dump, empty := tenantRows(e, tenantID)
	for _, table := range empty {
		e.t.Errorf("tenant %d has no row in %s: seed one, so that isolation covers it", tenantID, table)
	}
	return dump
}

// tenantRows dumps every row of the tenant, in every table, deterministically,
// and names the tables it has no row in.
func tenantRows(e *env, tenantID uint64) (dump string, empty []string) {
	tables, err := e.db.Migrator().GetTables()
	e.must(err)
	sort.Strings(tables)
	var out strings.Builder
	for _, table := range tables {
		where := "tenant_id = ?"
		switch {
		case strings.HasPrefix(table, "sqlite_"):
			continue // the engine's own bookkeeping
		case table == "space_probes":
			continue // readiness's own row, random bytes and no tenant's data
		case table == "id_sequences":
			continue // the last id given of each kind, in all tenants: no tenant's data
		case strings.HasPrefix(table, "mirror_"):
			continue // the operator's comparisons with the upstreams, made before any tenant is known
		case table == "tenants":
			where = "id = ?"
		case !e.db.Migrator().HasColumn(table, "tenant_id"):
			e.t.Errorf("table %s has no tenant_id: whose rows it holds cannot be told", table)
			continue
		}
		rows, err := e.db.Table(table).Where(where, tenantID).Rows()
		e.must(err)
		cols, err := rows.Columns()
		e.must(err)
		var lines []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			e.must(rows.Scan(ptrs...))
			var fields []string
			for i, c := range cols {
				fields = append(fields, c+"="+isoValue(vals[i]))
			}
			lines = append(lines, strings.Join(fields, " "))
		}
		e.must(rows.Err())
		e.must(rows.Close())
		sort.Strings(lines)
		fmt.Fprintf(&out, "%s (%d)\n", table, len(lines))
		for _, l := range lines {
			out.WriteString("  " + l + "\n")
		}
		if len(lines) == 0 {
			empty = append(empty, table)
		}
	}
	return out.String(), empty
}

func isoValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return fmt.Sprintf("%q", v)
	case string:
		return fmt.Sprintf("%q", v)
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	default:
		return fmt.Sprint(v)
	}
}

// isoDiff lists the lines of one dump missing from the other.
func isoDiff(before, after string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	b, a := in(before), in(after)
	var out []string
	for _, l := range strings.Split(before, "\n") {
		if !a[l] {
			out = append(out, "- "+l)
		}
	}
	for _, l := range strings.Split(after, "\n") {
		if !b[l] {
			out = append(out, "+ "+l)
		}
	}
	return strings.Join(out, "\n")
}
