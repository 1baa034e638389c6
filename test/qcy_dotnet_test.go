package test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"crmgw/core"
)

// dotNetForm posts a form as .NET's HttpClient sends FormUrlEncodedContent:
// application/x-www-form-urlencoded, spaces as +.
func (e *env) dotNetForm(handler string, form url.Values) string {
	e.t.Helper()
	_, body := e.do(http.MethodPost, qcyBase+handler+".ashx", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	return string(body)
}

// dotNetWrite replays a .NET client's write, and reports whether it answered
// {"value":true}, its success, as the golden file qcy/dotnet_true.json has it.
func (e *env) dotNetWrite(handler string, form url.Values) (string, bool) {
	e.t.Helper()
	body := e.dotNetForm(handler, form)
	if body != "{\"value\":true}\n" {
		return body, false
	}
	clientReplay(e.t, "qcy/dotnet_true.json", []byte(body))
	return body, true
}

// qcyValue reads {"value": …} into v, failing on an error answer.
func qcyValue(t *testing.T, body string, v any) {
	t.Helper()
	var a struct{ Value json.RawMessage }
	if err := json.Unmarshal([]byte(body), &a); err != nil || a.Value == nil {
		t.Fatalf("not a value: %s", body)
	}
	if err := json.Unmarshal(a.Value, v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
}

// DateTime parameters as .NET clients write them — DateTime.ToString() in
// zh-CN, the ISO forms Json.NET and XmlConvert write, no seconds, a date or a
// time alone — are read as DateTime.Parse reads them, in the tenant's zone
// unless they carry an offset; the plan they schedule reads back at that time.
func TestQCYDotNetDateTimes(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedQCY(e)
		plan := func(title, nextTime string) url.Values {
			return vals("token", o.token, "plan_id", "0", "title", title, "customer_id", id(o.customer.ID), "type_id", "1", "route_id", "1",
				"link_man_id", id(o.contact.ID), "history_id", "0", "next_time", nextTime)
		}
		for i, c := range []struct{ sent, want string }{
			{"2013/5/5 10:25:30", "2013-05-05 10:25:30"},   // DateTime.ToString(), zh-CN
			{"2013-05-05T10:25:30", "2013-05-05 10:25:30"}, // Json.NET, a local DateTime
			{"2013-05-05T10:25:30.123", "2013-05-05 10:25:30"},
			{"2013-05-05T10:25:30.1234567+08:00", "2013-05-05 10:25:30"}, // DateTimeOffset, XmlConvert
			{"2013-05-05T02:25:30Z", "2013-05-05 10:25:30"},              // a UTC DateTime
			{"2013-05-05T10:25:30+09:00", "2013-05-05 09:25:30"},         // another zone's, in the tenant's
			{"2013-05-05 10:25:30 +0800", "2013-05-05 10:25:30"},
			{"2013-05-05 10:25", "2013-05-05 10:25:00"}, // no seconds
			{"2013-5-5 9:05:03", "2013-05-05 09:05:03"},
			{"2013/5/5", "2013-05-05 00:00:00"}, // a date alone: midnight
			{"10:25", "2015-10-15 10:25:00"},    // a time alone: today, in the tenant's zone
			{" 2013-05-05 10:25:30 ", "2013-05-05 10:25:30"},
		} {
			title := fmt.Sprintf("dotnet-%d", i)
			if body, ok := e.dotNetWrite("ContactPlan/InsertContactPlan", plan(title, c.sent)); !ok {
				t.Errorf("%q: %s", c.sent, body)
				continue
			}
			var p core.ContactPlan
			e.must(e.db.Where("title = ?", title).Take(&p).Error)
			var got struct{ NextTime string }
			qcyValue(t, e.dotNetForm("ContactPlan/GetContactPlan", vals("token", o.token, "id", id(p.ID))), &got)
			if got.NextTime != c.want {
				t.Errorf("%q reads back as %q, want %q", c.sent, got.NextTime, c.want)
			}
		}

		// By GET too, and on a call's start and end.
		_, body := e.get(qcyBase + "Customer/AddCallHistory.ashx?" + with(callParams(o, vals("token", o.token)), "startTime", "2013/5/5 10:25:30", "endTime", "10:27").Encode())
		var call core.CallRecord
		e.must(e.db.Order("id DESC").Take(&call).Error)
		if string(body) != "{\"value\":true}\n" || call.StartedAt.In(shanghai(e, "2015-01-01 00:00:00").Location()).Format("2006-01-02 15:04:05") != "2013-05-05 10:25:30" ||
			!call.EndedAt.Equal(shanghai(e, "2015-10-15 10:27:00")) {
			t.Errorf("AddCallHistory: %s, started %v, ended %v", body, call.StartedAt, call.EndedAt)
		}

		// What DateTime.Parse refuses is refused, naming the parameter, and nothing is written.
		for _, sent := range []string{"2013-02-30 10:00:00", "2013-05-05 24:00:00", "2013-05-05 10:60", "5/5/2013", "05/05/2013 10:25",
			"2013-05-05 10", "20130505", "2013-05-05T10:25:30+15:00", "2013-05-05 10:25:30 下午", "2013-13-01", "T10:25", "25:00", "now"} {
			before := dbState(e)
			want := qcyRefusal("ContactPlan/InsertContactPlan", "10017", fmt.Sprintf("参数 next_time 应为 yyyy-MM-dd HH:mm:ss, 实为 %q", strings.TrimSpace(sent)))
			if body := e.dotNetForm("ContactPlan/InsertContactPlan", plan("refused", sent)); body != want {
				t.Errorf("%q: %s, want %s", sent, body, want)
			}
			if dbState(e) != before {
				t.Errorf("%q wrote to the database", sent)
			}
		}
	})
}

