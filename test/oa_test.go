package test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"crmgw/core"
)

// docToken is the access_token of oa-crm.md's examples; a client keeps it by `crmgw token add --value`.
const docToken = "ZDY3ZjliMDktMjZjZC00NWVhLWFiNGEtMjgxNTkzMGU0YmY2"

// oaOrg is the tenant the OA suite works in.
type oaOrg struct {
	tenant           core.Tenant
	sales, market    core.Department
	ann, bob, cat    core.Caller
	annToken, bToken string // bToken belongs to another tenant
}

// seedOA builds, for October 2015: ann (sales, the doc's token) with one
// contract of 20,000,000 and a target of 2,022,222 and nothing received this
// month, as the doc's home example shows; bob (sales) and cat (market) with
// contracts, payments in and out; and a second tenant with a token of its own.
func seedOA(e *env) oaOrg {
	ctx := context.Background()
	var o oaOrg
	var err error
	o.tenant, err = e.svc.EnsureTenant(ctx, "acme")
	e.must(err)
	o.sales, err = e.svc.EnsureDepartment(ctx, o.tenant.ID, "销售部")
	e.must(err)
	o.market, err = e.svc.EnsureDepartment(ctx, o.tenant.ID, "市场部")
	e.must(err)
	user := func(name string, dept core.Department, token string) core.Caller {
		u, err := e.svc.EnsureUser(ctx, o.tenant.ID, name, dept.ID)
		e.must(err)
		tok, err := e.svc.RegisterToken(ctx, o.tenant.ID, u.ID, token)
		e.must(err)
		c, err := e.svc.Authenticate(ctx, tok)
		e.must(err)
		return c
	}
	o.ann, o.annToken = user("ann", o.sales, docToken), docToken
	o.bob = user("bob", o.sales, "")
	o.cat = user("cat", o.market, "")

	k1 := oaContract(e, o.ann, "K1", "年度框架合同", "20000000", "2015-10-08", core.ContractExecuting)
	oaPay(e, o.ann, k1, core.PaymentIn, "5000", "2015-11-02") // next month: not in this month's monthback
	b1 := oaContract(e, o.bob, "B1", "门店系统", "19800", "2015-10-01", core.ContractExecuting)
	oaPay(e, o.bob, b1, core.PaymentIn, "9900", "2015-10-03")
	oaPay(e, o.bob, b1, core.PaymentIn, "0.10", "2015-10-04")
	oaPay(e, o.bob, b1, core.PaymentOut, "1200.5", "2015-10-05")
	oaContract(e, o.bob, "B2", "终止的合同", "3000", "2015-10-20", core.ContractTerminated)
	oaContract(e, o.cat, "C1", "市场活动", "45000", "2015-10-02", core.ContractFinished)
	oaContract(e, o.cat, "C0", "九月的合同", "1", "2015-09-30", core.ContractExecuting)
	e.must(e.svc.SetMonthlyTarget(ctx, o.ann, core.Month{Year: 2015, Month: 10}, mustMoney(e, "2022222")))

	other, err := e.svc.EnsureTenant(ctx, "other")
	e.must(err)
	ou, err := e.svc.EnsureUser(ctx, other.ID, "ann", 0)
	e.must(err)
	o.bToken, err = e.svc.RegisterToken(ctx, other.ID, ou.ID, "")
	e.must(err)
	return o
}

func mustMoney(e *env, s string) core.Money {
	m, err := core.ParseMoney(s)
	e.must(err)
	return m
}

func mustDate(e *env, s string) core.Date {
	d, err := core.ParseDate(s)
	e.must(err)
	return d
}

func oaContract(e *env, c core.Caller, sn, title, amount, signed, status string) core.Contract {
	ctx := context.Background()
	cu, err := e.svc.CreateCustomer(ctx, c, core.NewCustomer{Name: title + "客户"})
	e.must(err)
	k, err := e.svc.CreateContract(ctx, c, core.NewContract{Title: title, SN: sn, CustomerID: cu.ID,
		TotalAmount: mustMoney(e, amount), SignDate: mustDate(e, signed), StartDate: mustDate(e, signed),
		EndDate: mustDate(e, signed).AddDays(90), Status: status})
	e.must(err)
	return k
}

