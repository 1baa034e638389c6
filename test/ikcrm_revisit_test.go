package test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"crmgw/core"
)

// ikRevisitOrg is seedIKOpps' tenant with an opportunity and a contract of its customer.
type ikRevisitOrg struct {
	ikOpps
	opportunity  core.Opportunity
	contract     core.Contract
	otherContact core.Contact // of another customer of the tenant
}

func seedIKRevisits(e *env) ikRevisitOrg {
	ctx := context.Background()
	o := ikRevisitOrg{ikOpps: seedIKOpps(e)}
	var err error
	o.opportunity, err = e.svc.CreateOpportunity(ctx, o.me, core.NewOpportunity{CustomerID: o.customer.ID, Title: "维保商机"})
	e.must(err)
	o.contract, err = e.svc.CreateContract(ctx, o.me, core.NewContract{Title: "维保合同", CustomerID: o.customer.ID,
		StartDate: mustDate(e, "2015-10-01"), EndDate: mustDate(e, "2016-09-30")})
	e.must(err)
	return o
}

func TestIKCRMRevisitLogCreate(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedIKRevisits(e)
		ctx := context.Background()
		// WB: a form on an opportunity, moving it to stage 3; it reads data.id.
		status, body := e.ikSend(http.MethodPost, "/api/v2/revisit_logs", "application/x-www-form-urlencoded", formBody([]Pair{
			{"revisit_log[loggable_type]", "Opportunity"}, {"revisit_log[loggable_id]", fmt.Sprint(o.opportunity.ID)},
			{"revisit_log[content]", "电话沟通报价"}, {"revisit_log[real_revisit_at]", "2015-10-15 09:30"},
			{"revisit_log[loggable_attributes][stage]", "3"}}))
		d := ikData(t, status, body)
		golden(t, "ikcrm/revisit_create_opportunity", body)
		h, err := e.svc.GetContactHistory(ctx, o.me, uint64(d["id"].(float64)))
		e.must(err)
		// A follow-up of the opportunity's customer, for every other dialect.
		if h.CustomerID != o.customer.ID || h.Content != "电话沟通报价" {
			t.Errorf("the follow-up recorded: %+v", h)
		}
		var opp core.Opportunity
		e.must(e.db.Where("id = ?", o.opportunity.ID).Take(&opp).Error)
		if opp.StageID != 3 || opp.Stage != core.OpportunityOpen {
			t.Errorf("loggable_attributes[stage]=3: stage %d %s", opp.StageID, opp.Stage)
		}

		// AK: JSON with seconds in the time.
		status, body = e.ikSend(http.MethodPost, "/api/v2/revisit_logs", "application/json", []byte(fmt.Sprintf(
			`{"revisit_log":{"loggable_id":%d,"loggable_type":"Opportunity","content":"上门拜访","real_revisit_at":"2015-10-14 00:00:00"}}`, o.opportunity.ID)))
		if d := ikData(t, status, body); d["real_revisit_at"] != "2015-10-14 00:00" || d["loggable_type"] != "Opportunity" {
			t.Errorf("AK's JSON: %s", body)
		}

		// AA: a form on the customer with a category, a reminder and a new status.
		status, body = e.ikSend(http.MethodPost, "/api/v2/revisit_logs", "application/x-www-form-urlencoded", formBody([]Pair{
			{"revisit_log[loggable_type]", "Customer"}, {"revisit_log[loggable_id]", fmt.Sprint(o.customer.ID)},
			{"revisit_log[content]", "客户关怀"}, {"revisit_log[category]", "2"}, {"revisit_log[remind_at]", "2015-10-16 10:00"},
			{"revisit_log[loggable_attributes][status]", "2"}}))
		d = ikData(t, status, body)
		golden(t, "ikcrm/revisit_create_customer", body)
		if d["remind_at"] != "2015-10-16 10:00" || d["category_display"] != "客户关怀" || d["real_revisit_at"] != "2015-10-15 10:00" {
			t.Errorf("AA's follow-up: %s", body)
		}
		var cu core.Customer
		e.must(e.db.Where("id = ?", o.customer.ID).Take(&cu).Error)
		var plans []core.ContactPlan
		e.must(e.db.Where("history_id = ?", uint64(d["id"].(float64))).Find(&plans).Error)
		if cu.StatusID != 2 || len(plans) != 1 || plans[0].Title != "客户关怀" || !plans[0].PlannedAt.Equal(time.Date(2015, 10, 16, 2, 0, 0, 0, time.UTC)) {
			t.Errorf("status %d, plans %+v", cu.StatusID, plans)
		}

		// WB: a visit with its place, the contact spoken to beside the follow-up, and users to notify.
		status, body = e.ikSend(http.MethodPost, "/api/v2/revisit_logs", "application/x-www-form-urlencoded", formBody([]Pair{
			{"revisit_log[loggable_type]", "Customer"}, {"revisit_log[loggable_id]", fmt.Sprint(o.customer.ID)},
			{"revisit_log[content]", "上门拜访"}, {"revisit_log[address_attributes][detail_address]", "上海市浦东新区申江路5005弄"},
			{"revisit_log[lat]", "31.2304161"}, {"revisit_log[lng]", "121.4737010"},
			{"contacts_ids[]", fmt.Sprint(o.contact.ID)}, {"at_user_ids[]", fmt.Sprint(o.peers[0])}}))
		d = ikData(t, status, body)
		if !strings.Contains(string(body), `"address":{"detail_address":"上海市浦东新区申江路5005弄","lat":31.2304161,"lng":121.4737010}`) {
			t.Errorf("the place: %s", body)
		}
		h, err = e.svc.GetContactHistory(ctx, o.me, uint64(d["id"].(float64)))
		e.must(err)
		if h.ContactID != o.contact.ID {
			t.Errorf("contacts_ids: the contact recorded is %d", h.ContactID)
		}

		// On a contact and on a contract: each names its record and stays its customer's.
		for _, c := range []struct {
			typ  string
			id   uint64
			name string
		}{{"Contact", o.contact.ID, "王经理"}, {"Contract", o.contract.ID, "维保合同"}} {
			status, body := e.ikSend(http.MethodPost, "/api/v2/revisit_logs", "application/json",
				[]byte(fmt.Sprintf(`{"revisit_log":{"loggable_type":"%s","loggable_id":%d,"content":"跟进"}}`, c.typ, c.id)))
			d := ikData(t, status, body)
			if d["loggable_type"] != c.typ || d["loggable"].(map[string]any)["name"] != c.name {
				t.Errorf("%s: %s", c.typ, body)
			}
			h, err := e.svc.GetContactHistory(ctx, o.me, uint64(d["id"].(float64)))
			e.must(err)
			if h.CustomerID != o.customer.ID {
				t.Errorf("%s: customer %d", c.typ, h.CustomerID)
			}
		}
		// The opportunity's last follow-up is its real_revisit_at.
		_, body = e.ikGet(fmt.Sprintf("/api/v2/opportunities/%d", o.opportunity.ID), ikAuth)
		if !strings.Contains(string(body), `"real_revisit_at":"2015-10-15 09:30"`) {
			t.Errorf("the opportunity's real_revisit_at: %s", body)
		}
	})
}

