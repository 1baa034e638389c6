package test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"crmgw/core"
)

const qcyBase = "/WebApi/Handler/1.0/CRM/"

// qcyOrg is the WebApi suite's tenant: ann with a customer, a contact, a
// follow-up and a contract; and another tenant with a customer of its own.
type qcyOrg struct {
	token, otherToken string
	ann               core.Caller
	customer          core.Customer
	contact           core.Contact
	history           core.ContactHistory
	plan              core.ContactPlan
	otherContact      core.Contact
	otherPlan         core.ContactPlan
	otherUserID       uint64
	otherHistory      core.ContactHistory
	contract          core.Contract
	otherCustomer     core.Customer
	otherContract     core.Contract
}

func seedQCY(e *env) qcyOrg {
	ctx := context.Background()
	o := qcyOrg{token: "7b0c5e8e-2f1a-4c39-9d3e-0a8d2b6c1f42"}
	caller := func(tenant, user, token string) core.Caller {
		tn, err := e.svc.EnsureTenant(ctx, tenant)
		e.must(err)
		d, err := e.svc.EnsureDepartment(ctx, tn.ID, "销售部")
		e.must(err)
		u, err := e.svc.EnsureUser(ctx, tn.ID, user, d.ID)
		e.must(err)
		tok, err := e.svc.RegisterToken(ctx, tn.ID, u.ID, token)
		e.must(err)
		c, err := e.svc.Authenticate(ctx, tok)
		e.must(err)
		return c
	}
	o.ann = caller("acme", "ann", o.token)
	var err error
	o.customer, err = e.svc.CreateCustomer(ctx, o.ann, core.NewCustomer{Name: "杭州云帆科技有限公司", Tel: "0571-88001234", Address: "杭州市西湖区 <A&B> 大厦"})
	e.must(err)
	o.contact, err = e.svc.CreateContact(ctx, o.ann, core.NewContact{CustomerID: o.customer.ID, Name: "王经理", IsMain: true})
	e.must(err)
	o.history, err = e.svc.AddContactHistory(ctx, o.ann, core.NewContactHistory{CustomerID: o.customer.ID, ContactID: o.contact.ID, TypeID: 1, RouteID: 1, Title: "首次拜访", Content: "介绍产品"})
	e.must(err)
	o.contract = oaContract(e, o.ann, "Q1", "云帆订阅", "19800", "2015-10-08", core.ContractExecuting)
	_, err = e.svc.CreateContact(ctx, o.ann, core.NewContact{CustomerID: o.customer.ID, Name: "李助理", Phone: "13900000000"})
	e.must(err)
	o.plan, err = e.svc.AddContactPlan(ctx, o.ann, core.NewContactPlan{CustomerID: o.customer.ID, ContactID: o.contact.ID,
		TypeID: 3, RouteID: 1, HistoryID: o.history.ID, Title: "售后回访", PlannedAt: time.Date(2015, 10, 20, 1, 30, 0, 0, time.UTC)})
	e.must(err)

	other := caller("other", "bob", "")
	o.otherUserID = other.UserID
	o.otherToken = "" // tenant B's token is only used through its caller's rows
	o.otherCustomer, err = e.svc.CreateCustomer(ctx, other, core.NewCustomer{Name: "B的客户", Tel: "0571-88001234"})
	e.must(err)
	o.otherContract = oaContract(e, other, "QB", "B的合同", "1", "2015-10-08", core.ContractExecuting)
	o.otherContact, err = e.svc.CreateContact(ctx, other, core.NewContact{CustomerID: o.otherCustomer.ID, Name: "B的联系人"})
	e.must(err)
	o.otherPlan, err = e.svc.AddContactPlan(ctx, other, core.NewContactPlan{CustomerID: o.otherCustomer.ID, Title: "B的计划", PlannedAt: now})
	e.must(err)
	o.otherHistory, err = e.svc.AddContactHistory(ctx, other, core.NewContactHistory{CustomerID: o.otherCustomer.ID, Title: "B的跟进"})
	e.must(err)
	return o
}

// call sends a handler request by GET (query) or POST (form), and returns status and body.
func (e *env) call(method, handler string, p url.Values) (int, []byte) {
	e.t.Helper()
	if method == http.MethodGet {
		return e.get(qcyBase + handler + ".ashx?" + p.Encode())
	}
	return e.postForm(qcyBase+handler+".ashx", p)
}

func vals(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return v
}

// TestQCYHandlers calls each served handler by GET and POST, in JSON and XML, against golden files.
func TestQCYHandlers(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedQCY(e)
		for _, c := range []struct {
			golden, handler string
			params          url.Values
		}{
			{"contacthistory_get", "ContactHistory/Get", vals("id", id(o.history.ID))},
			{"customer_get", "Customer/Get", vals("id", id(o.customer.ID))},
			{"customer_nameisrepeat_other", "Customer/NameIsRepeat", vals("sName", o.customer.Name, "id", "0")},
			{"customer_nameisrepeat_self", "Customer/NameIsRepeat", vals("sName", o.customer.Name, "id", id(o.customer.ID))},
			{"customer_telisrepeat", "Customer/TelIsRepeat", vals("tel", "0571-88001234", "id", "0")},
			{"customer_getalllist", "Customer/GetAllList", vals("pageIndex", "1")},
			{"customer_getalllist_page2", "Customer/GetAllList", vals("PAGEINDEX", "2", "pagesize", "1")},
			{"contactplan_get", "ContactPlan/GetContactPlan", vals("id", id(o.plan.ID))},
			{"contactplan_count", "ContactPlan/GetContactPlanCount", nil},
			{"linkman_getlist", "LinkMan/GetList", vals("custId", id(o.customer.ID))},
			{"linkman_getlinkmanlist", "LinkMan/GetLinkManList", vals("cust_id", id(o.customer.ID))},
			{"linkman_getlinkman", "LinkMan/GetLinkMan", vals("id", id(o.contact.ID))},
			{"basetype_contact_types", "BaseType/GetBaseType", vals("par_id", "1")},
			{"basetype_contact_routes", "BaseType/GetBaseType", vals("PAR_ID", "ContactRoute")},
			{"customertype_top", "CustomerType/GetTypeList", vals("parent_id", "0")},
			{"customertype_children", "CustomerType/GetTypeList", vals("parent_id", "1")},
			{"customersign_default", "CustomerSign/GetClientSignDefault", nil},
			{"customersign_kinds", "CustomerSign/GetCustTypeBdefault", nil},
		} {
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				for _, format := range []string{"json", "xml"} {
					p := vals("token", o.token, "format", format)
					for k, v := range c.params {
						p[k] = v
					}
					status, body := e.call(method, c.handler, p)
					if status != http.StatusOK {
						t.Errorf("%s %s %s: HTTP %d %s", method, c.handler, format, status, body)
					}
					golden(t, "qcy/"+c.golden+"."+format, body)
					if format == "xml" {
						wellFormed(t, body)
					}
				}
			}
		}
	})
}

