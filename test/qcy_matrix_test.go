package test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"crmgw/core"
)

// handlerCase is one WebApi handler: a valid call, and what makes a call invalid.
type handlerCase struct {
	handler  string
	required []string // each one's absence answers 10016 naming it
	ints     []string // Int32 parameters: "x" answers 10017
	// params returns a valid call's parameters (without credentials), creating
	// what the call consumes first, so that it can be made again and again.
	params func(e *env, o qcyOrg, n int) url.Values
}

func id(n uint64) string { return fmt.Sprint(n) }

func newContact(e *env, o qcyOrg, main bool) core.Contact {
	ct, err := e.svc.CreateContact(context.Background(), o.ann, core.NewContact{CustomerID: o.customer.ID, Name: "临时联系人", IsMain: main})
	e.must(err)
	return ct
}

var handlerCases = []handlerCase{
	{"BaseType/GetBaseType", []string{"par_id"}, nil, func(e *env, o qcyOrg, n int) url.Values { return vals("par_id", "2") }},
	{"ContactHistory/Get", []string{"id"}, []string{"id"}, func(e *env, o qcyOrg, n int) url.Values { return vals("id", id(o.history.ID)) }},
	{"ContactHistory/Add", []string{"customer_id", "type_id", "route_id", "link_man_id", "title", "content"}, []string{"customer_id", "type_id", "route_id", "link_man_id"},
		func(e *env, o qcyOrg, n int) url.Values {
			return vals("customer_id", id(o.customer.ID), "type_id", "1", "route_id", "2", "link_man_id", id(o.contact.ID), "title", "回访", "content", "满意")
		}},
	{"ContactPlan/SaveContactPlan", []string{"plan_id", "customer_id", "type_id", "route_id", "link_man_id", "title", "content", "next_time"}, []string{"plan_id", "customer_id", "type_id", "route_id", "link_man_id"},
		func(e *env, o qcyOrg, n int) url.Values {
			p, err := e.svc.AddContactPlan(context.Background(), o.ann, core.NewContactPlan{CustomerID: o.customer.ID, Title: "计划", PlannedAt: now})
			e.must(err)
			return vals("plan_id", id(p.ID), "customer_id", id(o.customer.ID), "type_id", "3", "route_id", "1", "link_man_id", id(o.contact.ID),
				"title", "售后回访", "content", "已回访", "next_time", "2015-11-20 09:30:00")
		}},
	{"ContactPlan/GetContactPlan", []string{"id"}, []string{"id"}, func(e *env, o qcyOrg, n int) url.Values { return vals("id", id(o.plan.ID)) }},
	{"ContactPlan/GetContactPlanCount", nil, nil, func(e *env, o qcyOrg, n int) url.Values { return url.Values{} }},
	{"ContactPlan/InsertContactPlan", []string{"title", "customer_id", "type_id", "route_id", "link_man_id", "history_id", "next_time"}, []string{"customer_id", "type_id", "route_id", "link_man_id", "history_id"},
		func(e *env, o qcyOrg, n int) url.Values {
			return vals("plan_id", "0", "title", "签约", "customer_id", id(o.customer.ID), "type_id", "1", "route_id", "4", "link_man_id", id(o.contact.ID),
				"history_id", id(o.history.ID), "next_time", "2015-12-01 14:00:00")
		}},
	{"Contract/SampleGiftAuditById", []string{"orderID"}, nil, func(e *env, o qcyOrg, n int) url.Values {
		so, err := e.svc.CreateSampleOrder(context.Background(), o.ann, fmt.Sprintf("YP-%03d", n), o.customer.ID, nil)
		e.must(err)
		return vals("orderID", so.OrderNo)
	}},
	{"Contract/SampleGiftUnAuditById", []string{"orderID"}, nil, func(e *env, o qcyOrg, n int) url.Values {
		so, err := e.svc.CreateSampleOrder(context.Background(), o.ann, fmt.Sprintf("YP-%03d", n), o.customer.ID, nil)
		e.must(err)
		_, err = e.svc.AuditSampleOrder(context.Background(), o.ann, so.OrderNo, true)
		e.must(err)
		return vals("orderID", so.OrderNo)
	}},
	{"Contract/ContractAudit", []string{"id"}, []string{"id"}, func(e *env, o qcyOrg, n int) url.Values { return vals("id", id(o.contract.ID)) }},
	{"Contract/ContractUnAudit", []string{"id"}, []string{"id"}, func(e *env, o qcyOrg, n int) url.Values { return vals("id", id(o.contract.ID)) }},
	{"Contract/StopContract", []string{"id"}, []string{"id"}, func(e *env, o qcyOrg, n int) url.Values { return vals("id", id(o.contract.ID)) }},
	{"Customer/CancelShare", []string{"strIds"}, nil, func(e *env, o qcyOrg, n int) url.Values { return vals("strIds", id(o.customer.ID)) }},
	{"Customer/RemoveCollection", []string{"userId", "custIdString"}, []string{"userId"},
		func(e *env, o qcyOrg, n int) url.Values {
			e.must(e.svc.SetCollectionIdentity(context.Background(), o.ann, o.customer.ID, 1))
			return vals("userId", id(o.ann.UserID), "custIdString", id(o.customer.ID))
		}},
	{"Customer/SetCustIdentity", []string{"identityId", "custId"}, []string{"identityId", "custId"},
		func(e *env, o qcyOrg, n int) url.Values { return vals("identityId", "2", "custId", id(o.customer.ID)) }},
	{"Customer/GetAllList", []string{"pageIndex"}, []string{"pageIndex", "pageSize"}, func(e *env, o qcyOrg, n int) url.Values { return vals("pageIndex", "1", "pageSize", "10") }},
	{"Customer/AddCallHistory", []string{"callState", "tel", "userID", "callType", "startTime", "endTime", "record", "duration", "ims", "userName"},
		[]string{"callState", "userID", "callType", "record", "duration"}, func(e *env, o qcyOrg, n int) url.Values { return callParams(o, url.Values{}) }},
	{"Customer/IMSLock", []string{"userID", "ims"}, []string{"userID"}, func(e *env, o qcyOrg, n int) url.Values { return vals("userID", id(o.ann.UserID), "ims", "95566") }},
	{"Customer/UnIMSLock", []string{"ims"}, nil, func(e *env, o qcyOrg, n int) url.Values {
		e.must(e.svc.LockIMS(context.Background(), o.ann, o.ann.UserID, "95566"))
		return vals("ims", "95566")
	}},
	{"Customer/InsertSms", []string{"senderID", "mobilePhone", "sendDate", "content", "sendType", "messageTempleID"}, []string{"senderID", "sendType"},
		func(e *env, o qcyOrg, n int) url.Values { return smsParams(o, url.Values{}) }},
	{"Customer/UpdateCallHistory", []string{"sCallNumber", "dCallTime", "bCallState", "callType", "teleIms", "displayTel", "endTime", "record", "duration", "addUserName"},
		[]string{"bCallState", "callType", "record", "duration"}, func(e *env, o qcyOrg, n int) url.Values {
			var r core.CallRecord
			r.UserID, r.Tel, r.StartedAt, r.EndedAt = o.ann.UserID, "13800138000", now, now
			e.must(e.svc.AddCallRecord(context.Background(), o.ann, r))
			return vals("sCallNumber", "13800138000", "dCallTime", "2015-10-15 10:00:00", "bCallState", "1", "callType", "1", "teleIms", "0571",
				"displayTel", "0571-1", "endTime", "2015-10-15 10:03:00", "record", "1", "duration", "180", "addUserName", "ann")
		}},
	{"Customer/NameIsRepeat", []string{"sName", "id"}, []string{"id"}, func(e *env, o qcyOrg, n int) url.Values { return vals("sName", o.customer.Name, "id", "0") }},
	{"Customer/Get", []string{"id"}, []string{"id"}, func(e *env, o qcyOrg, n int) url.Values { return vals("id", id(o.customer.ID)) }},
	{"Customer/Update", []string{"customer"}, nil, func(e *env, o qcyOrg, n int) url.Values {
		return vals("tran", "x", "customer", fmt.Sprintf(`{"PK_ID":%d,"CustName":"云帆科技","Tel":"0571-1"}`, o.customer.ID))
	}},
	{"Customer/Save", []string{"json"}, nil, func(e *env, o qcyOrg, n int) url.Values { return vals("json", `{"PK_ID":0,"CustName":"新客户"}`) }},
	{"Customer/TelIsRepeat", []string{"tel", "id"}, []string{"id"}, func(e *env, o qcyOrg, n int) url.Values { return vals("tel", "0571-88001234", "id", id(o.customer.ID)) }},
	{"CustomerSign/GetClientSignDefault", nil, nil, func(e *env, o qcyOrg, n int) url.Values { return url.Values{} }},
	{"CustomerSign/GetCustTypeBdefault", nil, nil, func(e *env, o qcyOrg, n int) url.Values { return url.Values{} }},
	{"CustomerType/GetTypeList", []string{"parent_id"}, []string{"parent_id"}, func(e *env, o qcyOrg, n int) url.Values { return vals("parent_id", "0") }},
	{"ECommerce/UpdateBaseInfoHit", []string{"pkid", "addHit"}, []string{"pkid", "addHit"}, func(e *env, o qcyOrg, n int) url.Values { return vals("pkid", "7", "addHit", "1") }},
	{"ECommerce/AddMessageBoard", []string{"custID", "content"}, []string{"custID"}, func(e *env, o qcyOrg, n int) url.Values {
		return vals("custID", id(o.customer.ID), "content", "留言", "contact", "王先生")
	}},
	{"LinkMan/GetList", []string{"custId"}, []string{"custId"}, func(e *env, o qcyOrg, n int) url.Values { return vals("custId", id(o.customer.ID)) }},
	{"LinkMan/CancelMainMan", []string{"id"}, []string{"id"}, func(e *env, o qcyOrg, n int) url.Values { return vals("id", id(newContact(e, o, true).ID)) }},
	{"LinkMan/GetLinkManList", []string{"cust_id"}, []string{"cust_id"}, func(e *env, o qcyOrg, n int) url.Values { return vals("cust_id", id(o.customer.ID)) }},
	{"LinkMan/GetLinkMan", []string{"id"}, []string{"id"}, func(e *env, o qcyOrg, n int) url.Values { return vals("id", id(o.contact.ID)) }},
	{"LinkMan/SaveLinkMan", []string{"man"}, nil, func(e *env, o qcyOrg, n int) url.Values {
		return vals("tran", "x", "man", fmt.Sprintf(`{"PK_ID":%d,"LinkManName":"王总"}`, o.contact.ID))
	}},
	{"LinkMan/InsertLinkMan", []string{"man"}, nil, func(e *env, o qcyOrg, n int) url.Values {
		return vals("man", fmt.Sprintf(`{"FK_CustID":%d,"LinkManName":"赵总"}`, o.customer.ID))
	}},
	{"LinkMan/DeleteLinkMan", []string{"id"}, []string{"id"}, func(e *env, o qcyOrg, n int) url.Values { return vals("id", id(newContact(e, o, false).ID)) }},
	{"Sale/SetPublicCust", []string{"pkidList"}, nil, func(e *env, o qcyOrg, n int) url.Values { return vals("pkidList", id(o.customer.ID)) }},
}

