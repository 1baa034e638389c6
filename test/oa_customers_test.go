package test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// oaSend sends an OA request as its clients do: access_token and tt/vn in
// the query, a form-encoded body.
func (e *env) oaSend(method, path string, form url.Values) (int, []byte) {
	e.t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	path += sep + "tt=1&vn=1.0&access_token=" + docToken
	if form == nil {
		return e.do(method, path, "", nil)
	}
	return e.do(method, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

// oaData decodes an OA answer, failing unless its statuscode is want.
func oaData(t *testing.T, body []byte, want string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if m["statuscode"] != want {
		t.Fatalf("statuscode %v, want %s: %s", m["statuscode"], want, body)
	}
	return m
}

func TestOACustomers(t *testing.T) {
	eachEngine(t, func(e *env) {
		seedOA(e)
		status, body := e.oaSend(http.MethodPost, "/oa/customers", url.Values{"name": {"杭州云帆科技"}, "address": {"杭州市西湖区文三路90号"},
			"site": {"http://yunfan.example"}, "contact": {"陈经理"}, "tel": {"0571-88886666"}, "status": {"1"}, "level": {"3"},
			"remark": {"展会认识"}, "fax": {"0571-88886667"}, "industry": {"制造业"}, "comprofile": {"做船帆的公司"}})
		if status != http.StatusOK {
			t.Fatalf("create: HTTP %d %s", status, body)
		}
		golden(t, "oa/customer_create", body)
		id := dig(oaData(t, body, "0000"), "data", "id").(string)

		_, body = e.oaSend(http.MethodPost, "/oa/customers", url.Values{"name": {"最少字段的客户"}})
		if m := oaData(t, body, "0000"); dig(m, "data", "status") != "0" || dig(m, "data", "level") != "2" {
			t.Errorf("defaults: %s", body)
		}

		status, body = e.oaSend(http.MethodGet, "/oa/customers/"+id, nil)
		if status != http.StatusOK {
			t.Fatalf("show: HTTP %d %s", status, body)
		}
		golden(t, "oa/customer_show", body)

		status, body = e.oaSend(http.MethodGet, "/oa/customers?page=0&size=2&order=name", nil)
		if status != http.StatusOK {
			t.Fatalf("list: HTTP %d %s", status, body)
		}
		golden(t, "oa/customers", body)
		for _, c := range []struct {
			query string
			want  float64
		}{{"", 7}, {"status=1", 1}, {"status=0,1", 7}, {"status=2,3,4", 0}, {"level=3", 1}, {"level=2", 6},
			{"keyword=云帆", 1}, {"keyword=0571-8888", 1}, {"page=1&size=5", 7}} {
			_, body := e.oaSend(http.MethodGet, "/oa/customers?"+c.query, nil)
			if got := oaData(t, body, "0000")["totalels"]; got != c.want {
				t.Errorf("%s: %v customers, want %v: %s", c.query, got, c.want, body)
			}
		}
		_, body = e.oaSend(http.MethodGet, "/oa/customers?page=1&size=5", nil)
		if rows := oaData(t, body, "0000")["data"].([]any); len(rows) != 2 {
			t.Errorf("page 1 of 5: %d rows", len(rows))
		}

		status, body = e.oaSend(http.MethodPatch, "/oa/customers/"+id, url.Values{"status": {"4"}, "contact": {"陈总"}, "tel": {"0571-11112222"}})
		m := oaData(t, body, "0000")
		if status != http.StatusOK || dig(m, "data", "status") != "4" || dig(m, "data", "contact") != "陈总" ||
			dig(m, "data", "tel") != "0571-11112222" || dig(m, "data", "name") != "杭州云帆科技" || dig(m, "data", "level") != "3" {
			t.Errorf("patch: HTTP %d %s", status, body)
		}

		// The same record through the open API and the WebApi.
		_, body = e.ikGet("/api/v2/customers/"+id, "Token token="+docToken+",device=open_api")
		if m := ikJSON(t, body); dig(m, "data", "name") != "杭州云帆科技" || dig(m, "data", "address", "url") != "http://yunfan.example" ||
			dig(m, "data", "contacts", 0, "name") != "陈总" || dig(m, "data", "industry_mapped") != "制造业" || dig(m, "data", "note") != "展会认识" {
			t.Errorf("ikcrm: %s", body)
		}
		_, body = e.call(http.MethodGet, "Customer/Get", vals("token", docToken, "id", id))
		if !strings.Contains(string(body), `"CustName":"杭州云帆科技","Tel":"0571-11112222"`) || !strings.Contains(string(body), `"ProgressID":5`) {
			t.Errorf("WebApi: %s", body)
		}

		status, body = e.oaSend(http.MethodDelete, "/oa/customers/"+id, nil)
		if status != http.StatusOK || string(body) != `{"statuscode":"0000","statusmsg":"ok","data":{},"usermsg":"正常"}`+"\n" {
			t.Errorf("delete: HTTP %d %s", status, body)
		}
		_, body = e.oaSend(http.MethodGet, "/oa/customers/"+id, nil)
		oaData(t, body, "10037")
		_, body = e.oaSend(http.MethodDelete, "/oa/customers/"+id, nil)
		oaData(t, body, "10037")
	})
}

// Refused writes answer the OA's code naming the problem and leave every row as it was.
func TestOABadCustomerWritesWriteNothing(t *testing.T) {
	eachEngine(t, func(e *env) {
		seedOA(e)
		_, body := e.oaSend(http.MethodGet, "/oa/customers?order=name", nil)
		first := dig(oaData(t, body, "0000"), "data", 0, "id").(string) // 九月的合同客户, with a contract
		for _, c := range []struct {
			name, method, path string
			form               url.Values
			code, usermsg      string
		}{
			{"no name", http.MethodPost, "/oa/customers", url.Values{"tel": {"1"}}, "10001", "name 不能为空"},
			{"a name taken", http.MethodPost, "/oa/customers", url.Values{"name": {"门店系统客户"}}, "10054", "taken"},
			{"status out of range", http.MethodPost, "/oa/customers", url.Values{"name": {"甲"}, "status": {"5"}}, "10004", "status 应在 0 到 4 之间"},
			{"level not a number", http.MethodPost, "/oa/customers", url.Values{"name": {"甲"}, "level": {"高"}}, "10005", "level 应为数字"},
			{"unknown industry", http.MethodPost, "/oa/customers", url.Values{"name": {"甲"}, "industry": {"航天"}}, "10004", "industry 应为行业之一"},
			{"name too long", http.MethodPost, "/oa/customers", url.Values{"name": {strings.Repeat("长", 256)}}, "10004", "name"},
			{"contact too long", http.MethodPost, "/oa/customers", url.Values{"name": {"甲"}, "contact": {strings.Repeat("长", 129)}}, "10004", "name"},
			{"patch to a name taken", http.MethodPatch, "/oa/customers/" + first, url.Values{"name": {"门店系统客户"}}, "10054", "taken"},
			{"patch an empty name", http.MethodPatch, "/oa/customers/" + first, url.Values{"name": {""}}, "10001", "name 不能为空"},
			{"patch a missing customer", http.MethodPatch, "/oa/customers/987654321", url.Values{"tel": {"1"}}, "10037", ""},
			{"patch not an id", http.MethodPatch, "/oa/customers/abc", url.Values{"tel": {"1"}}, "10037", ""},
			{"delete one with a contract", http.MethodDelete, "/oa/customers/" + first, nil, "10500", "contracts"},
			{"bad status filter", http.MethodGet, "/oa/customers?status=1,x", nil, "10005", "status"},
			{"bad order", http.MethodGet, "/oa/customers?order=tel", nil, "10004", "order"},
		} {
			before := ikCustomersSnapshot(e)
			status, body := e.oaSend(c.method, c.path, c.form)
			m := oaData(t, body, c.code)
			if status != http.StatusOK || !strings.Contains(fmt.Sprint(m["usermsg"]), c.usermsg) {
				t.Errorf("%s: HTTP %d %s, want usermsg with %q", c.name, status, body, c.usermsg)
			}
			if after := ikCustomersSnapshot(e); after != before {
				t.Errorf("%s changed rows:\n%s\n%s", c.name, before, after)
			}
		}
	})
}

// -- the isolation walk's probes of the OA's customers --

func isoOACustomers(x *isoWorld, r isoRoute) []isoProbe {
	list := func(kv ...string) func(string) isoReq {
		return func(id string) isoReq {
			for i := range kv {
				kv[i] = strings.ReplaceAll(kv[i], "{id}", id)
			}
			return x.oa(r.method, r.path, kv...)
		}
	}
	return []isoProbe{
		{name: "A's customers only", req: list("size", "100"), want: isoOAStatus("0000", "isoA-客户一", "isoA-客户二", "isoA-王经理", `"totalels":2`)},
		{name: "B's customer name as keyword", foreign: x.b.customer.Name, missing: "isoZ-none", req: list("keyword", "{id}"), want: isoOAStatus("0000", `"data":[]`)},
	}
}

func isoOACustomerByID(x *isoWorld, r isoRoute) []isoProbe {
	req := func(id string) isoReq {
		path := strings.Replace(r.path, ":id", id, 1)
		if r.method == http.MethodDelete {
			return isoReq{method: r.method, path: path + "?access_token=" + x.a.token}
		}
		if r.method == http.MethodPatch {
			return x.oa(r.method, path, "remark", "isoA-改")
		}
		return x.oa(r.method, path)
	}
	probes := []isoProbe{{name: "B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing, req: req, want: isoOAStatus("10037")}}
	if r.method == http.MethodGet {
		probes = append(probes, isoProbe{name: "A's customer", req: func(string) isoReq { return req(isoID(x.a.customer.ID)) },
			want: isoOAStatus("0000", "isoA-客户一", "isoA-王经理")})
	}
	return probes
}

func isoOACustomerCreate(x *isoWorld, r isoRoute) []isoProbe {
	return []isoProbe{
		// A name is unique in a tenant only: one B uses is free in A.
		{name: "a name of B's is free in A", req: func(string) isoReq { return x.oa(r.method, r.path, "name", x.b.contact.Name) },
			want: isoOAStatus("0000", x.b.contact.Name), echoes: true},
		{name: "B's own industry's name", foreign: "isoB-行业", missing: "isoZ-行业",
			req: func(id string) isoReq { return x.oa(r.method, r.path, "name", "isoA-新客户", "industry", id) }, want: isoOAStatus("10004")},
	}
}