func wellFormed(t *testing.T, body []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		_, err := d.Token()
		if err != nil {
			if err.Error() != "EOF" {
				t.Errorf("XML not well formed: %v\n%s", err, body)
			}
			return
		}
	}
}

func TestQCYWrites(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedQCY(e)
		tok := func(kv ...string) url.Values { return vals(append([]string{"token", o.token}, kv...)...) }
		ctx := context.Background()

		// ContactHistory/Add, parameter names in any case, by POST.
		status, body := e.call(http.MethodPost, "ContactHistory/Add", tok("Customer_ID", fmt.Sprint(o.customer.ID),
			"TYPE_ID", "2", "route_id", "1", "link_man_id", fmt.Sprint(o.contact.ID), "title", "回访", "content", "满意"))
		golden(t, "qcy/contacthistory_add.json", body)
		var n int64
		e.must(e.db.Model(&core.ContactHistory{}).Where("title = ?", "回访").Count(&n).Error)
		if status != http.StatusOK || n != 1 {
			t.Errorf("ContactHistory/Add: HTTP %d, %d rows", status, n)
		}

		// Customer/Save: add (PK_ID 0), then update by GET in XML.
		status, body = e.call(http.MethodPost, "Customer/Save", tok("json", `{"PK_ID":0,"CustName":"新客户","Tel":"13800000000","KindID":3}`))
		golden(t, "qcy/customer_save.json", body)
		var saved core.Customer
		e.must(e.db.Where("name = ?", "新客户").Take(&saved).Error)
		if status != http.StatusOK || saved.OwnerID != o.ann.UserID || saved.CategoryID != 3 {
			t.Errorf("Customer/Save add: HTTP %d, %+v", status, saved)
		}
		_, body = e.call(http.MethodGet, "Customer/Save", tok("format", "xml", "json", fmt.Sprintf(`{"PK_ID":%d,"CustName":"改名客户","Tel":"13800000001"}`, saved.ID)))
		golden(t, "qcy/customer_save.xml", body)
		cu, err := e.svc.GetCustomer(ctx, o.ann, saved.ID)
		e.must(err)
		if cu.Name != "改名客户" || cu.Tel != "13800000001" {
			t.Errorf("Customer/Save update: %+v", cu)
		}

		// Contract/ContractUnAudit, ContractAudit, StopContract.
		for _, c := range []struct{ handler, golden, approve, status string }{
			{"Contract/ContractUnAudit", "contract_unaudit", core.ApprovalApplying, core.ContractExecuting},
			{"Contract/ContractAudit", "contract_audit", core.ApprovalApproved, core.ContractExecuting},
			{"Contract/StopContract", "contract_stop", core.ApprovalApproved, core.ContractTerminated},
		} {
			_, body := e.call(http.MethodGet, c.handler, tok("id", fmt.Sprint(o.contract.ID)))
			golden(t, "qcy/"+c.golden+".json", body)
			var k core.Contract
			e.must(e.db.Where("id = ?", o.contract.ID).Take(&k).Error)
			if k.ApproveStatus != c.approve || k.Status != c.status {
				t.Errorf("%s: approve %s status %s, want %s %s", c.handler, k.ApproveStatus, k.Status, c.approve, c.status)
			}
		}

		// ContactPlan: carry out the pending plan, then insert one by hand.
		status, body = e.call(http.MethodPost, "ContactPlan/SaveContactPlan", tok("plan_id", fmt.Sprint(o.plan.ID), "customer_id", fmt.Sprint(o.customer.ID),
			"type_id", "3", "route_id", "1", "link_man_id", fmt.Sprint(o.contact.ID), "title", "售后回访", "content", "已回访", "next_time", "2015-11-20 09:30:00"))
		golden(t, "qcy/contactplan_save.json", body)
		var done core.ContactPlan
		e.must(e.db.Where("id = ?", o.plan.ID).Take(&done).Error)
		var next core.ContactPlan
		e.must(e.db.Where("done_at IS NULL AND user_id = ?", o.ann.UserID).Take(&next).Error)
		if status != http.StatusOK || done.DoneAt == nil || next.PlannedAt.UTC().Format("2006-01-02 15:04") != "2015-11-20 01:30" || next.HistoryID == 0 {
			t.Errorf("SaveContactPlan: HTTP %d, done %v, next %+v", status, done.DoneAt, next)
		}
		_, body = e.call(http.MethodGet, "ContactPlan/InsertContactPlan", tok("plan_id", "0", "title", "签约", "customer_id", fmt.Sprint(o.customer.ID),
			"type_id", "1", "route_id", "4", "link_man_id", fmt.Sprint(o.contact.ID), "history_id", "0", "next_time", "2015-12-01 14:00:00", "format", "xml"))
		golden(t, "qcy/contactplan_insert.xml", body)
		if _, body = e.call(http.MethodGet, "ContactPlan/GetContactPlanCount", tok()); string(body) != "{\"value\":2}\n" {
			t.Errorf("pending plans after save and insert: %s, want 2", body)
		}

		// Customer/Update.
		_, body = e.call(http.MethodPost, "Customer/Update", tok("tran", "ignored", "customer", fmt.Sprintf(`{"PK_ID":%d,"CustName":"云帆科技","Tel":"0571-1","StateID":2}`, o.customer.ID)))
		golden(t, "qcy/customer_update.json", body)
		cu, err = e.svc.GetCustomer(ctx, o.ann, o.customer.ID)
		e.must(err)
		if cu.Name != "云帆科技" || cu.StatusID != 2 {
			t.Errorf("Customer/Update: %+v", cu)
		}

		// LinkMan: insert a new main contact, update it, cancel its mark, delete it.
		_, body = e.call(http.MethodPost, "LinkMan/InsertLinkMan", tok("man", fmt.Sprintf(`{"FK_CustID":%d,"LinkManName":"赵总","Mobile":"13700000000","IsMainMan":true}`, o.customer.ID)))
		golden(t, "qcy/linkman_insert.json", body)
		var zhao, wang core.Contact
		e.must(e.db.Where("name = ?", "赵总").Take(&zhao).Error)
		e.must(e.db.Where("id = ?", o.contact.ID).Take(&wang).Error)
		if !zhao.IsMain || wang.IsMain {
			t.Errorf("a new main contact must take the mark: zhao %v, wang %v", zhao.IsMain, wang.IsMain)
		}
		_, body = e.call(http.MethodPost, "LinkMan/SaveLinkMan", tok("man", fmt.Sprintf(`{"PK_ID":%d,"FK_CustID":%d,"LinkManName":"赵总经理","Post":"总经理","IsMainMan":true}`, zhao.ID, o.otherCustomer.ID)))
		golden(t, "qcy/linkman_save.json", body)
		e.must(e.db.Where("id = ?", zhao.ID).Take(&zhao).Error)
		if zhao.Name != "赵总经理" || zhao.Title != "总经理" || zhao.CustomerID != o.customer.ID {
			t.Errorf("SaveLinkMan: %+v (a contact must not move to another customer)", zhao)
		}
		for _, c := range []struct{ handler, golden, want string }{
			{"LinkMan/CancelMainMan", "linkman_cancelmain", "{\"value\":1}\n"},
			{"LinkMan/CancelMainMan", "linkman_cancelmain_again", "{\"value\":0}\n"},
			{"LinkMan/DeleteLinkMan", "linkman_delete", "{\"value\":1}\n"},
		} {
			_, body = e.call(http.MethodGet, c.handler, tok("id", fmt.Sprint(zhao.ID)))
			golden(t, "qcy/"+c.golden+".json", body)
			if string(body) != c.want {
				t.Errorf("%s: %s, want %s", c.golden, body, c.want)
			}
		}

		// Sale/SetPublicCust through the /OM prefix, multipart.
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, v := range map[string]string{"token": o.token, "pkidList": fmt.Sprintf("%d,%d", o.customer.ID, saved.ID)} {
			e.must(mw.WriteField(k, v))
		}
		e.must(mw.Close())
		status, body = e.do(http.MethodPost, "/OM"+qcyBase+"Sale/SetPublicCust.ashx", mw.FormDataContentType(), &buf)
		golden(t, "qcy/sale_setpubliccust.json", body)
		var public int64
		e.must(e.db.Model(&core.Customer{}).Where("is_public = ? AND owner_id = 0", true).Count(&public).Error)
		if status != http.StatusOK || public != 2 {
			t.Errorf("SetPublicCust: HTTP %d, %d public customers", status, public)
		}
	})
}

