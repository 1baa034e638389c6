package test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"crmgw/core"
)

const yzToken = "yz-0f3b9c1d2e4a"

// yzLoginRequired is the answer to a request without a valid token or
// session: the admin's, on which the framework's front end goes to its login.
const yzLoginRequired = `{"result":0,"msg":"","data":{"login_status":1,"login_url":"/#/login"}}`

func yzPath(tenantID uint64) string {
	return fmt.Sprintf("/business/%d/plugin/CustomerManage/getStatisticsList", tenantID)
}

// yzPost posts form to the statistics with a Bearer token (none when token is "").
func (e *env) yzPost(path, token, contentType string, body []byte, header ...string) (int, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.url+path, bytes.NewReader(body))
	e.must(err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	e.must(err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	e.must(err)
	return res.StatusCode, b
}

// shanghai reads a time of the doc's example, in the tenant's zone.
func shanghai(e *env, s string) time.Time {
	loc, err := time.LoadLocation("Asia/Shanghai")
	e.must(err)
	t, err := time.ParseInLocation("2006-01-02 15:04:05", s, loc)
	e.must(err)
	return t
}

// The doc's example: 43 employees, page 1 of 5, reproduced from seeded data.
func TestYunzmallDocExample(t *testing.T) {
	eachEngineWith(t, trustLoopback, func(e *env) { // its requests come through a proxy: X-Forwarded-*
		ctx := context.Background()
		e.must(e.db.Create(&core.Tenant{ID: 25, Name: "yunzmall", TimeZone: "Asia/Shanghai"}).Error)
		tn, err := e.svc.EnsureTenant(ctx, "yunzmall")
		e.must(err)
		e.must(e.svc.SetTenantSettings(ctx, tn.ID, core.TenantSettings{ContractPrefix: "HT", Opportunities: true}))
		d, err := e.svc.EnsureDepartment(ctx, tn.ID, "客服部")
		e.must(err)
		employee := func(name string) core.Caller {
			u, err := e.svc.EnsureUser(ctx, tn.ID, name, d.ID)
			e.must(err)
			return core.Caller{TenantID: tn.ID, UserID: u.ID, DepartmentID: d.ID, Location: shanghai(e, "2023-01-01 00:00:00").Location()}
		}
		rows := []struct {
			name                     string
			follows, customers       int
			opportunities            int
			customerLast, followLast string
		}{
			{"谢梓杰", 65, 73, 14, "2023-03-30 14:41:18", "2023-03-07 17:19:04"},
			{"柏丽芬", 0, 13, 0, "2023-05-05 11:26:13", "-"},
			{"韦平", 0, 6, 0, "2023-05-05 09:44:14", "-"},
			{"覆面系蓝孩", 4, 5, 0, "2023-02-20 14:40:04", "2023-03-07 17:28:35"},
			{"嗨", 0, 4, 0, "2023-05-05 09:21:47", "-"},
			{"刘洁", 58, 4, 0, "2023-05-04 16:03:14", "2023-03-09 14:32:39"},
			{"韦安", 0, 3, 0, "2023-05-05 09:21:47", "-"},
			{"售后客服-栗子", 0, 2, 0, "-", "-"},
			{"lay测试", 0, 2, 0, "-", "-"},
			{"阿部", 0, 2, 0, "-", "-"},
		}
		callers := make([]core.Caller, len(rows))
		for i, r := range rows {
			callers[i] = employee(r.name)
		}
		// 33 more employees without customers; the first of them creates the
		// customers the last three were given (so they created none).
		admin := employee("管理员")
		for i := 1; i < 33; i++ {
			employee(fmt.Sprintf("员工%02d", i))
		}
		for i, r := range rows {
			me := callers[i]
			for n := 0; n < r.customers; n++ {
				by, at := me, shanghai(e, "2023-01-01 09:00:00").Add(time.Duration(n)*time.Minute)
				if r.customerLast == "-" {
					by = admin
				} else if n == r.customers-1 {
					at = shanghai(e, r.customerLast)
				}
				_, err := e.svc.CreateCustomer(ctx, by, core.NewCustomer{Name: fmt.Sprintf("%s的客户%d", r.name, n), OwnerID: me.UserID, CreatedAt: at})
				e.must(err)
			}
			var customer core.Customer
			if r.customers > 0 {
				e.must(e.db.Where("owner_id = ?", me.UserID).Order("id").Take(&customer).Error)
			}
			for n := 0; n < r.follows; n++ {
				at := shanghai(e, "2023-02-01 10:00:00").Add(time.Duration(n) * time.Hour)
				if n == r.follows-1 {
					at = shanghai(e, r.followLast)
				}
				_, err := e.svc.AddContactHistory(ctx, me, core.NewContactHistory{CustomerID: customer.ID, Title: "跟进", ContactedAt: at})
				e.must(err)
			}
			for n := 0; n < r.opportunities; n++ {
				_, err := e.svc.CreateOpportunity(ctx, me, core.NewOpportunity{CustomerID: customer.ID, Title: "商机", Stage: "open"})
				e.must(err)
			}
		}
		_, err = e.svc.RegisterToken(ctx, tn.ID, admin.UserID, yzToken)
		e.must(err)

		status, body := e.yzPost(yzPath(25), yzToken, "application/x-www-form-urlencoded", []byte("page=1"),
			"X-Forwarded-Proto", "https", "X-Forwarded-Host", "dev15.yunzmall.com")
		doc, err := os.ReadFile("testdata/yunzmall/doc_statistics_response.json")
		e.must(err)
		want := compactJSON(t, string(doc))
		for _, n := range normalisers {
			want = n.re.ReplaceAll(want, []byte(n.with))
		}
		docExample(t, "yunzmall/doc_example", body)
		got := body
		for _, n := range normalisers {
			got = n.re.ReplaceAll(got, []byte(n.with))
		}
		if status != http.StatusOK || !bytes.Equal(got, want) {
			t.Errorf("HTTP %d\n got: %s\nwant: %s", status, got, want)
		}
	})
}

// yzShop is a tenant for the filter tests: ann and bob in 销售部, cat in 市场部.
type yzShop struct {
	tenant        core.Tenant
	ann, bob, cat core.Caller
	market        core.Department
	otherToken    string
	otherDept     core.Department
}

func seedYZ(e *env) yzShop {
	ctx := context.Background()
	var s yzShop
	var err error
	s.tenant, err = e.svc.EnsureTenant(ctx, "shop")
	e.must(err)
	sales, err := e.svc.EnsureDepartment(ctx, s.tenant.ID, "销售部")
	e.must(err)
	s.market, err = e.svc.EnsureDepartment(ctx, s.tenant.ID, "市场部")
	e.must(err)
	user := func(tn core.Tenant, name string, d core.Department, token string) core.Caller {
		u, err := e.svc.EnsureUser(ctx, tn.ID, name, d.ID)
		e.must(err)
		tok, err := e.svc.RegisterToken(ctx, tn.ID, u.ID, token)
		e.must(err)
		c, err := e.svc.Authenticate(ctx, tok)
		e.must(err)
		return c
	}
	s.ann, s.bob, s.cat = user(s.tenant, "ann", sales, yzToken), user(s.tenant, "bob", sales, ""), user(s.tenant, "cat", s.market, "")
	customer := func(by core.Caller, name string, industry, source, progress uint64, created string) core.Customer {
		cu, err := e.svc.CreateCustomer(ctx, by, core.NewCustomer{Name: name, IndustryID: industry, SourceID: source, ProgressID: progress, CreatedAt: shanghai(e, created)})
		e.must(err)
		return cu
	}
	follow := func(by core.Caller, cu core.Customer, at string) {
		_, err := e.svc.AddContactHistory(ctx, by, core.NewContactHistory{CustomerID: cu.ID, Title: "跟进", ContactedAt: shanghai(e, at)})
		e.must(err)
	}
	c1 := customer(s.ann, "一号", 1, 1, 1, "2023-03-01 09:00:00")
	e.must(e.db.Create(&core.CustomerTag{TenantID: s.tenant.ID, CustomerID: c1.ID, TagID: 1}).Error)
	c2 := customer(s.ann, "二号", 2, 2, 2, "2023-04-10 09:00:00")
	c3 := customer(s.bob, "三号", 1, 1, 1, "2023-03-15 09:00:00")
	c5 := customer(s.bob, "五号", 1, 1, 1, "2023-01-05 09:00:00")
	follow(s.ann, c1, "2023-03-02 10:00:00")
	follow(s.ann, c2, "2023-04-11 10:00:00")
	follow(s.bob, c3, "2023-03-16 10:00:00")
	e.clock.t = shanghai(e, "2023-03-20 12:00:00")
	e.must(e.svc.MoveToPublicPool(ctx, s.bob, []uint64{c5.ID})) // bob loses 五号
	e.clock.t = now

	other, err := e.svc.EnsureTenant(ctx, "other shop")
	e.must(err)
	s.otherDept, err = e.svc.EnsureDepartment(ctx, other.ID, "别家")
	e.must(err)
	s.otherToken = "yz-other-token"
	user(other, "olga", s.otherDept, s.otherToken)
	return s
}

// yzRows condenses the rows: name:follows/lost/customers/new/customer_last/follow_last, and the paginator's total.
func yzRows(t *testing.T, body []byte) string {
	t.Helper()
	var a struct {
		Result int
		Data   struct {
			Total int
			Data  []map[string]any
		}
	}
	if err := json.Unmarshal(body, &a); err != nil || a.Result != 1 {
		t.Fatalf("not a success: %s", body)
	}
	var rows []string
	for _, r := range a.Data.Data {
		if _, present := r["opportunity_count"]; present {
			t.Errorf("opportunity_count present for a tenant without opportunities: %s", body)
		}
		rows = append(rows, fmt.Sprintf("%s:%v/%v/%v/%v/%v/%v", r["name"], r["follow_count"], r["lose_customer_count"],
			r["customer_count"], r["new_customer_count"], r["customer_last_date"], r["follow_last_date"]))
	}
	return fmt.Sprintf("%d %s", a.Data.Total, strings.Join(rows, " "))
}

func TestYunzmallFilters(t *testing.T) {
	eachEngineWith(t, trustLoopback, func(e *env) { // one request comes through a proxy: X-Forwarded-Host
		s := seedYZ(e)
		path := yzPath(s.tenant.ID)
		const form = "application/x-www-form-urlencoded"
		all := "3 ann:2/0/2/2/2023-04-10 09:00:00/2023-04-11 10:00:00 bob:1/1/1/1/2023-03-15 09:00:00/2023-03-16 10:00:00 cat:0/0/0/0/-/-"
		for _, c := range []struct{ name, body, want string }{
			{"no filter", "", all},
			{"every filter empty, as a form sends them", "search[name]=&search[department_id]=&search[industry_id]=&search[source_id]=&search[progress_id]=&search[tag_id]=&search[date][]=&search[date][]=&page=1", all},
			{"name", "search[name]=bo", "1 bob:1/1/1/1/2023-03-15 09:00:00/2023-03-16 10:00:00"},
			{"department", fmt.Sprintf("search[department_id]=%d", s.market.ID), "1 cat:0/0/0/0/-/-"},
			{"industry", "search[industry_id]=1", "3 ann:1/0/1/1/2023-03-01 09:00:00/2023-03-02 10:00:00 bob:1/1/1/1/2023-03-15 09:00:00/2023-03-16 10:00:00 cat:0/0/0/0/-/-"},
			{"source", "search[source_id]=2", "3 ann:1/0/1/1/2023-04-10 09:00:00/2023-04-11 10:00:00 bob:0/0/0/0/-/- cat:0/0/0/0/-/-"},
			{"progress", "search[progress_id]=2", "3 ann:1/0/1/1/2023-04-10 09:00:00/2023-04-11 10:00:00 bob:0/0/0/0/-/- cat:0/0/0/0/-/-"},
			{"tag", "search[tag_id]=1", "3 ann:1/0/1/1/2023-03-01 09:00:00/2023-03-02 10:00:00 bob:0/0/0/0/-/- cat:0/0/0/0/-/-"},
			{"March", "search[date][]=2023-03-01&search[date][]=2023-03-31", "3 ann:1/0/2/1/2023-03-01 09:00:00/2023-03-02 10:00:00 bob:1/1/1/1/2023-03-15 09:00:00/2023-03-16 10:00:00 cat:0/0/0/0/-/-"},
			{"March, indexed keys and times", "search[date][1]=2023-03-31 23:59:59&search[date][0]=2023-03-01 00:00:00", "3 ann:1/0/2/1/2023-03-01 09:00:00/2023-03-02 10:00:00 bob:1/1/1/1/2023-03-15 09:00:00/2023-03-16 10:00:00 cat:0/0/0/0/-/-"},
			{"from April", "search[date][]=2023-04-01&search[date][]=", "3 ann:1/0/2/1/2023-04-10 09:00:00/2023-04-11 10:00:00 bob:0/0/1/0/-/- cat:0/0/0/0/-/-"},
			{"a day, both ends", "search[date][]=2023-03-15&search[date][]=2023-03-15", "3 ann:0/0/2/0/-/- bob:0/0/1/1/2023-03-15 09:00:00/- cat:0/0/0/0/-/-"},
		} {
			status, body := e.yzPost(path, yzToken, form, []byte(strings.NewReplacer("[", "%5B", "]", "%5D", " ", "+").Replace(c.body)))
			if got := yzRows(e.t, body); status != http.StatusOK || got != c.want {
				t.Errorf("%s: HTTP %d\n got %s\nwant %s", c.name, status, got, c.want)
			}
		}

		// One filter set, four encodings, one answer.
		want := "1 ann:1/0/1/1/2023-03-01 09:00:00/2023-03-02 10:00:00"
		var mp bytes.Buffer
		w := multipart.NewWriter(&mp)
		for _, kv := range [][2]string{{"search[name]", "an"}, {"search[industry_id]", "1"}, {"search[date][]", "2023-03-01"}, {"search[date][]", "2023-03-31"}} {
			e.must(w.WriteField(kv[0], kv[1]))
		}
		e.must(w.Close())
		query := "?" + url.Values{"search[name]": {"an"}, "search[industry_id]": {"1"}, "search[date][]": {"2023-03-01", "2023-03-31"}}.Encode()
		for name, req := range map[string]struct {
			path, contentType string
			body              []byte
		}{
			"multipart": {path, w.FormDataContentType(), mp.Bytes()},
			"json":      {path, "application/json", []byte(`{"search":{"name":"an","industry_id":1,"date":["2023-03-01","2023-03-31"]},"page":1}`)},
			"query":     {path + query, "", nil},
			"form":      {path, form, []byte(url.Values{"search[name]": {"an"}, "search[industry_id]": {"1"}, "search[date][]": {"2023-03-01", "2023-03-31"}}.Encode())},
		} {
			if status, body := e.yzPost(req.path, yzToken, req.contentType, req.body); status != http.StatusOK || yzRows(e.t, body) != want {
				t.Errorf("%s: HTTP %d %s, want %s", name, status, yzRows(e.t, body), want)
			}
		}

		// The token as a parameter, as yz_token and as the session cookie; the header wins over them.
		for name, req := range map[string]struct{ path, token, body string }{
			"token in the query":    {path + "?token=" + yzToken, "", ""},
			"token in the body":     {path, "", "token=" + yzToken},
			"yz_token":              {path, "", "yz_token=" + yzToken},
			"yz_token in the query": {path + "?yz_token=" + yzToken, "", ""},
			"header wins":           {path + "?token=" + s.otherToken, yzToken, ""},
		} {
			if status, body := e.yzPost(req.path, req.token, form, []byte(req.body)); status != http.StatusOK || yzRows(e.t, body) != all {
				t.Errorf("%s: HTTP %d %s", name, status, body)
			}
		}
		req, err := http.NewRequest(http.MethodPost, e.url+path, nil)
		e.must(err)
		req.AddCookie(&http.Cookie{Name: "laravel_session", Value: yzToken})
		res, err := http.DefaultClient.Do(req)
		e.must(err)
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		e.must(err)
		if yzRows(e.t, body) != all {
			t.Errorf("laravel_session cookie: %s", body)
		}

		// Paging: page 2 of one page is empty, from and to null; URLs from the request's host.
		_, body = e.yzPost(path, yzToken, form, []byte("page=2"), "X-Forwarded-Host", "crm.example.com, proxy.internal")
		golden(t, "yunzmall/page_past_the_end", bytes.ReplaceAll(body, []byte(fmt.Sprintf("/business/%d/", s.tenant.ID)), []byte("/business/<tenant>/")))
	})
}

// Opportunities appear only for a tenant that uses them.
func TestYunzmallOpportunities(t *testing.T) {
	eachEngine(t, func(e *env) {
		s := seedYZ(e)
		var three core.Customer
		e.must(e.db.Where("tenant_id = ? AND name = ?", s.tenant.ID, "三号").Take(&three).Error)
		_, err := e.svc.CreateOpportunity(context.Background(), s.bob, core.NewOpportunity{CustomerID: three.ID, Title: "商机", Stage: "open",
			CreatedAt: shanghai(e, "2023-03-03 10:00:00")})
		e.must(err)
		e.must(e.svc.SetTenantSettings(context.Background(), s.tenant.ID, core.TenantSettings{ContractPrefix: "HT", Opportunities: true}))
		for body, want := range map[string]float64{"": 1, "search[date][]=2023-04-01": 0, "search[date][]=&search[date][]=2023-03-03": 1} {
			_, got := e.yzPost(yzPath(s.tenant.ID), yzToken, "application/x-www-form-urlencoded", []byte(body))
			var a struct {
				Data struct{ Data []map[string]any }
			}
			e.must(json.Unmarshal(got, &a))
			for _, row := range a.Data.Data {
				n, present := row["opportunity_count"]
				if !present || row["name"] == "bob" && n != want || row["name"] != "bob" && n != 0.0 {
					t.Errorf("%q: %s, want bob with %v opportunities, the others none", body, got, want)
				}
			}
		}
	})
}

func TestYunzmallErrors(t *testing.T) {
	eachEngine(t, func(e *env) {
		s := seedYZ(e)
		path := yzPath(s.tenant.ID)
		const form = "application/x-www-form-urlencoded"
		appid := `{"errcode":500,"errmsg":"invalid appid"}` + "\n"
		framework := func(msg string) string { return `{"result":0,"msg":"` + msg + `","data":[]}` + "\n" }
		loginRequired := yzLoginRequired + "\n"
		for _, c := range []struct {
			name, method, path, token, contentType, body string
			status                                       int
			want                                         string
		}{
			{"another tenant's token", "POST", path, s.otherToken, form, "", 200, appid},
			{"an id that does not exist", "POST", yzPath(999999), yzToken, form, "", 200, appid},
			{"an id not a number", "POST", "/business/abc/plugin/CustomerManage/getStatisticsList", yzToken, form, "", 200, appid},
			{"no token", "POST", path, "", form, "", 200, loginRequired},
			{"unknown token", "POST", path, "nope", form, "", 200, loginRequired},
			{"page 0", "POST", path, yzToken, form, "page=0", 200, framework(`page 应为正整数: \"0\"`)},
			{"page not a number", "POST", path, yzToken, form, "page=x", 200, framework(`page 应为正整数: \"x\"`)},
			{"bad date", "POST", path, yzToken, form, "search%5Bdate%5D%5B%5D=2023-13-01", 200, framework(`search[date] 不是有效的日期: \"2023-13-01\"`)},
			{"end before start", "POST", path, yzToken, form, "search%5Bdate%5D%5B%5D=2023-03-02&search%5Bdate%5D%5B%5D=2023-03-01", 200, framework("search[date] 结束日期 2023-03-01 早于开始日期 2023-03-02")},
			{"a day past what a database holds", "POST", path, yzToken, form, "search%5Bdate%5D%5B%5D=2023-03-01&search%5Bdate%5D%5B%5D=9999-12-31", 200, framework("9999-12-31 is outside 1000-01-02 to 9999-12-30")},
			{"three dates", "POST", path, yzToken, form, "search%5Bdate%5D%5B%5D=1&search%5Bdate%5D%5B%5D=2&search%5Bdate%5D%5B%5D=3", 200, framework("search[date] 应为 [开始日期, 结束日期], 收到 3 个值")},
			{"unknown department", "POST", path, yzToken, form, "search%5Bdepartment_id%5D=999999", 200, framework("部门不存在: 999999")},
			{"another tenant's department", "POST", path, yzToken, form, fmt.Sprintf("search%%5Bdepartment_id%%5D=%d", s.otherDept.ID), 200, framework(fmt.Sprintf("部门不存在: %d", s.otherDept.ID))},
			{"department not a number", "POST", path, yzToken, form, "search%5Bdepartment_id%5D=x", 200, framework(`search[department_id] 应为整数 id: \"x\"`)},
			{"department past 2^63", "POST", path, yzToken, form, "search%5Bdepartment_id%5D=9223372036854775808", 200,
				framework(`search[department_id] 应为整数 id: \"9223372036854775808\"`)},
			{"tag of 100,000 digits", "POST", path, yzToken, form, "search%5Btag_id%5D=" + strings.Repeat("7", 100_000), 200,
				framework(`search[tag_id] 应为整数 id: \"` + strings.Repeat("7", 32) + `…\"`)},
			{"bad JSON", "POST", path, yzToken, "application/json", `{"search":`, 200, framework("请求体不是有效的 JSON 对象")},
			{"GET", "GET", path, yzToken, "", "", 200, framework("不存在的接口")},
			{"unknown route", "POST", "/business/1/plugin/CustomerManage/nope", yzToken, form, "", 200, framework("不存在的接口")},
		} {
			req, err := http.NewRequest(c.method, e.url+c.path, strings.NewReader(c.body))
			e.must(err)
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			if c.contentType != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			res, err := http.DefaultClient.Do(req)
			e.must(err)
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			e.must(err)
			if res.StatusCode != c.status || string(body) != c.want {
				t.Errorf("%s: HTTP %d %s\nwant HTTP %d %s", c.name, res.StatusCode, body, c.status, c.want)
			}
		}
	})
}

// Customers saved and follow-ups added through the WebApi count here.
func TestCrossDialectWebApiToYunzmall(t *testing.T) {
	eachEngine(t, func(e *env) {
		s := seedYZ(e)
		tok := func(kv ...string) url.Values { return vals(append([]string{"token", yzToken}, kv...)...) }
		ctx := context.Background()
		e.clock.t = shanghai(e, "2023-05-01 08:00:00") // after everything seeded: the WebApi's records are the latest
		if _, body := e.call(http.MethodPost, "Customer/Save", tok("json", `{"CustName":"跨方言客户","Tel":"1"}`)); !strings.Contains(string(body), `"value":true`) {
			t.Fatalf("Customer/Save: %s", body)
		}
		var cu core.Customer
		e.must(e.db.Where("name = ?", "跨方言客户").Take(&cu).Error)
		contact, err := e.svc.CreateContact(ctx, s.ann, core.NewContact{CustomerID: cu.ID, Name: "王经理"})
		e.must(err)
		if _, body := e.call(http.MethodPost, "ContactHistory/Add", tok("customer_id", fmt.Sprint(cu.ID), "link_man_id", fmt.Sprint(contact.ID),
			"type_id", "1", "route_id", "1", "title", "回访", "content", "满意")); !strings.Contains(string(body), `"value"`) {
			t.Fatalf("ContactHistory/Add: %s", body)
		}
		_, body := e.yzPost(yzPath(s.tenant.ID), yzToken, "", nil)
		want := "3 ann:3/0/3/3/2023-05-01 08:00:00/2023-05-01 08:00:00 bob:1/1/1/1/2023-03-15 09:00:00/2023-03-16 10:00:00 cat:0/0/0/0/-/-"
		if got := yzRows(e.t, body); got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	})
}
