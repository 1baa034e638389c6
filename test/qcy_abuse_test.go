package test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"crmgw/core"
)

// qcySend sends a handler request with a raw query string and, when body is
// not nil, a form-encoded or multipart body of those pairs in that order.
func (e *env) qcySend(handler, query string, body []Pair, multipart bool) []byte {
	e.t.Helper()
	path := qcyBase + handler + ".ashx?" + query
	if body == nil {
		_, b := e.get(path)
		return b
	}
	if multipart {
		b, contentType := multipartBody(e.t, body)
		_, answer := e.do(http.MethodPost, path, contentType, bytes.NewReader(b))
		return answer
	}
	_, answer := e.do(http.MethodPost, path, "application/x-www-form-urlencoded", bytes.NewReader(formBody(body)))
	return answer
}

// Parameter names equal but for case resolve one way, every time: a body value
// over a query value, and within each the first in the request's order.
func TestQCYParameterCaseResolvesOneWay(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedQCY(e)
		cust := id(o.customer.ID)
		customer := e.qcySend("Customer/Get", "token="+o.token+"&id="+cust, nil, false)
		badToken := e.qcySend("Customer/Get", "token=nope&id="+cust, nil, false)
		notFound := e.qcySend("Customer/Get", "token="+o.token+"&id=999999", nil, false)
		asXML := e.qcySend("Customer/Get", "token="+o.token+"&id="+cust+"&format=xml", nil, false)
		if !strings.Contains(string(customer), `"CustName"`) || !strings.Contains(string(badToken), `"21332"`) ||
			!strings.Contains(string(notFound), `"20003"`) || !strings.Contains(string(asXML), "<CustName>") {
			t.Fatalf("reference answers: %s %s %s %s", customer, badToken, notFound, asXML)
		}
		for _, c := range []struct {
			name  string
			query string
			body  []Pair
			want  []byte
		}{
			{"query: token first", "token=" + o.token + "&TOKEN=nope&id=" + cust, nil, customer},
			{"query: TOKEN first", "TOKEN=nope&token=" + o.token + "&id=" + cust, nil, badToken},
			{"query: Token first, then token", "Token=" + o.token + "&token=nope&id=" + cust, nil, customer},
			{"query: id first", "token=" + o.token + "&id=" + cust + "&ID=999999", nil, customer},
			{"query: ID first", "token=" + o.token + "&ID=999999&id=" + cust, nil, notFound},
			{"query: format", "token=" + o.token + "&id=" + cust + "&Format=xml&format=json", nil, asXML},
			{"body: token first", "", []Pair{{"token", o.token}, {"TOKEN", "nope"}, {"id", cust}}, customer},
			{"body: TOKEN first", "", []Pair{{"TOKEN", "nope"}, {"token", o.token}, {"id", cust}}, badToken},
			{"body: ID first", "", []Pair{{"token", o.token}, {"ID", "999999"}, {"id", cust}}, notFound},
			{"body over query: Token in the query, token in the body", "Token=nope&id=" + cust, []Pair{{"token", o.token}}, customer},
			{"body over query: token in the query, TOKEN in the body", "token=" + o.token + "&id=" + cust, []Pair{{"TOKEN", "nope"}}, badToken},
			{"body over query: id", "token=" + o.token + "&id=999999", []Pair{{"ID", cust}}, customer},
			{"body over query: format", "token=" + o.token + "&id=" + cust + "&format=json", []Pair{{"FORMAT", "xml"}}, asXML},
		} {
			for _, multipart := range []bool{false, true} {
				if c.body == nil && multipart {
					continue
				}
				for i := 0; i < 50; i++ {
					if got := e.qcySend("Customer/Get", c.query, c.body, multipart); !bytes.Equal(got, c.want) {
						t.Errorf("%s (multipart %v), request %d: %s, want %s", c.name, multipart, i+1, got, c.want)
						break
					}
				}
			}
		}
	})
}

// qcyRefusal is a WebApi error answer, whole.
func qcyRefusal(handler, code, msg string) string {
	b, _ := json.Marshal(msg)
	return `{"request":"` + qcyBase + handler + `.ashx","error_code":"` + code + `","error":` + string(b) + "}\n"
}