type qcyErr struct {
	Request   string `json:"request"`
	ErrorCode string `json:"error_code"`
	Error     string `json:"error"`
}

// dbState is every table a WebApi call could write, for "nothing written" checks.
func dbState(e *env) string {
	var parts []string
	for _, rows := range []any{&[]core.Customer{}, &[]core.ContactHistory{}, &[]core.Contract{}, &[]core.Contact{}, &[]core.ContactPlan{},
		&[]core.CallRecord{}, &[]core.ImsLock{}, &[]core.SmsMessage{}, &[]core.CustomerCollection{}, &[]core.CustomerShare{}} {
		e.must(e.db.Find(rows).Error) // primary key order on both engines
		b, err := json.Marshal(rows)
		e.must(err)
		parts = append(parts, string(b))
	}
	return strings.Join(parts, "\n")
}

func TestQCYErrorsWriteNothing(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedQCY(e)
		tok := func(kv ...string) url.Values { return vals(append([]string{"token", o.token}, kv...)...) }
		cust, hist := fmt.Sprint(o.customer.ID), fmt.Sprint(o.history.ID)
		addHistory := func(drop string, kv ...string) url.Values {
			p := tok("customer_id", cust, "type_id", "1", "route_id", "1", "link_man_id", fmt.Sprint(o.contact.ID), "title", "t", "content", "c")
			p.Del(drop)
			for i := 0; i < len(kv); i += 2 {
				p.Set(kv[i], kv[i+1])
			}
			return p
		}
		call := func(p url.Values, kv ...string) url.Values {
			return with(callParams(o, p), kv...)
		}
		sms := func(p url.Values, kv ...string) url.Values {
			return with(smsParams(o, p), kv...)
		}
		for _, c := range []struct {
			name, handler string
			params        url.Values
			status        int
			code          string
		}{
			{"no token", "Customer/Get", vals("id", cust), 200, "21332"},
			{"token -1 before login", "Customer/Get", vals("token", "-1", "id", cust), 200, "21332"},
			{"unknown token", "ContactHistory/Get", vals("token", "nope", "id", hist), 200, "21332"},
			{"missing id", "Customer/Get", tok(), 200, "10016"},
			{"id not a number", "Customer/Get", tok("id", "abc"), 200, "10017"},
			{"id beyond Int32", "Customer/Get", tok("id", "99999999999"), 200, "10017"},
			{"unknown customer", "Customer/Get", tok("id", "999999"), 200, "20003"},
			{"other tenant's customer", "Customer/Get", tok("id", fmt.Sprint(o.otherCustomer.ID)), 200, "20003"},
			{"other tenant's contract audit", "Contract/ContractAudit", tok("id", fmt.Sprint(o.otherContract.ID)), 200, "20003"},
			{"other tenant's contract unaudit", "Contract/ContractUnAudit", tok("id", fmt.Sprint(o.otherContract.ID)), 200, "20003"},
			{"update another tenant's customer", "Customer/Update", tok("customer", fmt.Sprintf(`{"PK_ID":%d,"CustName":"x"}`, o.otherCustomer.ID)), 200, "20003"},
			{"contact list of another tenant's customer", "LinkMan/GetLinkManList", tok("cust_id", fmt.Sprint(o.otherCustomer.ID)), 200, "20003"},
			{"other tenant's follow-up", "ContactHistory/Get", tok("id", fmt.Sprint(o.otherHistory.ID)), 200, "20003"},
			{"other tenant's contract stop", "Contract/StopContract", tok("id", fmt.Sprint(o.otherContract.ID)), 200, "20003"},
			{"history missing title", "ContactHistory/Add", addHistory("title"), 200, "10016"},
			{"history type not a number", "ContactHistory/Add", addHistory("", "type_id", "x"), 200, "10017"},
			{"history of another tenant's customer", "ContactHistory/Add", addHistory("", "customer_id", fmt.Sprint(o.otherCustomer.ID)), 200, "20003"},
			{"history with a contact of no such customer", "ContactHistory/Add", addHistory("", "link_man_id", "999999"), 200, "20003"},
			{"save bad json", "Customer/Save", tok("json", "{not json"), 200, "10017"},
			{"save without name", "Customer/Save", tok("json", `{"PK_ID":0,"CustName":""}`), 200, "10017"},
			{"save another tenant's customer", "Customer/Save", tok("json", fmt.Sprintf(`{"PK_ID":%d,"CustName":"x"}`, o.otherCustomer.ID)), 200, "20003"},
			{"public pool with one foreign id", "Sale/SetPublicCust", tok("pkidList", cust+","+fmt.Sprint(o.otherCustomer.ID)), 200, "20003"},
			{"public pool with a bad list", "Sale/SetPublicCust", tok("pkidList", cust+",x"), 200, "10017"},
			{"unknown handler", "Customer/Nothing", tok(), 404, "10020"},
			{"other tenant's plan", "ContactPlan/GetContactPlan", tok("id", fmt.Sprint(o.otherPlan.ID)), 200, "20003"},
			{"execute other tenant's plan", "ContactPlan/SaveContactPlan", addHistory("", "plan_id", fmt.Sprint(o.otherPlan.ID), "next_time", "2015-11-01 10:00:00"), 200, "20003"},
			{"execute with a bad next_time", "ContactPlan/SaveContactPlan", addHistory("", "plan_id", fmt.Sprint(o.plan.ID), "next_time", "2015/11/31"), 200, "10017"},
			{"execute without next_time", "ContactPlan/SaveContactPlan", addHistory("", "plan_id", fmt.Sprint(o.plan.ID)), 200, "10016"},
			{"insert plan for another tenant's customer", "ContactPlan/InsertContactPlan", addHistory("content", "customer_id", fmt.Sprint(o.otherCustomer.ID), "link_man_id", fmt.Sprint(o.otherContact.ID), "history_id", "0", "next_time", "2015-11-01 10:00:00"), 200, "20003"},
			{"page size over 100", "Customer/GetAllList", tok("pageIndex", "1", "pageSize", "101"), 200, "10017"},
			{"page index missing", "Customer/GetAllList", tok(), 200, "10016"},
			{"contacts of another tenant's customer", "LinkMan/GetList", tok("custId", fmt.Sprint(o.otherCustomer.ID)), 200, "20003"},
			{"another tenant's contact", "LinkMan/GetLinkMan", tok("id", fmt.Sprint(o.otherContact.ID)), 200, "20003"},
			{"delete another tenant's contact", "LinkMan/DeleteLinkMan", tok("id", fmt.Sprint(o.otherContact.ID)), 200, "20003"},
			{"cancel another tenant's main contact", "LinkMan/CancelMainMan", tok("id", fmt.Sprint(o.otherContact.ID)), 200, "20003"},
			{"save another tenant's contact", "LinkMan/SaveLinkMan", tok("man", fmt.Sprintf(`{"PK_ID":%d,"LinkManName":"x"}`, o.otherContact.ID)), 200, "20003"},
			{"insert contact for another tenant's customer", "LinkMan/InsertLinkMan", tok("man", fmt.Sprintf(`{"FK_CustID":%d,"LinkManName":"x"}`, o.otherCustomer.ID)), 200, "20003"},
			{"insert contact without a name", "LinkMan/InsertLinkMan", tok("man", fmt.Sprintf(`{"FK_CustID":%d}`, o.customer.ID)), 200, "10017"},
			{"update without PK_ID", "Customer/Update", tok("customer", `{"CustName":"x"}`), 200, "10017"},
			{"cancel share of another tenant's customer", "Customer/CancelShare", tok("strIds", fmt.Sprint(o.otherCustomer.ID)), 200, "20003"},
			{"remove collection of another tenant's customer", "Customer/RemoveCollection", tok("userId", fmt.Sprint(o.ann.UserID), "custIdString", cust+","+fmt.Sprint(o.otherCustomer.ID)), 200, "20003"},
			{"identity on another tenant's customer", "Customer/SetCustIdentity", tok("identityId", "1", "custId", fmt.Sprint(o.otherCustomer.ID)), 200, "20003"},
			{"call with a bad callType", "Customer/AddCallHistory", call(tok(), "callType", "3"), 200, "10017"},
			{"call ending before it starts", "Customer/AddCallHistory", call(tok(), "endTime", "2015-10-15 08:00:00"), 200, "10017"},
			{"call of another tenant's user", "Customer/AddCallHistory", call(tok(), "userID", fmt.Sprint(o.otherUserID)), 200, "20003"},
			{"call without ims", "Customer/AddCallHistory", call(tok(), "ims", ""), 200, "10016"},
			{"update of a call never made", "Customer/UpdateCallHistory", tok("sCallNumber", "110", "dCallTime", "2015-10-15 09:00:00", "bCallState", "1", "callType", "2", "teleIms", "1", "displayTel", "1", "endTime", "2015-10-15 09:01:00", "record", "0", "duration", "60", "addUserName", "ann"), 200, "20003"},
			{"lock for another tenant's user", "Customer/IMSLock", tok("userID", fmt.Sprint(o.otherUserID), "ims", "95566"), 200, "20003"},
			{"unlock a number never locked", "Customer/UnIMSLock", tok("ims", "95566"), 200, "20003"},
			{"sms with a bad sendType", "Customer/InsertSms", sms(tok(), "sendType", "9"), 200, "10017"},
			{"sms without template", "Customer/InsertSms", sms(tok(), "messageTempleID", ""), 200, "10016"},
			{"unknown dictionary", "BaseType/GetBaseType", tok("par_id", "Planets"), 200, "10017"},
			{"dictionary not named", "BaseType/GetBaseType", tok(), 200, "10016"},
			{"customer type parent not a number", "CustomerType/GetTypeList", tok("parent_id", "x"), 200, "10017"},
			{"sms from another tenant's user", "Customer/InsertSms", sms(tok(), "senderID", fmt.Sprint(o.otherUserID)), 200, "20003"},
		} {
			for _, format := range []string{"json", "xml"} {
				before := dbState(e)
				p := url.Values{}
				for k, v := range c.params {
					p[k] = v
				}
				p.Set("format", format)
				status, body := e.call(http.MethodPost, c.handler, p)
				var got qcyErr
				if format == "json" {
					e.must(json.Unmarshal(body, &got))
				} else {
					var x struct {
						XMLName xml.Name `xml:"root"`
						qcyErr
						Code string `xml:"error_code"`
						Msg  string `xml:"error"`
						Req  string `xml:"request"`
					}
					if err := xml.Unmarshal(body, &x); err != nil {
						t.Fatalf("%s: XML error answer: %v\n%s", c.name, err, body)
					}
					got = qcyErr{Request: x.Req, ErrorCode: x.Code, Error: x.Msg}
				}
				if status != c.status || got.ErrorCode != c.code || got.Error == "" || got.Request != qcyBase+c.handler+".ashx" {
					t.Errorf("%s (%s): HTTP %d %s, want HTTP %d error_code %s", c.name, format, status, body, c.status, c.code)
				}
				if after := dbState(e); after != before {
					t.Errorf("%s (%s) wrote to the database", c.name, format)
				}
			}
		}
		_, body := e.call(http.MethodGet, "Customer/Get", tok("format", "xml"))
		golden(t, "qcy/error_missing.xml", body)
		_, body = e.call(http.MethodGet, "Customer/Get", tok())
		golden(t, "qcy/error_missing.json", body)
	})
}