func TestIKCRMRevisitLogList(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedIKRevisits(e)
		ctx := context.Background()
		add := func(by core.Caller, kind string, id uint64, content, at string) {
			_, err := e.svc.AddFollowUp(ctx, by, core.NewFollowUp{SubjectKind: kind, SubjectID: id, Content: content,
				TypeID: 1, ContactedAt: shanghai(e, at)})
			e.must(err)
		}
		peer, err := e.svc.CallerFor(o.tenant, core.User{ID: o.peers[0], TenantID: o.tenant.ID})
		e.must(err)
		add(o.me, core.SubjectCustomer, o.customer.ID, "今天的客户跟进", "2015-10-15 08:00:00")
		add(o.me, core.SubjectOpportunity, o.opportunity.ID, "今天的商机跟进", "2015-10-15 09:00:00")
		add(peer, core.SubjectContract, o.contract.ID, "同事的合同跟进", "2015-10-15 09:30:00")
		add(o.me, core.SubjectOpportunity, o.opportunity.ID, "上月的商机跟进", "2015-09-20 09:00:00")
		add(o.me, core.SubjectCustomer, o.customer.ID, "五月的客户跟进", "2015-05-06 09:00:00")

		// date absent: today's, the latest first.
		_, body := e.ikGet("/api/v2/revisit_logs/new_index?user_token="+ikToken+"&device=open_api", "")
		golden(t, "ikcrm/revisit_today", body)
		for query, want := range map[string]string{
			"":                                   "同事的合同跟进,今天的商机跟进,今天的客户跟进",
			"date=today&per_page=2":              "同事的合同跟进,今天的商机跟进",
			"date=today&per_page=2&page=2":       "今天的客户跟进",
			"date=last_month":                    "上月的商机跟进",
			"date=this_month":                    "同事的合同跟进,今天的商机跟进,今天的客户跟进",
			"date=all&loggable_type=opportunity": "今天的商机跟进,上月的商机跟进",
			fmt.Sprintf("date=all&loggable_type=opportunity&loggable_id=%d", o.opportunity.ID): "今天的商机跟进,上月的商机跟进",
			fmt.Sprintf("date=all&loggable_type=customer&loggable_id=%d", o.customer.ID):       "今天的客户跟进,五月的客户跟进",
			"date=all&loggable_type=contract":                                                  "同事的合同跟进",
			"date=all&loggable_type=lead":                                                      "",
			fmt.Sprintf("date=all&user_id=%d", o.peers[0]):                                     "同事的合同跟进",
			fmt.Sprintf("date=today&department_id=%d", o.department):                           "同事的合同跟进,今天的商机跟进,今天的客户跟进",
			"department_id=&date=yesterday":                                                    "",
			// CS sends .NET culture dates.
			"date=other&start_date=2015/5/6&end_date=2015/5/6": "五月的客户跟进",
			"start_date=2015-09-01&end_date=2015-09-30":        "上月的商机跟进",
			"date=other&start_date=2015-09-21":                 "同事的合同跟进,今天的商机跟进,今天的客户跟进",
		} {
			status, body := e.ikGet("/api/v2/revisit_logs/new_index?"+query, ikAuth)
			d := ikData(t, status, body)
			var got []string
			for _, item := range d["revisit_logs"].([]any) {
				got = append(got, item.(map[string]any)["content"].(string))
			}
			if strings.Join(got, ",") != want {
				t.Errorf("%s: %v, want %s", query, got, want)
			}
		}
		for _, query := range []string{"date=tomorrow", "start_date=2015-13-01", "loggable_type=order", "user_id=x", "per_page=-1",
			// an id names no record without its type: answering every follow-up would say they were that record's
			"loggable_id=1", "date=all&loggable_id=1"} {
			if _, body := e.ikGet("/api/v2/revisit_logs/new_index?"+query, ikAuth); !strings.Contains(string(body), `"code":100422`) {
				t.Errorf("%s: %s", query, body)
			}
		}
	})
}