// Ids no record can have (2^63 and above: ids are signed BIGINT on both
// engines) are a parameter error naming the parameter, in every kind of
// parameter that carries one, and write nothing.
func TestQCYIDsAboveMaxID(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedQCY(e)
		key, err := e.svc.RegisterSiteKey(context.Background(), o.ann.TenantID, "")
		e.must(err)
		const big, biggest, overflow = "9223372036854775808", "18446744073709551615", "18446744073709551616"
		idField := func(param, field, v string) string {
			return fmt.Sprintf("参数 %s 的字段 %s 应为 1 到 9223372036854775807 之间的 ID, 实为 %s", param, field, v)
		}
		for _, c := range []struct {
			name, handler string
			params        url.Values
			msg           string
		}{
			{"query id", "Customer/Get", vals("id", big), `参数 id 应为 Int32, 实为 "` + big + `"`},
			{"history_id", "ContactPlan/InsertContactPlan", vals("title", "t", "customer_id", id(o.customer.ID), "type_id", "1", "route_id", "1",
				"link_man_id", id(o.contact.ID), "history_id", big, "next_time", "2015-12-01 14:00:00"), `参数 history_id 应为 Int32, 实为 "` + big + `"`},
			{"site record id", "ECommerce/UpdateBaseInfoHit", vals("siteKey", key, "pkid", biggest, "addHit", "1"), `参数 pkid 应为 Int32, 实为 "` + biggest + `"`},
			{"id list", "Sale/SetPublicCust", vals("pkidList", id(o.customer.ID)+","+big), `参数 pkidList 应为以逗号分隔的ID, 实为 "` + id(o.customer.ID) + "," + big + `"`},
			{"Customer PK_ID", "Customer/Save", vals("json", `{"PK_ID":`+big+`,"CustName":"x"}`), idField("json", "PK_ID", big)},
			{"Customer FK_UserID", "Customer/Save", vals("json", `{"PK_ID":0,"CustName":"x","FK_UserID":`+biggest+`}`), idField("json", "FK_UserID", biggest)},
			{"Customer IndustryID", "Customer/Save", vals("json", `{"CustName":"x","IndustryID":`+big+`}`), idField("json", "IndustryID", big)},
			{"Customer PK_ID beyond uint64", "Customer/Save", vals("json", `{"PK_ID":`+overflow+`,"CustName":"x"}`),
				"参数 json 的字段 PK_ID 应为 uint64, 实为 number " + overflow},
			{"updated Customer PK_ID", "Customer/Update", vals("customer", `{"PK_ID":`+big+`,"CustName":"x"}`), idField("customer", "PK_ID", big)},
			{"updated Customer StateID", "Customer/Update", vals("customer", fmt.Sprintf(`{"PK_ID":%d,"CustName":"x","StateID":%s}`, o.customer.ID, big)), idField("customer", "StateID", big)},
			{"CustomerLinkMan PK_ID", "LinkMan/SaveLinkMan", vals("man", `{"PK_ID":`+big+`,"LinkManName":"x"}`), idField("man", "PK_ID", big)},
			{"CustomerLinkMan FK_CustID", "LinkMan/InsertLinkMan", vals("man", `{"FK_CustID":`+big+`,"LinkManName":"x"}`), idField("man", "FK_CustID", big)},
		} {
			if !strings.HasPrefix(c.handler, "ECommerce/") {
				c.params.Set("token", o.token)
			}
			before := dbState(e)
			_, body := e.call(http.MethodPost, c.handler, c.params)
			if want := qcyRefusal(c.handler, "10017", c.msg); string(body) != want {
				t.Errorf("%s: %s, want %s", c.name, body, want)
			}
			if dbState(e) != before {
				t.Errorf("%s wrote to the database", c.name)
			}
		}
	})
}