// A customer saved through the WebApi and a contract audited there are seen,
// with the same figures, through the OA's contracts/count.
func TestCrossDialectQCYToOA(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedQCY(e)
		tok := func(kv ...string) url.Values { return vals(append([]string{"token", o.token}, kv...)...) }
		if _, body := e.call(http.MethodPost, "Customer/Save", tok("json", `{"CustName":"跨方言客户","Tel":"1"}`)); !strings.Contains(string(body), `"value":true`) {
			t.Fatalf("Customer/Save: %s", body)
		}
		var cu core.Customer
		e.must(e.db.Where("name = ?", "跨方言客户").Take(&cu).Error)
		k, err := e.svc.CreateContract(context.Background(), o.ann, core.NewContract{Title: "跨方言合同", SN: "X-1", CustomerID: cu.ID,
			TotalAmount: mustMoney(e, "66000.5"), SignDate: mustDate(e, "2015-10-09"), StartDate: mustDate(e, "2015-10-09"),
			EndDate: mustDate(e, "2016-10-09"), ApproveStatus: core.ApprovalApplying})
		e.must(err)
		oaPay(e, o.ann, k, core.PaymentIn, "6000.25", "2015-10-10")
		if _, body := e.call(http.MethodGet, "Contract/ContractAudit", tok("id", fmt.Sprint(k.ID))); !strings.Contains(string(body), `"value":true`) {
			t.Fatalf("ContractAudit: %s", body)
		}
		_, body := e.get("/oa/crm/contracts/count?access_token=" + o.token + "&year=2015&month=10&flag=0")
		golden(t, "cross/qcy_to_oa_count", body)
		if !strings.Contains(string(body), `"name":"跨方言合同","amount":"66000.50","totalin":"6000.25","totalout":"0.00","status":0`) {
			t.Errorf("the OA does not see the WebApi's contract: %s", body)
		}
	})
}