func oaPay(e *env, c core.Caller, k core.Contract, dir, amount, on string) {
	_, err := e.svc.AddPayment(context.Background(), c, core.NewPayment{ContractID: k.ID, Direction: dir,
		Amount: mustMoney(e, amount), PaidOn: mustDate(e, on)})
	e.must(err)
}

// The doc's response to both of its examples.
const docHomeAnswer = `{
	"statuscode":"0000",
	"statusmsg":"ok",
	"data":{
		"monthdeal":2.0E7,
		"monthback":"",
		"monthtarget":2022222
	},
	"usermsg":"正常"
}`

func TestOADocExamples(t *testing.T) {
	eachEngine(t, func(e *env) {
		seedOA(e)
		if got := string(compactJSON(e.t, docHomeAnswer)); !strings.Contains(got, `"monthdeal":2.0E7`) {
			t.Fatalf("compacting changed the doc's number: %s", got)
		}

		status, body := e.get("/oa/crm/home?access_token=" + docToken)
		if status != http.StatusOK {
			t.Fatalf("home: HTTP %d", status)
		}
		docExample(t, "oa/home", body)
		if string(body) != string(compactJSON(t, docHomeAnswer)) {
			t.Errorf("home is not the doc's answer:\n got %s\nwant %s", body, compactJSON(t, docHomeAnswer))
		}

		status, body = e.postForm("/oa/crm/monthplan?access_token="+docToken, url.Values{"yearmonth": {"2015-09"}, "targetamount": {"123456"}})
		if status != http.StatusOK {
			t.Fatalf("monthplan: HTTP %d", status)
		}
		docExample(t, "oa/monthplan", body)
		if string(body) != string(compactJSON(t, docHomeAnswer)) {
			t.Errorf("monthplan is not the doc's answer:\n got %s", body)
		}
		var target core.MonthlyTarget
		e.must(e.db.Where("month = ?", "2015-09").Take(&target).Error)
		if target.Amount.String() != "123456" {
			t.Errorf("September target = %s, want 123456", target.Amount)
		}
	})
}

func TestOAContractsCount(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedOA(e)
		tok := "access_token=" + docToken
		for _, c := range []struct{ golden, query string }{
			{"count_defaults", tok},
			{"count_flag0_users", fmt.Sprintf("%s&year=2015&month=10&flag=0&ids=%d,%d", tok, o.bob.UserID, o.cat.UserID)},
			{"count_flag1_department", fmt.Sprintf("%s&year=2015&month=10&flag=1&ids=%d", tok, o.sales.ID)},
			{"count_flag1_own_department", tok + "&year=2015&month=10&flag=1"},
			{"count_flag2_company", tok + "&year=2015&month=10&flag=2&ids="},
			{"count_flag2_page0", tok + "&year=2015&month=10&flag=2&page=0&size=2&tt=1&vn=1.0"},
			{"count_flag2_page1", tok + "&year=2015&month=10&flag=2&page=1&size=2"},
			{"count_flag2_page_past_end", tok + "&year=2015&month=10&flag=2&page=5&size=2"},
			{"count_september", tok + "&year=2015&month=9&flag=2"},
		} {
			status, body := e.get("/oa/crm/contracts/count?" + c.query)
			if status != http.StatusOK {
				t.Errorf("%s: HTTP %d", c.golden, status)
			}
			golden(t, "oa/"+c.golden, body)
		}
	})
}

// snapshot is what an OA request could write: compared before and after a bad one.
func snapshot(e *env) string {
	var s []string
	for _, table := range []string{"monthly_targets", "api_tokens", "contracts", "payments", "users", "departments"} {
		var n int64
		e.must(e.db.Table(table).Count(&n).Error)
		s = append(s, fmt.Sprintf("%s=%d", table, n))
	}
	var targets []core.MonthlyTarget
	e.must(e.db.Order("id").Find(&targets).Error)
	for _, t := range targets {
		s = append(s, t.Month+":"+t.Amount.String())
	}
	return strings.Join(s, " ")
}

type oaAnswer struct {
	StatusCode string          `json:"statuscode"`
	StatusMsg  string          `json:"statusmsg"`
	Data       json.RawMessage `json:"data"`
	UserMsg    string          `json:"usermsg"`
}