// A bad value of a megabyte is quoted in the answer by its first 32 characters only.
func TestQCYBadValuesQuotedShort(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedQCY(e)
		xs, nines := strings.Repeat("x", 1_000_000), strings.Repeat("9", 1_000_000)
		x32 := strings.Repeat("x", 32) + "…"
		plan := func(kv ...string) url.Values {
			return with(vals("title", "t", "customer_id", id(o.customer.ID), "type_id", "1", "route_id", "1",
				"link_man_id", id(o.contact.ID), "history_id", "0", "next_time", "2015-12-01 14:00:00"), kv...)
		}
		for _, c := range []struct {
			name, handler string
			params        url.Values
			code, msg     string
		}{
			{"Int32", "Customer/Get", vals("id", xs), "10017", `参数 id 应为 Int32, 实为 "` + x32 + `"`},
			{"flag", "Customer/AddCallHistory", with(callParams(o, url.Values{}), "callState", xs), "10017", `参数 callState 应为 Int32, 实为 "` + x32 + `"`},
			{"id list", "Customer/CancelShare", vals("strIds", xs), "10017", `参数 strIds 应为以逗号分隔的ID, 实为 "` + x32 + `"`},
			{"DateTime", "ContactPlan/InsertContactPlan", plan("next_time", xs), "10017", `参数 next_time 应为 yyyy-MM-dd HH:mm:ss, 实为 "` + x32 + `"`},
			{"object field", "Customer/Save", vals("json", `{"PK_ID":`+nines+`}`), "10017",
				"参数 json 的字段 PK_ID 应为 uint64, 实为 number " + strings.Repeat("9", 25) + "…"},
			{"object", "LinkMan/InsertLinkMan", vals("man", nines), "10017", "参数 man 应为 JSON 对象, 实为 number"},
			{"dictionary", "BaseType/GetBaseType", vals("par_id", xs), "10017", `参数 par_id 不是已知的字典: "` + x32 + `"`},
			{"ims", "Customer/UnIMSLock", vals("ims", xs), "20003", "ims " + x32 + " is not locked"},
		} {
			c.params.Set("token", o.token)
			before := dbState(e)
			_, body := e.call(http.MethodPost, c.handler, c.params)
			if want := qcyRefusal(c.handler, c.code, c.msg); string(body) != want {
				t.Errorf("%s: %d bytes: %.300s, want %s", c.name, len(body), body, want)
			}
			if dbState(e) != before {
				t.Errorf("%s wrote to the database", c.name)
			}
		}
		// A multipart body whose header line is a megabyte long: the parser's own error, cut short.
		body := "--X\r\n" + xs + "\r\n\r\nv\r\n--X--\r\n"
		_, answer := e.do(http.MethodPost, qcyBase+"Customer/Get.ashx?token="+o.token, "multipart/form-data; boundary=X", strings.NewReader(body))
		if !strings.HasPrefix(string(answer), `{"request":"`+qcyBase+`Customer/Get.ashx","error_code":"10017","error":"请求体无法解析: `) || len(answer) > 200 {
			t.Errorf("a megabyte header line: %d bytes: %.300s", len(answer), answer)
		}
	})
}