// with returns p with the given pairs set; an empty value removes the parameter.
func with(p url.Values, kv ...string) url.Values {
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == "" {
			p.Del(kv[i])
		} else {
			p.Set(kv[i], kv[i+1])
		}
	}
	return p
}

// callParams are a valid Customer/AddCallHistory call by ann.
func callParams(o qcyOrg, p url.Values) url.Values {
	return with(p, "callState", "1", "tel", "13800138000", "userID", fmt.Sprint(o.ann.UserID), "remark", "咨询价格",
		"callType", "2", "startTime", "2015-10-15 09:00:00", "endTime", "2015-10-15 09:05:00", "record", "1",
		"duration", "300", "ims", "057188880000", "userName", "ann")
}

// smsParams are a valid Customer/InsertSms call by ann.
func smsParams(o qcyOrg, p url.Values) url.Values {
	return with(p, "senderID", fmt.Sprint(o.ann.UserID), "mobilePhone", "13800138000", "receiveName", "王经理",
		"sendDate", "2015-10-16 09:00:00", "content", "您好 {1}", "sendType", "1", "messageTempleID", "T001",
		"value1", "王经理", "value3", "三")
}

func TestQCYCallsAndCollections(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedQCY(e)
		tok := func(kv ...string) url.Values { return vals(append([]string{"token", o.token}, kv...)...) }
		cust := fmt.Sprint(o.customer.ID)
		for _, c := range []struct {
			handler string
			params  url.Values
		}{
			{"Customer/SetCustIdentity", tok("identityId", "2", "custId", cust)},
			{"Customer/SetCustIdentity", tok("identityId", "3", "custId", cust)},
			{"Customer/AddCallHistory", callParams(o, tok())},
			{"Customer/UpdateCallHistory", tok("sCallNumber", "13800138000", "dCallTime", "2015-10-15 09:00:00", "bCallState", "0", "callType", "2",
				"teleIms", "057188880001", "displayTel", "057188880002", "endTime", "2015-10-15 09:10:00", "record", "0", "duration", "600", "addUserName", "安")},
			{"Customer/IMSLock", tok("userID", fmt.Sprint(o.ann.UserID), "ims", "95566")},
			{"Customer/IMSLock", tok("userID", fmt.Sprint(o.ann.UserID), "ims", "95566")},
			{"Customer/InsertSms", smsParams(o, tok())},
			{"Customer/CancelShare", tok("strIds", cust)},
		} {
			for _, format := range []string{"json", "xml"} {
				p := with(url.Values{}, "format", format)
				for k, v := range c.params {
					p[k] = v
				}
				status, body := e.call(http.MethodPost, c.handler, p)
				golden(t, "qcy/true."+format, body)
				if status != http.StatusOK {
					t.Errorf("%s: HTTP %d", c.handler, status)
				}
			}
		}
		var col core.CustomerCollection
		e.must(e.db.Take(&col).Error)
		if col.IdentityID != 3 || col.UserID != o.ann.UserID {
			t.Errorf("collection = %+v, want identity 3 for ann", col)
		}
		var calls []core.CallRecord
		e.must(e.db.Find(&calls).Error)
		// Two calls (one by JSON, one by XML) at the same time: UpdateCallHistory completes the latest.
		if len(calls) != 2 || !calls[0].Answered || calls[0].Duration != 300 ||
			calls[1].Answered || calls[1].Duration != 600 || calls[1].DisplayTel != "057188880002" || calls[1].UserName != "安" ||
			calls[1].StartedAt.UTC().Format(time.DateTime) != "2015-10-15 01:00:00" {
			t.Errorf("calls = %+v, want the second completed by UpdateCallHistory", calls)
		}
		var sms core.SmsMessage
		e.must(e.db.Take(&sms).Error)
		if sms.TemplateValues != `["王经理","","三","","",""]` || sms.Schedule != 1 || sms.ReceiverName != "王经理" {
			t.Errorf("sms = %+v", sms)
		}
		if status, _ := e.call(http.MethodGet, "Customer/UnIMSLock", tok("ims", "95566")); status != http.StatusOK {
			t.Errorf("UnIMSLock: HTTP %d", status)
		}
		var locks int64
		e.must(e.db.Model(&core.ImsLock{}).Count(&locks).Error)
		if locks != 0 {
			t.Errorf("%d locks left after UnIMSLock", locks)
		}
		_, body := e.call(http.MethodPost, "Customer/RemoveCollection", tok("userId", fmt.Sprint(o.ann.UserID), "custIdString", cust))
		var cols int64
		e.must(e.db.Model(&core.CustomerCollection{}).Count(&cols).Error)
		if string(body) != "{\"value\":true}\n" || cols != 0 {
			t.Errorf("RemoveCollection: %s, %d collections left", body, cols)
		}
		// Another user locking a number already locked: a conflict, nothing written.
		bob, err := e.svc.EnsureUser(context.Background(), o.ann.TenantID, "bob", 0)
		e.must(err)
		e.call(http.MethodPost, "Customer/IMSLock", tok("userID", fmt.Sprint(o.ann.UserID), "ims", "95566"))
		_, body = e.call(http.MethodPost, "Customer/IMSLock", tok("userID", fmt.Sprint(bob.ID), "ims", "95566"))
		if !strings.Contains(string(body), `"error_code":"20019"`) {
			t.Errorf("locking another user's number: %s, want 20019", body)
		}
	})
}