func ikRevisitSnapshot(e *env) string {
	var s []string
	for _, table := range []string{"contact_histories", "contact_plans"} {
		var n int64
		e.must(e.db.Table(table).Count(&n).Error)
		s = append(s, fmt.Sprintf("%s=%d", table, n))
	}
	var stages, statuses []uint64
	e.must(e.db.Model(&core.Opportunity{}).Order("id").Pluck("stage_id", &stages).Error)
	e.must(e.db.Model(&core.Customer{}).Order("id").Pluck("status_id", &statuses).Error)
	return strings.Join(s, " ") + fmt.Sprint(stages, statuses)
}

func TestIKCRMBadRevisitLogsWriteNothing(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedIKRevisits(e)
		second, err := e.svc.CreateCustomer(context.Background(), o.me, core.NewCustomer{Name: "另一客户"})
		e.must(err)
		o.otherContact, err = e.svc.CreateContact(context.Background(), o.me, core.NewContact{CustomerID: second.ID, Name: "另一客户的联系人"})
		e.must(err)
		before := ikRevisitSnapshot(e)
		log := func(fields string) string { return `{"revisit_log":{` + fields + `}}` }
		opp := fmt.Sprintf(`"loggable_type":"Opportunity","loggable_id":%d`, o.opportunity.ID)
		cust := fmt.Sprintf(`"loggable_type":"Customer","loggable_id":%d`, o.customer.ID)
		for _, c := range []struct{ name, body, want string }{
			{"not wrapped", `{"content":"x"}`, "revisit_log 应为对象"},
			{"no type", log(`"loggable_id":1`), "(loggable_type) 不能为空"},
			{"no id", log(`"loggable_type":"Customer"`), "(loggable_id) 不能为空"},
			{"a lead", log(`"loggable_type":"Lead","loggable_id":1`), "线索"},
			{"an unknown type", log(`"loggable_type":"Order","loggable_id":1`), "(loggable_type)"},
			{"an opportunity of none", log(`"loggable_type":"Opportunity","loggable_id":987654321`), "(loggable_id) 不存在"},
			{"another tenant's customer", log(fmt.Sprintf(`"loggable_type":"Customer","loggable_id":%d`, o.otherCustomer.ID)), "(loggable_id) 不存在"},
			{"a bad time", log(opp + `,"real_revisit_at":"昨天"`), "(real_revisit_at)"},
			{"a time out of range", log(opp + `,"remind_at":"0999-01-01 10:00"`), "(remind_at)"},
			{"an unknown category", log(opp + `,"category":99`), "(category) 不存在"},
			{"an unknown stage", log(opp + `,"loggable_attributes":{"stage":99}`), "(stage) 不存在"},
			{"a stage on a customer", log(cust + `,"loggable_attributes":{"stage":2}`), "(stage)"},
			{"a status on an opportunity", log(opp + `,"loggable_attributes":{"status":2}`), "(status)"},
			{"an unknown status", log(cust + `,"loggable_attributes":{"status":99}`), "(status) 不存在"},
			{"a key not kept", log(cust + `,"mood":"good"`), "mood crmgw 不保存该字段"},
			{"a field of the record not kept", log(opp + `,"loggable_attributes":{"title":"改"}`), "(loggable_attributes) 只记录 stage, status, 不保存 title"},
			{"a place's field not kept", log(cust + `,"address_attributes":{"zip":"200000"}`), "(address_attributes) 只记录 detail_address"},
			{"lat without lng", log(cust + `,"lat":"31.2"`), "(detail_address)"},
			{"lat out of range", log(cust + `,"lat":"91","lng":"121.5"`), "(detail_address)"},
			{"lng not a number", log(cust + `,"lat":"31.2","lng":"东经"`), "(detail_address)"},
			{"an address too long", log(cust + `,"address_attributes":{"detail_address":"` + strings.Repeat("路", 256) + `"}`), "address"},
			{"two contacts", `{"contacts_ids":[1,2],` + log(cust)[1:], "(contacts_ids) 至多一位联系人"},
			{"a contact of another customer", fmt.Sprintf(`{"contacts_ids":[%d],`, o.otherContact.ID) + log(cust)[1:], "(contacts_ids) 不存在"},
			{"a contact that is not the one logged", fmt.Sprintf(`{"contacts_ids":[%d],"revisit_log":{"loggable_type":"Contact","loggable_id":%d}}`, o.otherContact.ID, o.contact.ID), "(loggable_type)"},
			{"content too long", log(cust + `,"content":"` + strings.Repeat("x", 65536) + `"`), "content"},
		} {
			status, body := e.ikSend(http.MethodPost, "/api/v2/revisit_logs", "application/json", []byte(c.body))
			if status != http.StatusOK || !strings.Contains(string(body), `"code":100422`) || !strings.Contains(string(body), c.want) {
				t.Errorf("%s: HTTP %d %s", c.name, status, body)
			}
		}
		if after := ikRevisitSnapshot(e); after != before {
			t.Errorf("bad writes changed: %s → %s", before, after)
		}
	})
}