func TestOABadInputGetsTheOAErrorAndWritesNothing(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedOA(e)
		tok := "access_token=" + docToken
		form := func(kv ...string) url.Values {
			v := url.Values{}
			for i := 0; i < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
		for _, c := range []struct {
			name, method, path string
			form               url.Values
			status             int
			code, msg, usermsg string
		}{
			{"no token", "GET", "/oa/crm/home", nil, 200, "10501", "token已过期", "请重新登录"},
			{"unknown token", "GET", "/oa/crm/home?access_token=bm9wZQ==", nil, 200, "10501", "token已过期", "请重新登录"},
			{"no token on monthplan", "POST", "/oa/crm/monthplan", form("yearmonth", "2015-09", "targetamount", "1"), 200, "10501", "token已过期", "请重新登录"},
			{"yearmonth missing", "POST", "/oa/crm/monthplan?" + tok, form("targetamount", "1"), 200, "10001", "必填项不能为空", "yearmonth 不能为空"},
			{"targetamount missing", "POST", "/oa/crm/monthplan?" + tok, form("yearmonth", "2015-09"), 200, "10001", "必填项不能为空", "targetamount 不能为空"},
			{"yearmonth malformed", "POST", "/oa/crm/monthplan?" + tok, form("yearmonth", "2015/09", "targetamount", "1"), 200, "10004", "参数格式不正确", `yearmonth 应为 yyyy-MM: "2015/09"`},
			{"yearmonth month 13", "POST", "/oa/crm/monthplan?" + tok, form("yearmonth", "2015-13", "targetamount", "1"), 200, "10004", "参数格式不正确", `yearmonth 应为 yyyy-MM: "2015-13"`},
			{"targetamount not a number", "POST", "/oa/crm/monthplan?" + tok, form("yearmonth", "2015-09", "targetamount", "12abc"), 200, "10005", "参数类型不正确", `targetamount 应为数字: "12abc"`},
			{"targetamount fractions of a cent", "POST", "/oa/crm/monthplan?" + tok, form("yearmonth", "2015-09", "targetamount", "1.001"), 200, "10004", "参数格式不正确", "targetamount: 1.001 has fractions of a cent"},
			{"targetamount negative", "POST", "/oa/crm/monthplan?" + tok, form("yearmonth", "2015-09", "targetamount", "-5"), 200, "10004", "参数格式不正确", "a target cannot be negative"},
			{"flag unknown", "GET", "/oa/crm/contracts/count?" + tok + "&flag=3", nil, 200, "10004", "参数格式不正确", "flag 应为 0(个人)、1(部门) 或 2(公司): 3"},
			{"flag not a number", "GET", "/oa/crm/contracts/count?" + tok + "&flag=all", nil, 200, "10005", "参数类型不正确", `flag 应为整数: "all"`},
			{"ids not numbers", "GET", "/oa/crm/contracts/count?" + tok + "&flag=0&ids=1,x", nil, 200, "10005", "参数类型不正确", `ids 应为以英文逗号分隔的数字ID: "1,x"`},
			{"year not a number", "GET", "/oa/crm/contracts/count?" + tok + "&year=twenty", nil, 200, "10005", "参数类型不正确", `year 应为整数: "twenty"`},
			{"month out of range", "GET", "/oa/crm/contracts/count?" + tok + "&month=13", nil, 200, "10004", "参数格式不正确", "year/month 不是有效的年月: 2015-13"},
			{"page negative", "GET", "/oa/crm/contracts/count?" + tok + "&page=-1", nil, 200, "10004", "参数格式不正确", "page 从 0 开始: -1"},
			{"size too large", "GET", "/oa/crm/contracts/count?" + tok + "&size=1001", nil, 200, "10004", "参数格式不正确", "size 应在 1 到 1000 之间: 1001"},
			{"user does not exist", "GET", "/oa/crm/contracts/count?" + tok + "&flag=0&ids=9999", nil, 200, "10002", "用户不存在", "user [9999] not found"},
			{"department does not exist", "GET", "/oa/crm/contracts/count?" + tok + "&flag=1&ids=9999", nil, 200, "10039", "部门不存在", "department [9999] not found"},
			{"two departments", "GET", fmt.Sprintf("/oa/crm/contracts/count?%s&flag=1&ids=%d,%d", tok, o.sales.ID, o.market.ID), nil, 200, "10004", "参数格式不正确", "a department count takes one department id"},
			{"unknown endpoint", "GET", "/oa/crm/nothing?" + tok, nil, 404, "10500", "操作异常", "接口不存在"},
			{"wrong method", "POST", "/oa/crm/home?" + tok, form(), 405, "10500", "操作异常", "请求方式不支持"},
			{"login without password", "POST", "/oa/users/login", form("username", "ann"), 200, "10001", "必填项不能为空", "password 不能为空"},
			// Huge and out-of-range numbers: refused before any arithmetic, quoted only in part.
			{"targetamount of a million digits", "POST", "/oa/crm/monthplan?" + tok, form("yearmonth", "2015-09", "targetamount", strings.Repeat("9", 1_000_000)),
				200, "10004", "参数格式不正确", `targetamount: "` + strings.Repeat("9", 32) + `…" is too long for an amount`},
			{"targetamount with a huge exponent", "POST", "/oa/crm/monthplan?" + tok, form("yearmonth", "2015-09", "targetamount", "1e9999"),
				200, "10004", "参数格式不正确", `targetamount: "1e9999" is too large`},
			{"targetamount of a trillion", "POST", "/oa/crm/monthplan?" + tok, form("yearmonth", "2015-09", "targetamount", "1000000000000"),
				200, "10004", "参数格式不正确", "targetamount: 1000000000000 is too large"},
			{"ids past 2^63", "GET", "/oa/crm/contracts/count?" + tok + "&flag=0&ids=9223372036854775808", nil, 200, "10005", "参数类型不正确", `ids 应为以英文逗号分隔的数字ID: "9223372036854775808"`},
			{"ids of 60,000 digits", "GET", "/oa/crm/contracts/count?" + tok + "&flag=0&ids=" + strings.Repeat("1", 60_000), nil, 200, "10005", "参数类型不正确",
				`ids 应为以英文逗号分隔的数字ID: "` + strings.Repeat("1", 32) + `…"`},
		} {
			before := snapshot(e)
			var status int
			var body []byte
			if c.method == "GET" {
				status, body = e.get(c.path)
			} else {
				status, body = e.postForm(c.path, c.form)
			}
			var a oaAnswer
			if err := json.Unmarshal(body, &a); err != nil {
				t.Errorf("%s: not JSON: %s", c.name, body)
				continue
			}
			if status != c.status || a.StatusCode != c.code || a.StatusMsg != c.msg || a.UserMsg != c.usermsg || string(a.Data) != "{}" {
				t.Errorf("%s: HTTP %d %s\nwant HTTP %d {statuscode %s, statusmsg %s, data {}, usermsg %s}", c.name, status, body, c.status, c.code, c.msg, c.usermsg)
			}
			if after := snapshot(e); after != before {
				t.Errorf("%s wrote: %s → %s", c.name, before, after)
			}
		}
	})
}