// The contact types and routes keep the doc's own ids (1 销售联系 … 7 实施培训; 1 电话 … 4 上门),
// which the golden files normalise away.
func TestQCYDictionaryIDsAreTheDocs(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedQCY(e)
		for par, want := range map[string]string{"1": "1 销售联系,2 客户关怀,3 售后回访,4 投诉回访,5 服务支持,6 维修维护,7 实施培训", "2": "1 电话,2 信函,3 邮件,4 上门"} {
			_, body := e.call(http.MethodGet, "BaseType/GetBaseType", vals("token", o.token, "par_id", par))
			var a struct{ Value []BaseTypeWire }
			e.must(json.Unmarshal(body, &a))
			var got []string
			for _, b := range a.Value {
				got = append(got, fmt.Sprintf("%d %s", b.PK_ID, b.TypeName))
			}
			if strings.Join(got, ",") != want {
				t.Errorf("par_id %s: %s, want %s", par, strings.Join(got, ","), want)
			}
		}
	})
}

type BaseTypeWire struct {
	PK_ID    uint64
	TypeName string
}

func TestQCYTokenGet(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedQCY(e)
		e.must(e.svc.SetPassword(context.Background(), o.ann.TenantID, "ann", "s3cret"))
		org := fmt.Sprint(o.ann.TenantID)
		status, body := e.get("/WebApi/Handler/1.0/Token/Get.ashx?format=json&org_id=" + org + "&login_name=ann&password=s3cret")
		var a struct{ Value string }
		e.must(json.Unmarshal(body, &a))
		if status != http.StatusOK || !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(a.Value) {
			t.Fatalf("Token/Get: HTTP %d %s, want a GUID", status, body)
		}
		if _, body := e.call(http.MethodGet, "Customer/Get", vals("token", a.Value, "id", fmt.Sprint(o.customer.ID))); !strings.Contains(string(body), `"CustName"`) {
			t.Errorf("the issued token does not work: %s", body)
		}
		for name, q := range map[string]string{
			"wrong password": "org_id=" + org + "&login_name=ann&password=nope",
			"unknown user":   "org_id=" + org + "&login_name=nobody&password=s3cret",
			"wrong org":      "org_id=99999&login_name=ann&password=s3cret",
		} {
			_, body := e.postForm("/OM/WebApi/Handler/1.0/Token/Get.ashx", mustQuery(t, q))
			if !strings.Contains(string(body), `"error_code":"21301"`) {
				t.Errorf("%s: %s, want 21301", name, body)
			}
		}
		_, body = e.get("/WebApi/Handler/1.0/Token/Get.ashx?format=xml&org_id=" + org + "&login_name=ann")
		golden(t, "qcy/token_get_missing.xml", body)
		e.clock.t = now.Add(8 * 24 * time.Hour)
		if _, body := e.call(http.MethodGet, "Customer/Get", vals("token", a.Value, "id", fmt.Sprint(o.customer.ID))); !strings.Contains(string(body), `"error_code":"21332"`) {
			t.Errorf("an expired token still works: %s", body)
		}
	})
}

