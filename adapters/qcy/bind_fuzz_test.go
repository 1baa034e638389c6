package qcy

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// FuzzBind: no query string or body (form-encoded, multipart, or any other)
// panics or hangs the parameter binding or the readers over it, including the
// JSON objects passed as parameters (json, customer, man); every refusal is
// the dialect's own error with its own codes, and what is bound is keyed in lower case.
func FuzzBind(f *testing.F) {
	for _, seed := range []struct{ method, contentType, query, body string }{
		// The doc's and the dialect page's examples.
		{http.MethodGet, "", "token=7b0c5e8e-2f1a-4c39-9d3e-0a8d2b6c1f42&format=json&id=7", ""},
		{http.MethodPost, echo.MIMEApplicationForm, "format=xml", "token=t&Customer_ID=1&TYPE_ID=2&route_id=1&link_man_id=3&title=%E5%9B%9E%E8%AE%BF&content=%E6%BB%A1%E6%84%8F"},
		{http.MethodPost, echo.MIMEApplicationForm, "", `token=t&json={"PK_ID":0,"CustName":"新客户","Tel":"13800000000","KindID":3}`},
		{http.MethodGet, "", `token=t&customer={"PK_ID":7,"CustName":"x","IsPublic":true}&tran=1`, ""},
		{http.MethodPost, echo.MIMEApplicationForm, "", `man={"PK_ID":0,"FK_CustID":1,"LinkManName":"王经理","IsMainMan":true}`},
		{http.MethodGet, "", "plan_id=1&next_time=2015-10-20+09:30:00&pkidList=1,2,3&strIds=1&callState=1", ""},
		{http.MethodGet, "", "PAGEINDEX=2&pagesize=1&par_id=ContactRoute&parent_id=0", ""},
		// Malformed values the readers must refuse cleanly.
		{http.MethodGet, "", "id=2147483648&pkidList=1,,2&next_time=2015-02-30+25:00:00&flag=2", ""},
		{http.MethodGet, "", "id=%zz&json=%7B", ""},
		{http.MethodPost, echo.MIMEApplicationForm, "id=1", "id=-1&json=[1,2]&man=null&customer={\"PK_ID\":\"x\"}"},
		{http.MethodPost, "multipart/form-data; boundary=X", "token=q", "--X\r\nContent-Disposition: form-data; name=\"TOKEN\"\r\n\r\nt\r\n--X\r\nContent-Disposition: form-data; name=\"json\"\r\n\r\n{\"CustName\":\"a\"}\r\n--X--\r\n"},
		{http.MethodPost, "multipart/form-data; boundary=X", "", "--X\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\"\r\n\r\n"},
		{http.MethodPost, "multipart/form-data", "", "--X--"},
		{http.MethodPost, echo.MIMEApplicationJSON, "", `{"token":"t","id":1}`},
		// What .NET clients send: DateTime text, numbers and Booleans as strings.
		{http.MethodGet, "", "next_time=2013/5/5+10:25:30", ""},
		{http.MethodGet, "", "next_time=2013-05-05T10:25:30.1234567%2B08:00", ""},
		{http.MethodGet, "", "next_time=10:25", ""},
		{http.MethodPost, echo.MIMEApplicationForm, "", `json={"PK_ID":"0","CustName":"x","Tel":13800138000,"IsPublic":"False","IndustryID":" +02 ","KindID":""}`},
		{http.MethodPost, echo.MIMEApplicationForm, "", `man={"FK_CustID":"1","LinkManName":"x","IsMainMan":1}&customer={"PK_ID":"1.5","IsPublic":"1"}`},
	} {
		f.Add(seed.method, seed.contentType, seed.query, seed.body)
	}
	e := echo.New()
	loc := time.FixedZone("CST", 8*3600)
	f.Fuzz(func(t *testing.T, method, contentType, query, body string) {
		if method != http.MethodGet {
			method = http.MethodPost
		}
		req := httptest.NewRequest(method, "/WebApi/Handler/1.0/CRM/Customer/Get.ashx", strings.NewReader(body))
		req.URL.RawQuery = query
		req.Header.Set(echo.HeaderContentType, contentType)
		c := e.NewContext(req, httptest.NewRecorder())
		check := func(what string, err error, codes ...string) {
			t.Helper()
			if err == nil {
				return
			}
			var we *wireErr
			if !errors.As(err, &we) {
				t.Fatalf("%s %q %q %q: %s: an error not in the dialect's shape: %T %v", method, contentType, query, body, what, err, err)
			}
			if we.status != http.StatusOK {
				t.Fatalf("%s: answered HTTP %d", what, we.status)
			}
			for _, code := range codes {
				if we.code == code {
					return
				}
			}
			t.Fatalf("%s: code %s (%s), want one of %v", what, we.code, we.msg, codes)
		}
		bound, err := bind(c)
		check("bind", err, codeInvalid)
		if err != nil {
			_ = paramsOf(c) // an error's format is still read, from what can be parsed
			return
		}
		for k := range bound.values {
			if k != strings.ToLower(k) {
				t.Fatalf("parameter %q bound not in lower case", k)
			}
		}
		if q, err := url.ParseQuery(query); err == nil {
			for k, v := range q {
				if _, ok := bound.values[strings.ToLower(k)]; !ok && len(v) > 0 {
					t.Fatalf("query parameter %q was not bound: %v", k, bound.values)
				}
			}
		}

		r := read(bound)
		_ = wantsXML(c)
		_ = r.p.get("token")
		historyParams(r)
		_ = r.int32("history_id")
		_ = r.flag("callState")
		_ = r.dateTime("next_time", loc)
		check("reader", r.err, codeMissing, codeInvalid)

		p := paramsOf(c)
		if !reflect.DeepEqual(p, bound) {
			t.Fatalf("the parameters kept for the error's answer are not those bound: %v, %v", p, bound)
		}
		for _, name := range []string{"id", "pageIndex", "par_id"} {
			n, err := p.id(name)
			check(name, err, codeMissing, codeInvalid)
			if err == nil && (n == 0 || n > 1<<31-1) {
				t.Fatalf("id %s bound as %d", name, n)
			}
		}
		for _, name := range []string{"pkidList", "strIds"} {
			ids, err := p.ids(name)
			check(name, err, codeMissing, codeInvalid)
			for _, id := range ids {
				if id == 0 {
					t.Fatalf("%s %q bound a zero id: %v", name, p.get(name), ids)
				}
			}
		}
		for _, name := range []string{"sName", "title", "content"} {
			v, err := p.str(name)
			check(name, err, codeMissing)
			if err == nil && (v == "" || v != strings.TrimSpace(v)) {
				t.Fatalf("str %s bound %q", name, v)
			}
		}
		var cu Customer
		check("json", p.object("json", &cu), codeMissing, codeInvalid)
		_ = cu.toCore()
		check("customer", p.object("customer", &cu), codeMissing, codeInvalid)
		var man CustomerLinkMan
		check("man", p.object("man", &man), codeMissing, codeInvalid)
		_ = man.toCore()
	})
}