// A check-in is a follow-up made at a place; AK lists them four at a time.
func TestIKCRMCheckins(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedIKRevisits(e)
		ctx := context.Background()
		visit := func(kind string, id uint64, place, lat, lng, at string) {
			_, err := e.svc.AddFollowUp(ctx, o.me, core.NewFollowUp{SubjectKind: kind, SubjectID: id, Content: "拜访",
				Place: place, Lat: lat, Lng: lng, ContactedAt: shanghai(e, at)})
			e.must(err)
		}
		visit(core.SubjectCustomer, o.customer.ID, "上海市浦东新区申江路5005弄", "31.2304161", "121.4737010", "2015-10-14 09:00:00")
		visit(core.SubjectOpportunity, o.opportunity.ID, "上海市徐汇区漕溪北路88号", "", "", "2015-10-15 09:00:00")
		visit(core.SubjectCustomer, o.customer.ID, "", "", "", "2015-10-15 09:30:00") // a call: no place, no check-in
		status, body := e.ikGet("/api/v2/checkins?page=1&per_page=4&user_token="+ikToken+"&device=open_api", "")
		d := ikData(t, status, body)
		golden(t, "ikcrm/checkins", body)
		if d["total_count"] != float64(2) {
			t.Errorf("the visits: %s", body)
		}
		for query, want := range map[string]float64{
			"checkable_type=Customer": 1,
			"checkable_type=Opportunity&checkable_id=" + fmt.Sprint(o.opportunity.ID): 1,
			"checkable_type=Opportunity&checkable_id=987654321":                       0,
			"detail_address=浦东":                   1,
			fmt.Sprintf("user_id=%d", o.peers[0]): 0,
		} {
			_, body := e.ikGet("/api/v2/checkins?"+query, ikAuth)
			if d := ikData(t, http.StatusOK, body); d["total_count"] != want {
				t.Errorf("%s: %s", query, body)
			}
		}
		for _, query := range []string{"checkable_type=Lead", "user_id=x", "per_page=x", "checkable_id=1"} {
			if _, body := e.ikGet("/api/v2/checkins?"+query, ikAuth); !strings.Contains(string(body), `"code":100422`) {
				t.Errorf("%s: %s", query, body)
			}
		}
	})
}