func mustQuery(t *testing.T, q string) url.Values {
	v, err := url.ParseQuery(q)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// docHandlers are the 39 handlers qcy-webapi-crm.md lists, in its order.
var docHandlers = []string{
	"BaseType/GetBaseType", "ContactHistory/Get", "ContactHistory/Add",
	"ContactPlan/SaveContactPlan", "ContactPlan/GetContactPlan", "ContactPlan/GetContactPlanCount", "ContactPlan/InsertContactPlan",
	"Contract/SampleGiftAuditById", "Contract/SampleGiftUnAuditById", "Contract/ContractAudit", "Contract/ContractUnAudit", "Contract/StopContract",
	"Customer/CancelShare", "Customer/RemoveCollection", "Customer/SetCustIdentity", "Customer/GetAllList", "Customer/AddCallHistory",
	"Customer/IMSLock", "Customer/UnIMSLock", "Customer/InsertSms", "Customer/UpdateCallHistory", "Customer/NameIsRepeat",
	"Customer/Get", "Customer/Update", "Customer/Save", "Customer/TelIsRepeat",
	"CustomerSign/GetClientSignDefault", "CustomerSign/GetCustTypeBdefault", "CustomerType/GetTypeList",
	"ECommerce/UpdateBaseInfoHit", "ECommerce/AddMessageBoard",
	"LinkMan/GetList", "LinkMan/CancelMainMan", "LinkMan/GetLinkManList", "LinkMan/GetLinkMan", "LinkMan/SaveLinkMan",
	"LinkMan/InsertLinkMan", "LinkMan/DeleteLinkMan", "Sale/SetPublicCust",
}

// Every handler of the doc is served, at both bases and by GET and POST: without
// credentials each asks for them (21332) rather than being unknown (10020).
func TestQCYServesAll39Handlers(t *testing.T) {
	if len(docHandlers) != 39 {
		t.Fatalf("the doc lists 39 handlers, the table %d", len(docHandlers))
	}
	eachEngine(t, func(e *env) {
		for _, h := range docHandlers {
			for _, base := range []string{"", "/OM"} {
				for _, method := range []string{http.MethodGet, http.MethodPost} {
					for _, query := range []string{"", "?token=nope&siteKey=nope"} {
						status, body := e.do(method, base+qcyBase+h+".ashx"+query, "", nil)
						if status != http.StatusOK || !strings.Contains(string(body), `"error_code":"21332"`) {
							t.Errorf("%s %s%s%s: HTTP %d %s", method, base, h, query, status, body)
						}
					}
				}
			}
		}
		if status, body := e.do(http.MethodPut, qcyBase+"Customer/Get.ashx", "", nil); status != http.StatusMethodNotAllowed || !strings.Contains(string(body), `"error_code":"10021"`) {
			t.Errorf("PUT: HTTP %d %s, want 405 and 10021", status, body)
		}
	})
}

func TestQCYECommerceAndSampleOrders(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedQCY(e)
		ctx := context.Background()
		key, err := e.svc.RegisterSiteKey(ctx, o.ann.TenantID, "shop-key-1")
		e.must(err)
		site := func(kv ...string) url.Values { return vals(append([]string{"siteKey", key}, kv...)...) }
		for i := 0; i < 2; i++ {
			_, body := e.call(http.MethodGet, "ECommerce/UpdateBaseInfoHit", site("pkid", "42", "addHit", "5"))
			golden(t, "qcy/true.json", body)
		}
		var hits core.HitCounter
		e.must(e.db.Take(&hits).Error)
		if hits.RecordID != 42 || hits.Hits != 10 {
			t.Errorf("hits = %+v, want 10 on record 42", hits)
		}
		_, body := e.call(http.MethodPost, "ECommerce/AddMessageBoard", site("token", "ignored", "custID", fmt.Sprint(o.customer.ID), "content", "请联系我 <急>", "contact", "王先生", "format", "xml"))
		golden(t, "qcy/true.xml", body)
		var msg core.MessageBoardEntry
		e.must(e.db.Take(&msg).Error)
		if msg.Content != "请联系我 <急>" || msg.Contact != "王先生" || msg.CustomerID != o.customer.ID {
			t.Errorf("message = %+v", msg)
		}

		_, err = e.svc.CreateSampleOrder(ctx, o.ann, "YP-001", o.customer.ID, []core.SampleOrderLine{{ProductName: "样品A", Quantity: 2}})
		e.must(err)
		tok := func(kv ...string) url.Values { return vals(append([]string{"token", o.token}, kv...)...) }
		for _, c := range []struct{ handler, want string }{
			{"Contract/SampleGiftAuditById", "{\"value\":1}\n"},
			{"Contract/SampleGiftAuditById", "{\"value\":0}\n"},
			{"Contract/SampleGiftUnAuditById", "{\"value\":1}\n"},
			{"Contract/SampleGiftUnAuditById", "{\"value\":0}\n"},
		} {
			if _, body := e.call(http.MethodPost, c.handler, tok("orderID", "YP-001")); string(body) != c.want {
				t.Errorf("%s: %s, want %s", c.handler, body, c.want)
			}
		}

		other, err := e.svc.EnsureTenant(ctx, "other")
		e.must(err)
		otherKey, err := e.svc.RegisterSiteKey(ctx, other.ID, "")
		e.must(err)
		for _, c := range []struct {
			name, handler string
			params        url.Values
			code          string
		}{
			{"no site key", "ECommerce/UpdateBaseInfoHit", vals("pkid", "1", "addHit", "1"), "21332"},
			{"a token is not a site key", "ECommerce/UpdateBaseInfoHit", vals("token", o.token, "pkid", "1", "addHit", "1"), "21332"},
			{"unknown site key", "ECommerce/AddMessageBoard", vals("siteKey", "nope", "custID", "1", "content", "x"), "21332"},
			{"message for another tenant's customer", "ECommerce/AddMessageBoard", vals("siteKey", otherKey, "custID", fmt.Sprint(o.customer.ID), "content", "x"), "20003"},
			{"message without content", "ECommerce/AddMessageBoard", site("custID", fmt.Sprint(o.customer.ID)), "10016"},
			{"negative hits", "ECommerce/UpdateBaseInfoHit", site("pkid", "1", "addHit", "-1"), "10017"},
			{"unknown sample order", "Contract/SampleGiftAuditById", tok("orderID", "YP-404"), "20003"},
			{"sample order without number", "Contract/SampleGiftUnAuditById", tok(), "10016"},
		} {
			var before int64
			e.must(e.db.Model(&core.MessageBoardEntry{}).Count(&before).Error)
			_, body := e.call(http.MethodPost, c.handler, c.params)
			if !strings.Contains(string(body), `"error_code":"`+c.code+`"`) {
				t.Errorf("%s: %s, want %s", c.name, body, c.code)
			}
			var after int64
			e.must(e.db.Model(&core.MessageBoardEntry{}).Count(&after).Error)
			e.must(e.db.Take(&hits).Error)
			if after != before || hits.Hits != 10 {
				t.Errorf("%s wrote: %d → %d messages, %d hits", c.name, before, after, hits.Hits)
			}
		}
		// Another tenant cannot audit this tenant's sample order through its number.
		bTok, err := e.svc.RegisterToken(ctx, other.ID, mustUser(e, other.ID, "bob"), "")
		e.must(err)
		if _, body := e.call(http.MethodPost, "Contract/SampleGiftAuditById", vals("token", bTok, "orderID", "YP-001")); !strings.Contains(string(body), `"error_code":"20003"`) {
			t.Errorf("another tenant audited the order: %s", body)
		}
	})
}