// JSON objects as .NET clients build them — numbers and Booleans as strings,
// Booleans as 0/1, phone numbers as numbers — are read as Json.NET reads them
// into the CLR types; what Json.NET refuses is refused.
func TestQCYDotNetJSON(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedQCY(e)
		tok := func(kv ...string) url.Values { return vals(append([]string{"token", o.token}, kv...)...) }

		// Customer/Save: add, every number a string, the phone a number.
		if body, ok := e.dotNetWrite("Customer/Save", tok("json", `{"PK_ID":"0","CustName":"点网客户","Tel":13800138000,"Address":"上海",`+
			`"IndustryID":"2","SourceID":" 3 ","ProgressID":"+1","KindID":"","StateID":null,"IsPublic":"False","CDate":"2013-05-05T10:25:30"}`)); !ok {
			t.Fatalf("Customer/Save: %s", body)
		}
		var cu core.Customer
		e.must(e.db.Where("name = ?", "点网客户").Take(&cu).Error)
		body := e.dotNetForm("Customer/Get", tok("id", id(cu.ID)))
		clientReplay(t, "qcy/dotnet_customer_save_get.json", []byte(body))
		var got struct {
			Tel                              string
			IndustryID, SourceID, ProgressID uint64
			KindID, StateID                  uint64
		}
		qcyValue(t, body, &got)
		if got.Tel != "13800138000" || got.IndustryID != 2 || got.SourceID != 3 || got.ProgressID != 1 || got.KindID != 0 || got.StateID != 0 {
			t.Errorf("Customer/Save read back: %+v", got)
		}

		// Customer/Update: the id as a string, a Boolean as "false", the owner as a string.
		if body, ok := e.dotNetWrite("Customer/Update", tok("customer", fmt.Sprintf(`{"PK_ID":"%d","CustName":"点网客户改","Tel":"021-1","IsPublic":"false","FK_UserID":"%d","StateID":"02"}`,
			cu.ID, o.ann.UserID))); !ok {
			t.Fatalf("Customer/Update: %s", body)
		}
		var updated struct {
			CustName string
			StateID  uint64
		}
		qcyValue(t, e.dotNetForm("Customer/Get", tok("id", id(cu.ID))), &updated)
		if updated.CustName != "点网客户改" || updated.StateID != 2 {
			t.Errorf("Customer/Update read back: %+v", updated)
		}

		// LinkMan/InsertLinkMan: IsMainMan as 1, 0, "TRUE" and 2 (any number but 0 is true), the mobile a number.
		for i, c := range []struct {
			isMain string
			want   bool
		}{{"1", true}, {"0", false}, {`"TRUE"`, true}, {"2", true}, {`" false "`, false}, {"0.0", false}} {
			name := fmt.Sprintf("点网联系人%d", i)
			if body, ok := e.dotNetWrite("LinkMan/InsertLinkMan", tok("man", fmt.Sprintf(`{"PK_ID":0,"FK_CustID":"%d","LinkManName":%q,"Mobile":13900001111,"IsMainMan":%s}`,
				cu.ID, name, c.isMain))); !ok {
				t.Errorf("IsMainMan %s: %s", c.isMain, body)
				continue
			}
			var ct core.Contact
			e.must(e.db.Where("name = ?", name).Take(&ct).Error)
			var man struct {
				Mobile    string
				IsMainMan bool
			}
			qcyValue(t, e.dotNetForm("LinkMan/GetLinkMan", tok("id", id(ct.ID))), &man)
			if man.Mobile != "13900001111" || man.IsMainMan != c.want {
				t.Errorf("IsMainMan %s read back: %+v, want IsMainMan %v", c.isMain, man, c.want)
			}
		}

		// ContactHistory/Add: the ids as .NET's int.Parse takes them, signed and padded.
		title := "点网联系记录"
		var contact core.Contact
		e.must(e.db.Where("name = ?", "点网联系人0").Take(&contact).Error)
		if body, ok := e.dotNetWrite("ContactHistory/Add", tok("customer_id", "+"+id(cu.ID), "type_id", " 2", "route_id", "1 ", "link_man_id", id(contact.ID),
			"title", title, "content", "已联系")); !ok {
			t.Errorf("ContactHistory/Add: %s", body)
		}
		var h core.ContactHistory
		e.must(e.db.Where("title = ?", title).Take(&h).Error)
		var history struct {
			FK_CustID, TypeID uint64
			Title             string
		}
		qcyValue(t, e.dotNetForm("ContactHistory/Get", tok("id", id(h.ID))), &history)
		if history.FK_CustID != cu.ID || history.TypeID != 2 || history.Title != title {
			t.Errorf("ContactHistory/Add read back: %+v", history)
		}

		// What Json.NET refuses into those CLR types, refused naming the field; nothing written.
		for _, c := range []struct{ name, handler, param, object, msg string }{
			{"an Int32 from a decimal text", "Customer/Save", "json", `{"PK_ID":"1.5","CustName":"x"}`, `参数 json 的字段 PK_ID 应为 Int32, 实为 "1.5"`},
			{"an Int32 from a decimal", "Customer/Save", "json", `{"PK_ID":0,"CustName":"x","IndustryID":12.0}`, "参数 json 的字段 IndustryID 应为 uint64, 实为 number 12.0"},
			{"an Int32 from words", "Customer/Save", "json", `{"PK_ID":"zero","CustName":"x"}`, `参数 json 的字段 PK_ID 应为 Int32, 实为 "zero"`},
			{"an Int32 from a Boolean", "Customer/Save", "json", `{"PK_ID":0,"CustName":"x","SourceID":true}`, "参数 json 的字段 SourceID 应为 uint64, 实为 bool"},
			{"a Boolean from \"1\"", "Customer/Update", "customer", fmt.Sprintf(`{"PK_ID":%d,"CustName":"x","IsPublic":"1"}`, cu.ID), `参数 customer 的字段 IsPublic 应为 Boolean, 实为 "1"`},
			{"a Boolean from \"yes\"", "LinkMan/InsertLinkMan", "man", fmt.Sprintf(`{"FK_CustID":%d,"LinkManName":"x","IsMainMan":"yes"}`, cu.ID), `参数 man 的字段 IsMainMan 应为 Boolean, 实为 "yes"`},
			{"a string from an object", "Customer/Save", "json", `{"PK_ID":0,"CustName":{"zh":"x"}}`, "参数 json 的字段 CustName 应为 string, 实为 object"},
			{"a negative id", "Customer/Save", "json", `{"PK_ID":"-1","CustName":"x"}`, "参数 json 的字段 PK_ID 应为 uint64, 实为 number -1"},
		} {
			before := dbState(e)
			if body := e.dotNetForm(c.handler, tok(c.param, c.object)); body != qcyRefusal(c.handler, "10017", c.msg) {
				t.Errorf("%s: %s, want %s", c.name, body, qcyRefusal(c.handler, "10017", c.msg))
			}
			if dbState(e) != before {
				t.Errorf("%s wrote to the database", c.name)
			}
		}
	})
}