// A revisit log on an opportunity is a follow-up of its customer for the
// WebApi, whatever it was written on.
func TestCrossDialectRevisitLogIsTheCustomersFollowUp(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedIKRevisits(e)
		status, body := e.ikSend(http.MethodPost, "/api/v2/revisit_logs", "application/json", []byte(fmt.Sprintf(
			`{"revisit_log":{"loggable_type":"Opportunity","loggable_id":%d,"content":"报价跟进","category":"3","real_revisit_at":"2015-10-15 09:30"}}`, o.opportunity.ID)))
		id := uint64(ikData(t, status, body)["id"].(float64))
		got := string(e.qcySend("ContactHistory/Get", fmt.Sprintf("token=%s&id=%d&format=json", ikToken, id), nil, false))
		for _, want := range []string{fmt.Sprintf(`"FK_CustID":%d`, o.customer.ID), `"Content":"报价跟进"`, `"TypeID":3`, `"ContactDate":"2015-10-15 09:30:00"`} {
			if !strings.Contains(got, want) {
				t.Errorf("the WebApi's ContactHistory/Get lacks %s: %s", want, got)
			}
		}
	})
}

// AK posts its follow-ups to "/api/v2/revisit_logs??user_token=…" as JSON,
// the time with seconds, and pages the list by has_next_page.
func TestIKCRMRevisitLogAsAKSendsIt(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedIKRevisits(e)
		body := fmt.Sprintf(`{"revisit_log":{"loggable_id":%d,"loggable_type":"Opportunity","content":"AK 跟进","real_revisit_at":"2015-10-15 08:00:00"}}`, o.opportunity.ID)
		status, answer := e.do(http.MethodPost, "/api/v2/revisit_logs??user_token="+ikToken+"&version_code=9.9.9&device=open_api",
			"application/json", strings.NewReader(body))
		if d := ikData(t, status, answer); d["loggable_id"] != float64(o.opportunity.ID) || d["real_revisit_at"] != "2015-10-15 08:00" {
			t.Errorf("AK's post: %s", answer)
		}
		_, answer = e.get("/api/v2/revisit_logs/new_index?user_token=" + ikToken + "&version_code=9.9.9&device=dingtalk&per_page=1&page=1")
		if d := ikData(t, http.StatusOK, answer); d["has_next_page"] != false || d["total_count"] != float64(1) {
			t.Errorf("AK's list: %s", answer)
		}
	})
}