func mustUser(e *env, tenantID uint64, name string) uint64 {
	u, err := e.svc.EnsureUser(context.Background(), tenantID, name, 0)
	e.must(err)
	return u.ID
}

// With the database gone, a handler answers the internal error shape, and says nothing of why.
func TestInternalErrorsAreHidden(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedQCY(e)
		sqlDB, err := e.db.DB()
		e.must(err)
		e.must(sqlDB.Close())
		_, body := e.call(http.MethodGet, "Customer/Get", vals("token", o.token, "id", "1"))
		if string(body) != `{"request":"/WebApi/Handler/1.0/CRM/Customer/Get.ashx","error_code":"10001","error":"系统错误"}`+"\n" {
			t.Errorf("WebApi: %s", body)
		}
		_, body = e.get("/oa/crm/home?access_token=" + o.token)
		if string(body) != `{"statuscode":"10500","statusmsg":"操作异常","data":{},"usermsg":"操作异常"}`+"\n" {
			t.Errorf("OA: %s", body)
		}
		if !strings.Contains(e.log.String(), `"request_id"`) || !strings.Contains(e.log.String(), "internal error") {
			t.Errorf("the internal error was not logged with its request id: %s", e.log.String())
		}
	})
}

// IIS matched paths in any case; clients written against it may spell them so.
func TestQCYPathsInAnyCase(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedQCY(e)
		for _, path := range []string{
			"/webapi/handler/1.0/crm/customer/get.ashx",
			"/WEBAPI/HANDLER/1.0/CRM/CUSTOMER/GET.ASHX",
			"/om/WebApi/Handler/1.0/CRM/customer/Get.ashx",
		} {
			_, body := e.get(path + "?token=" + o.token + "&id=" + fmt.Sprint(o.customer.ID))
			if !strings.Contains(string(body), `"CustName":"杭州云帆科技有限公司"`) {
				t.Errorf("%s: %s", path, body)
			}
		}
		if _, body := e.get("/webapi/handler/1.0/token/get.ashx"); !strings.Contains(string(body), `"error_code":"10016"`) {
			t.Errorf("token/get.ashx in lower case: %s", body)
		}
	})
}