// Every DateTime parameter holds a day from 1000-01-02 to 9999-12-30, on both
// engines and in any tenant's time zone: outside it is 10017 naming the
// parameter, nothing written; the edges are kept and read back as written.
func TestQCYTimesWithinTheDays(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedQCY(e)
		ctx := context.Background()
		tok := func(p url.Values) url.Values { return with(p, "token", o.token) }
		plan := func(kv ...string) url.Values {
			return with(vals("title", "边界", "customer_id", id(o.customer.ID), "type_id", "1", "route_id", "1",
				"link_man_id", id(o.contact.ID), "history_id", "0", "next_time", "2015-12-01 14:00:00"), kv...)
		}
		pending := func() string {
			p, err := e.svc.AddContactPlan(ctx, o.ann, core.NewContactPlan{CustomerID: o.customer.ID, Title: "待办", PlannedAt: now})
			e.must(err)
			return id(p.ID)
		}
		execute := func(planID string, kv ...string) url.Values {
			return with(vals("plan_id", planID, "customer_id", id(o.customer.ID), "type_id", "3", "route_id", "1", "link_man_id", id(o.contact.ID),
				"title", "回访", "content", "已回访", "next_time", "2015-11-20 09:30:00"), kv...)
		}
		updateCall := func(kv ...string) url.Values {
			return with(vals("sCallNumber", "13800138000", "dCallTime", "2015-10-15 09:00:00", "bCallState", "1", "callType", "2", "teleIms", "1",
				"displayTel", "1", "endTime", "2015-10-15 09:05:00", "record", "0", "duration", "300", "addUserName", "ann"), kv...)
		}
		e.call(http.MethodPost, "Customer/AddCallHistory", tok(callParams(o, url.Values{}))) // the call UpdateCallHistory completes
		first, last := "1000-01-02 00:00:00", "9999-12-30 23:59:59"

		for _, zone := range []string{"Asia/Shanghai", "UTC"} { // in UTC, 0001-01-01 00:00:00 is Go's zero time
			e.must(e.db.Model(&core.Tenant{}).Where("id = ?", o.ann.TenantID).Update("time_zone", zone).Error)
			loc, err := time.LoadLocation(zone)
			e.must(err)
			saveTarget := pending()
			for _, c := range []struct {
				handler, param string
				params         func(v string) url.Values
			}{
				{"ContactPlan/InsertContactPlan", "next_time", func(v string) url.Values { return plan("next_time", v) }},
				{"ContactPlan/SaveContactPlan", "next_time", func(v string) url.Values { return execute(saveTarget, "next_time", v) }},
				{"Customer/AddCallHistory", "startTime", func(v string) url.Values { return with(callParams(o, url.Values{}), "startTime", v) }},
				{"Customer/AddCallHistory", "endTime", func(v string) url.Values { return with(callParams(o, url.Values{}), "endTime", v) }},
				{"Customer/UpdateCallHistory", "dCallTime", func(v string) url.Values { return updateCall("dCallTime", v) }},
				{"Customer/UpdateCallHistory", "endTime", func(v string) url.Values { return updateCall("endTime", v) }},
				{"Customer/InsertSms", "sendDate", func(v string) url.Values { return with(smsParams(o, url.Values{}), "sendDate", v) }},
			} {
				for _, v := range []string{"0000-01-01 00:00:00", "0001-01-01 00:00:00", "0999-12-31 23:59:59", "1000-01-01 23:59:59",
					"9999-12-31 00:00:00", "10000-01-01 00:00:00"} {
					msg := fmt.Sprintf("参数 %s 应在 1000-01-02 到 9999-12-30 之间, 实为 %q", c.param, v)
					if strings.HasPrefix(v, "10000") {
						msg = fmt.Sprintf("参数 %s 应为 yyyy-MM-dd HH:mm:ss, 实为 %q", c.param, v)
					}
					before := dbState(e)
					_, body := e.call(http.MethodPost, c.handler, tok(c.params(v)))
					if want := qcyRefusal(c.handler, "10017", msg); string(body) != want {
						t.Errorf("%s: %s %s %s: %s, want %s", zone, c.handler, c.param, v, body, want)
					}
					if dbState(e) != before {
						t.Errorf("%s: %s %s %s wrote to the database", zone, c.handler, c.param, v)
					}
				}
			}

			// The edges, written and read back.
			for _, v := range []string{first, last} {
				for _, p := range []struct {
					handler string
					params  url.Values
				}{
					{"ContactPlan/InsertContactPlan", plan("next_time", v)},
					{"ContactPlan/SaveContactPlan", execute(pending(), "next_time", v)},
				} {
					if _, body := e.call(http.MethodPost, p.handler, tok(p.params)); string(body) != "{\"value\":true}\n" {
						t.Errorf("%s: %s next_time %s: %s", zone, p.handler, v, body)
					}
					var newest core.ContactPlan
					e.must(e.db.Order("id DESC").Take(&newest).Error)
					_, body := e.call(http.MethodGet, "ContactPlan/GetContactPlan", tok(vals("id", id(newest.ID))))
					if !strings.Contains(string(body), `"NextTime":"`+v+`"`) {
						t.Errorf("%s: %s next_time %s read back as %s", zone, p.handler, v, body)
					}
				}
				if _, body := e.call(http.MethodPost, "Customer/InsertSms", tok(with(smsParams(o, url.Values{}), "sendDate", v))); string(body) != "{\"value\":true}\n" {
					t.Errorf("%s: InsertSms sendDate %s: %s", zone, v, body)
				}
				var sms core.SmsMessage
				e.must(e.db.Order("id DESC").Take(&sms).Error)
				if got := sms.SendAt.In(loc).Format(time.DateTime); got != v {
					t.Errorf("%s: sendDate %s stored as %s", zone, v, got)
				}
			}
			tel := "1380013" + strconv.Itoa(len(zone))
			for _, c := range []struct {
				handler string
				params  url.Values
			}{
				{"Customer/AddCallHistory", with(callParams(o, url.Values{}), "tel", tel, "startTime", first, "endTime", first)},
				{"Customer/UpdateCallHistory", updateCall("sCallNumber", tel, "dCallTime", first, "endTime", last)}, // finds the call by its start
			} {
				if _, body := e.call(http.MethodPost, c.handler, tok(c.params)); string(body) != "{\"value\":true}\n" {
					t.Errorf("%s: %s from %s: %s", zone, c.handler, first, body)
				}
			}
			var call core.CallRecord
			e.must(e.db.Where("tel = ?", tel).Take(&call).Error)
			if start, end := call.StartedAt.In(loc).Format(time.DateTime), call.EndedAt.In(loc).Format(time.DateTime); start != first || end != last || call.Duration != 300 {
				t.Errorf("%s: the call runs %s to %s (%ds), want %s to %s, completed", zone, start, end, call.Duration, first, last)
			}
		}
	})
}