func TestOALogin(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedOA(e)
		e.must(e.svc.SetPassword(context.Background(), o.tenant.ID, "ann", "s3cret"))
		status, body := e.postForm("/oa/users/login", url.Values{"tt": {"1"}, "vn": {"1.0"}, "username": {"ann"}, "password": {"s3cret"}})
		if status != http.StatusOK {
			t.Fatalf("login: HTTP %d", status)
		}
		golden(t, "oa/login", body)
		var a struct {
			Data struct {
				AccessToken string `json:"access_token"`
			} `json:"data"`
		}
		e.must(json.Unmarshal(body, &a))
		if _, body := e.get("/oa/crm/home?access_token=" + url.QueryEscape(a.Data.AccessToken)); string(body) != string(compactJSON(t, docHomeAnswer)) {
			t.Errorf("home with the login's token: %s", body)
		}

		for _, c := range []struct{ name, user, password, code string }{
			{"wrong password", "ann", "nope", "10003"},
			{"unknown user", "nobody", "s3cret", "10003"}, // as a wrong password: nothing tells which names exist
		} {
			_, body := e.postForm("/oa/users/login", url.Values{"username": {c.user}, "password": {c.password}})
			var a oaAnswer
			e.must(json.Unmarshal(body, &a))
			if a.StatusCode != c.code {
				t.Errorf("%s: %s, want %s", c.name, body, c.code)
			}
		}

		e.clock.t = now.Add(8 * 24 * time.Hour) // past the default login_ttl of 7 days
		_, body = e.get("/oa/crm/home?access_token=" + url.QueryEscape(a.Data.AccessToken))
		var expired oaAnswer
		e.must(json.Unmarshal(body, &expired))
		if expired.StatusCode != "10501" {
			t.Errorf("expired login token: %s, want 10501", body)
		}
		if _, body = e.get("/oa/crm/home?access_token=" + docToken); !strings.Contains(string(body), `"statuscode":"0000"`) {
			t.Errorf("a registered token expired: %s", body)
		}
	})
}