// TestQCYEveryHandler calls each of the 39 handlers by GET and by POST, in
// JSON and in XML (golden files; GET and POST must answer the same bytes),
// then without each required parameter and with each Int32 one not a number:
// each of those answers its error and writes nothing.
func TestQCYEveryHandler(t *testing.T) {
	if len(handlerCases) != len(docHandlers) {
		t.Fatalf("%d handler cases for %d handlers", len(handlerCases), len(docHandlers))
	}
	for i, hc := range handlerCases {
		if hc.handler != docHandlers[i] {
			t.Fatalf("case %d is %s, the doc's handler %s", i, hc.handler, docHandlers[i])
		}
		t.Run(strings.ReplaceAll(hc.handler, "/", "_"), func(t *testing.T) {
			eachEngine(t, func(e *env) {
				o := seedQCY(e)
				key, err := e.svc.RegisterSiteKey(context.Background(), o.ann.TenantID, "")
				e.must(err)
				creds := func(p url.Values) url.Values {
					if strings.HasPrefix(hc.handler, "ECommerce/") {
						p.Set("siteKey", key)
					} else {
						p.Set("token", o.token)
					}
					return p
				}
				n := 0
				for _, format := range []string{"json", "xml"} {
					var answers []string
					for _, method := range []string{http.MethodGet, http.MethodPost} {
						n++
						p := creds(hc.params(e, o, n))
						p.Set("format", format)
						status, body := e.call(method, hc.handler, p)
						if status != http.StatusOK || strings.Contains(string(body), "error_code") {
							t.Errorf("%s %s: HTTP %d %s", method, format, status, body)
						}
						if format == "xml" {
							wellFormed(t, body)
						}
						answers = append(answers, string(body))
					}
					if answers[0] != answers[1] {
						t.Errorf("%s: GET and POST differ:\n%s\n%s", format, answers[0], answers[1])
					}
					golden(t, "qcy/handlers/"+strings.ReplaceAll(hc.handler, "/", "_")+"."+format, []byte(answers[0]))
				}
				bad := func(what, code, name string, edit func(url.Values)) {
					n++
					p := creds(hc.params(e, o, n))
					edit(p)
					before := dbState(e)
					_, body := e.call(http.MethodPost, hc.handler, p)
					if !strings.Contains(string(body), `"error_code":"`+code+`"`) || !strings.Contains(string(body), name) {
						t.Errorf("%s: %s, want error_code %s naming %s", what, body, code, name)
					}
					if dbState(e) != before {
						t.Errorf("%s wrote to the database", what)
					}
				}
				for _, name := range hc.required {
					bad("without "+name, "10016", "("+name+")", func(p url.Values) { p.Del(name) })
				}
				for _, name := range hc.ints {
					bad(name+" not a number", "10017", name, func(p url.Values) { p.Set(name, "x") })
				}
			})
		})
	}
}
