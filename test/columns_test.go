package test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"crmgw/core"
)

// Every stored text has one bound, checked in core the same on both engines,
// and invalid UTF-8 is bad input: each value below was stored by SQLite and
// refused by MariaDB as a system error ("Data too long", "Incorrect string
// value"). Each is now the dialect's parameter error naming the column, and
// nothing of the tenant changes.
func TestOverlongAndInvalidTextRefused(t *testing.T) {
	eachEngine(t, func(e *env) {
		t := e.t
		ctx := context.Background()
		o := seedIKContracts(e)
		me := o.me
		site, err := e.svc.RegisterSiteKey(ctx, me.TenantID, "columns-site-key")
		e.must(err)
		man, err := e.svc.CreateContact(ctx, me, core.NewContact{CustomerID: o.customer.ID, Name: "王五"})
		e.must(err)
		tok := func(kv ...string) url.Values { return vals(append([]string{"token", ikToken}, kv...)...) }
		long := func(n int) string { return strings.Repeat("长", n) }
		call := vals("callState", "1", "tel", "13800000000", "userID", id(me.UserID), "callType", "2",
			"startTime", "2015-10-15 09:00:00", "endTime", "2015-10-15 09:05:00", "record", "0", "duration", "300",
			"ims", "ims-1", "userName", "ann", "token", ikToken)
		with := func(v url.Values, k, value string) url.Values {
			w := url.Values{}
			for key, vs := range v {
				w[key] = vs
			}
			w.Set(k, value)
			return w
		}
		sms := tok("senderID", id(me.UserID), "mobilePhone", "13800000000", "sendDate", "2015-10-16 10:00:00",
			"content", "您好", "sendType", "0", "messageTempleID", "T1")

		qcy := []struct {
			name, handler string
			params        url.Values
			column        string
		}{
			{"ims over 64", "Customer/IMSLock", tok("userID", id(me.UserID), "ims", long(65)), "ims"},
			{"sms mobile over 32", "Customer/InsertSms", with(sms, "mobilePhone", strings.Repeat("1", 33)), "mobile"},
			{"sms template over 64", "Customer/InsertSms", with(sms, "messageTempleID", long(65)), "template_id"},
			{"call tel over 64", "Customer/AddCallHistory", with(call, "tel", strings.Repeat("1", 65)), "tel"},
			{"call user name over 128", "Customer/AddCallHistory", with(call, "userName", long(129)), "user_name"},
			{"call remark over 255", "Customer/AddCallHistory", with(call, "remark", long(256)), "remark"},
			{"follow-up title invalid UTF-8", "ContactHistory/Add", tok("customer_id", id(o.customer.ID), "type_id", "1",
				"route_id", "1", "link_man_id", id(man.ID), "title", "ab\xff\xfe", "content", "c"), "title"},
			{"call user name invalid UTF-8", "Customer/AddCallHistory", with(call, "userName", "\xff\xfe"), "user_name"},
		}
		for _, c := range qcy {
			before, _ := tenantRows(e, me.TenantID)
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				status, body := e.call(method, c.handler, c.params)
				var got struct {
					ErrorCode string `json:"error_code"`
					Error     string
				}
				if status != http.StatusOK || json.Unmarshal(body, &got) != nil || got.ErrorCode != "10017" ||
					!strings.Contains(got.Error, c.column) {
					t.Errorf("%s (%s): HTTP %d %s, want 10017 naming %s", c.name, method, status, body, c.column)
				}
			}
			if after, _ := tenantRows(e, me.TenantID); after != before {
				t.Errorf("%s changed the tenant's rows", c.name)
			}
		}

		before, _ := tenantRows(e, me.TenantID)
		status, body := e.call(http.MethodPost, "ECommerce/AddMessageBoard", vals("siteKey", site, "custID", id(o.customer.ID),
			"content", "留言", "contact", long(129)))
		if status != http.StatusOK || !strings.Contains(string(body), `"error_code":"10017"`) || !strings.Contains(string(body), "contact") {
			t.Errorf("message board contact over 128: HTTP %d %s", status, body)
		}
		if after, _ := tenantRows(e, me.TenantID); after != before {
			t.Error("the message board's contact over 128 changed the tenant's rows")
		}

		ik := []struct {
			name, contentType string
			body              string
			column            string
		}{
			{"custom field over 64 KB", "application/json", `{"contract":{"title":"t","customer_id":` + id(o.customer.ID) +
				`,"start_at":"2015-10-01","end_at":"2015-12-31","self_note":"` + strings.Repeat("x", 65536) + `"}}`, "custom_fields"},
			{"form title invalid UTF-8", "application/x-www-form-urlencoded", "contract[title]=%FF%FE&contract[customer_id]=" +
				id(o.customer.ID) + "&contract[start_at]=2015-10-01&contract[end_at]=2015-12-31", "title"},
			{"form signer over 128", "application/x-www-form-urlencoded", "contract[title]=t&contract[customer_id]=" +
				id(o.customer.ID) + "&contract[start_at]=2015-10-01&contract[end_at]=2015-12-31&contract[our_signer]=" +
				url.QueryEscape(long(129)), "our_signer"},
		}
		for _, c := range ik {
			before, _ := tenantRows(e, me.TenantID)
			status, body := e.ikSend(http.MethodPost, "/api/v2/contracts", c.contentType, []byte(c.body))
			var got struct {
				Code    int
				Message string
			}
			if status != http.StatusOK || json.Unmarshal(body, &got) != nil || got.Code != 100422 || !strings.Contains(got.Message, c.column) {
				t.Errorf("ikcrm %s: HTTP %d %s, want 100422 naming %s", c.name, status, body, c.column)
			}
			if after, _ := tenantRows(e, me.TenantID); after != before {
				t.Errorf("ikcrm %s changed the tenant's rows", c.name)
			}
		}
	})
}