func TestOATokenInPostBody(t *testing.T) {
	eachEngine(t, func(e *env) {
		seedOA(e)
		status, body := e.postForm("/oa/crm/monthplan", url.Values{"access_token": {docToken}, "yearmonth": {"2015-10"}, "targetamount": {"99.5"}})
		if status != http.StatusOK || !strings.Contains(string(body), `"monthtarget":99.5`) {
			t.Fatalf("token in the form body: HTTP %d %s", status, body)
		}
	})
}

func TestOATenantIsolation(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedOA(e)
		tok := "access_token=" + o.bToken
		for _, c := range []struct{ query, code string }{
			{fmt.Sprintf("flag=0&ids=%d", o.ann.UserID), "10002"},
			{fmt.Sprintf("flag=1&ids=%d", o.sales.ID), "10039"},
		} {
			_, body := e.get("/oa/crm/contracts/count?" + tok + "&year=2015&month=10&" + c.query)
			var a oaAnswer
			e.must(json.Unmarshal(body, &a))
			if a.StatusCode != c.code {
				t.Errorf("tenant B asking for A's %s: %s, want %s", c.query, body, c.code)
			}
		}
		_, body := e.get("/oa/crm/contracts/count?" + tok + "&year=2015&month=10&flag=2")
		golden(t, "oa/count_other_tenant", body)
		_, body = e.get("/oa/crm/home?" + tok)
		golden(t, "oa/home_other_tenant", body)
	})
}

func TestAccessLogRedactsTokens(t *testing.T) {
	eachEngine(t, func(e *env) {
		seedOA(e)
		e.get("/oa/crm/home?access_token=" + docToken + "&tt=1")
		e.postForm("/oa/users/login?password=s3cret", url.Values{"username": {"ann"}})
		log := e.log.String()
		if !strings.Contains(log, `"uri":"/oa/crm/home?access_token=REDACTED&tt=1"`) || !strings.Contains(log, `"request_id":"`) {
			t.Errorf("access log lacks the redacted request line: %s", log)
		}
		for _, secret := range []string{docToken, "s3cret"} {
			if strings.Contains(log, secret) {
				t.Errorf("the log holds a secret: %s", log)
			}
		}
	})
}

// monthplan's write and the figures it answers are one: when the figures
// cannot be had, the answer is the internal error and the target is not kept.
func TestOAMonthPlanIsAllOrNothing(t *testing.T) {
	eachEngine(t, func(e *env) {
		t := e.t
		seedOA(e)
		var before int64
		e.must(e.db.Model(&core.MonthlyTarget{}).Count(&before).Error)
		e.must(e.db.Exec("ALTER TABLE month_counters RENAME TO month_counters_away").Error) // home's figures now fail
		status, body := e.postForm("/oa/crm/monthplan?access_token="+docToken, url.Values{"yearmonth": {"2015-11"}, "targetamount": {"350000"}})
		var a oaAnswer
		e.must(json.Unmarshal(body, &a))
		if a.StatusCode != "10500" {
			t.Errorf("monthplan whose figures fail: HTTP %d %s, want the internal error 10500", status, body)
		}
		var targets []core.MonthlyTarget
		e.must(e.db.Find(&targets).Error)
		if int64(len(targets)) != before {
			t.Errorf("the target was kept: %d targets, had %d", len(targets), before)
		}
		e.must(e.db.Exec("ALTER TABLE month_counters_away RENAME TO month_counters").Error)
		if _, body := e.postForm("/oa/crm/monthplan?access_token="+docToken, url.Values{"yearmonth": {"2015-11"}, "targetamount": {"350000"}}); !strings.Contains(string(body), `"statuscode":"0000"`) {
			t.Errorf("monthplan once the figures answer: %s", body)
		}
	})
}
