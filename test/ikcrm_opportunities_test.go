package test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"crmgw/core"
)

// ikOpps is seedIKContracts' tenant with a contact of its customer.
type ikOpps struct {
	ikOrg
	contact core.Contact
}

func seedIKOpps(e *env) ikOpps {
	o := ikOpps{ikOrg: seedIKContracts(e)}
	var err error
	o.contact, err = e.svc.CreateContact(context.Background(), o.me, core.NewContact{CustomerID: o.customer.ID, Name: "王经理", Phone: "13800000000"})
	e.must(err)
	return o
}

func (o ikOpps) fill(s string) string {
	return strings.ReplaceAll(o.ikOrg.fill(s), "{contact}", fmt.Sprint(o.contact.ID))
}

// ikData decodes an answer's data, failing unless its code is 0.
func ikData(t *testing.T, status int, body []byte) map[string]any {
	t.Helper()
	var answer struct {
		Code int            `json:"code"`
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(body, &answer); err != nil || status != http.StatusOK || answer.Code != 0 {
		t.Fatalf("HTTP %d %s (%v)", status, body, err)
	}
	return answer.Data
}

// wbOpportunityForm is the WeCom bot's create (WB): form keys, numeric indices.
func wbOpportunityForm(o ikOpps) []Pair {
	return []Pair{
		{"opportunity[user_id]", fmt.Sprint(o.me.UserID)}, {"opportunity[title]", "年度维保服务"},
		{"opportunity[customer_id]", fmt.Sprint(o.customer.ID)}, {"opportunity[expect_amount]", "120000"},
		{"opportunity[expect_sign_date]", "2015-12-31"}, {"opportunity[want_department_id]", fmt.Sprint(o.department)},
		{"opportunity[stage]", "2"}, {"opportunity[source]", "3"}, {"opportunity[kind]", "1"},
		{"opportunity[note]", "来自企业微信"}, {"opportunity[customer_requirement]", "三年维保"}, {"opportunity[get_time]", "2015-10-15"},
		{"opportunity[product_assets_attributes][0][product_id]", "10312510"},
		{"opportunity[product_assets_attributes][0][recommended_unit_price]", "60000"},
		{"opportunity[product_assets_attributes][0][quantity]", "2"},
		{"opportunity[product_assets_attributes][0][remark]", "两年"},
		{"opportunity[contact_assetships_attributes][0][contact_id]", fmt.Sprint(o.contact.ID)},
	}
}

func TestIKCRMOpportunityCreateShowUpdate(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedIKOpps(e)
		// WB: POST form; it reads data.id, customer, user, owned_department, expect_amount, expect_sign_date, created_at.
		status, body := e.ikSend(http.MethodPost, "/api/v2/opportunities", "application/x-www-form-urlencoded", formBody(wbOpportunityForm(o)))
		d := ikData(t, status, body)
		golden(t, "ikcrm/opportunity_create_form", body)
		id := uint64(d["id"].(float64))
		if d["expect_amount"] != "120000.0" || d["expect_sign_date"] != "2015-12-31" || d["created_at"] != "2015-10-15 10:00" ||
			d["customer"].(map[string]any)["name"] != "TEST5612" || d["user"].(map[string]any)["name"] != "test" ||
			d["owned_department"].(map[string]any)["name"] != "总裁办" || d["stage"] != "2" || d["stage_mapped"] != "需求确定" {
			t.Errorf("WB reads: %s", body)
		}
		// SY: data.customer.before_user is {} while the customer was never lost.
		if _, body := e.ikGet(fmt.Sprintf("/api/v2/opportunities/%d", id), ikAuth); !strings.Contains(string(body), `"before_user":{}`) {
			t.Errorf("before_user: %s", body)
		}

		// AA creates with PUT, form-encoded; a JSON create gives the same opportunity.
		status, body = e.ikSend(http.MethodPut, "/api/v2/opportunities", "application/x-www-form-urlencoded",
			formBody([]Pair{{"opportunity[title]", "AA 商机"}, {"opportunity[customer_id]", fmt.Sprint(o.customer.ID)}}))
		aa := ikData(t, status, body)
		if aa["title"] != "AA 商机" || aa["stage"] != "1" || aa["expect_amount"] != "0.0" || aa["expect_sign_date"] != nil {
			t.Errorf("AA's PUT create: %s", body)
		}
		status, body = e.ikSend(http.MethodPost, "/api/v2/opportunities", "application/json",
			[]byte(o.fill(`{"opportunity":{"title":"JSON 商机","customer_id":{customer},"expect_amount":"88.5","sign_possibility":"30%","numeric_asset_a1b2c3":7}}`)))
		js := ikData(t, status, body)
		if js["expect_amount"] != "88.5" || js["sign_possibility"] != float64(30) || js["numeric_asset_a1b2c3"] != float64(7) {
			t.Errorf("JSON create: %s", body)
		}

		// A key a client writes is learned into the catalogue, labelled by itself.
		if _, body := e.ikGet("/api/v2/custom_fields/opportunity/by_group", ikAuth); !strings.Contains(string(body), `"name":"numeric_asset_a1b2c3"`) {
			t.Errorf("the catalogue did not learn the JSON create's key: %s", body)
		}

		// AK updates a custom select field with PUT JSON; success is HTTP 200. Its
		// option is named in the catalogue: the answer shows the name beside it.
		_, err := e.svc.DefineCustomField(context.Background(), o.tenant.ID, core.CustomFieldDefinition{Entity: core.EntityOpportunity,
			Key: "text_asset_6f4e3b", Label: "商机级别", Options: []core.CustomFieldOption{{Value: "sel_7179", Label: "A级"}}})
		e.must(err)
		status, body = e.ikSend(http.MethodPut, fmt.Sprintf("/api/v2/opportunities/%d", id), "application/json",
			[]byte(`{"opportunity":{"text_asset_6f4e3b":"sel_7179"}}`))
		if up := ikData(t, status, body); up["text_asset_6f4e3b"] != "sel_7179" || up["text_asset_6f4e3b_display"] != "A级" ||
			up["get_time"] != "2015-10-15" || up["title"] != "年度维保服务" {
			t.Errorf("AK's update: %s", body)
		}
		// AA updates with POST: won at stage 5; the line changes by its id, the contact stays.
		e.clock.t = now.Add(time.Hour)
		line := fmt.Sprint(uint64(d["product_assets"].([]any)[0].(map[string]any)["id"].(float64)))
		status, body = e.ikSend(http.MethodPost, fmt.Sprintf("/api/v2/opportunities/%d", id), "application/x-www-form-urlencoded",
			formBody([]Pair{{"opportunity[stage]", "5"}, {"opportunity[product_assets_attributes][0][id]", line},
				{"opportunity[product_assets_attributes][0][quantity]", "3"}}))
		ikData(t, status, body)
		golden(t, "ikcrm/opportunity_update_post", body)
		var stage string
		e.must(e.db.Model(&core.Opportunity{}).Where("id = ?", id).Pluck("stage", &stage).Error)
		if stage != core.OpportunityWon {
			t.Errorf("stage 5 is won, the state is %q", stage)
		}

		// The customer lost to the public pool by its owner: before_user names the owner.
		e.must(e.db.Model(&core.Customer{}).Where("id = ?", o.customer.ID).Update("lost_by_id", o.me.UserID).Error)
		_, body = e.ikGet(fmt.Sprintf("/api/v2/opportunities/%d", id), ikAuth)
		if !strings.Contains(string(body), fmt.Sprintf(`"before_user":{"id":%d,"name":"test"}`, o.me.UserID)) {
			t.Errorf("before_user of a lost customer: %s", body)
		}
		// A missing opportunity is 100100, whatever the body.
		for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodPost} {
			if _, body := e.ikSend(m, "/api/v2/opportunities/987654321", "application/json", []byte(`{"opportunity":{"stage":"x"}}`)); !strings.Contains(string(body), `"code":100100`) {
				t.Errorf("%s a missing opportunity: %s", m, body)
			}
		}
	})
}

func TestIKCRMListOpportunities(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedIKOpps(e)
		ctx := context.Background()
		var ids []uint64
		for i, title := range []string{"甲商机", "乙商机", "丙商机"} {
			e.clock.t = now.Add(time.Duration(i) * time.Hour)
			op, err := e.svc.CreateOpportunity(ctx, o.me, core.NewOpportunity{CustomerID: o.customer.ID, Title: title,
				Amount: mustMoney(e, fmt.Sprint(1000*(i+1))), StageID: uint64(i + 1), CreatedAt: e.clock.t})
			e.must(err)
			ids = append(ids, op.ID)
		}
		// Follow-ups on the first and the third: real_revisit_at is the latest.
		for i, at := range []time.Time{now.Add(5 * time.Hour), now.Add(3 * time.Hour)} {
			_, err := e.svc.AddFollowUp(ctx, o.me, core.NewFollowUp{SubjectKind: core.SubjectOpportunity, SubjectID: ids[i*2], Content: "跟进", ContactedAt: at})
			e.must(err)
		}
		// SY and WB: query, page, per_page; AK pages on has_next_page.
		_, body := e.ikGet("/api/v2/opportunities?query=&page=1&per_page=2&user_token="+ikToken+"&device=open_api", "")
		d := ikData(t, http.StatusOK, body)
		golden(t, "ikcrm/opportunities_page", body)
		if d["total_count"] != float64(3) || d["has_next_page"] != true || len(d["opportunities"].([]any)) != 2 {
			t.Errorf("page 1 of 2: %s", body)
		}
		// SY: sort=real_revisit_at&order=desc, the never followed last.
		_, body = e.ikGet("/api/v2/opportunities?sort=real_revisit_at&order=desc&per_page=200", ikAuth)
		d = ikData(t, http.StatusOK, body)
		var got []string
		for _, item := range d["opportunities"].([]any) {
			got = append(got, item.(map[string]any)["title"].(string))
		}
		if strings.Join(got, ",") != "甲商机,丙商机,乙商机" || d["per_page"] != float64(100) {
			t.Errorf("by real_revisit_at desc: %v, per_page %v", got, d["per_page"])
		}
		for query, want := range map[string]string{
			"stage=2":                     "乙商机",
			"query=丙":                     "丙商机",
			"entity=customer&entity_id=0": "",
			fmt.Sprintf("customer_id=%d&stage=3", o.customer.ID):               "丙商机",
			fmt.Sprintf("customer_id=%d", o.otherCustomer.ID):                  "",
			fmt.Sprintf("entity=customer&entity_id=%d&stage=1", o.customer.ID): "甲商机",
		} {
			status, body := e.ikGet("/api/v2/opportunities?"+query, ikAuth)
			if want == "" {
				if !strings.Contains(string(body), `"total_count":0`) && !strings.Contains(string(body), `"code":100422`) {
					t.Errorf("%s: HTTP %d %s", query, status, body)
				}
				continue
			}
			if !strings.Contains(string(body), `"total_count":1`) || !strings.Contains(string(body), want) {
				t.Errorf("%s: HTTP %d %s", query, status, body)
			}
		}
		// A customer's own list counts its opportunities by stage (D:customer_oppo).
		_, body = e.ikGet(fmt.Sprintf("/api/v2/customers/%d/opportunities?per_page=2", o.customer.ID), ikAuth)
		d = ikData(t, http.StatusOK, body)
		golden(t, "ikcrm/customer_opportunities", body)
		if !strings.Contains(string(body), `"counts_by_stage":[{"id":1,"value":"初步洽谈","count":1,"amount":1000},{"id":2,"value":"需求确定","count":1,"amount":2000}`) ||
			d["total_count"] != float64(3) {
			t.Errorf("the customer's opportunities: %s", body)
		}
		for _, id := range []string{fmt.Sprint(o.otherCustomer.ID), "987654321", "abc"} {
			if _, body := e.ikGet("/api/v2/customers/"+id+"/opportunities", ikAuth); !strings.Contains(string(body), `"code":100100`) {
				t.Errorf("customer %s: %s", id, body)
			}
		}
		for _, query := range []string{"page=x", "order=up", "sort=title", "stage=abc", "entity=lead&entity_id=1",
			// an id without its entity names nothing, and two customers are no one customer:
			// either answered as some other list would tell the client that was the record's
			fmt.Sprintf("entity_id=%d", o.customer.ID),
			fmt.Sprintf("customer_id=%d&entity=customer&entity_id=%d", o.customer.ID, o.otherCustomer.ID)} {
			if _, body := e.ikGet("/api/v2/opportunities?"+query, ikAuth); !strings.Contains(string(body), `"code":100422`) {
				t.Errorf("%s: %s", query, body)
			}
		}
	})
}

func ikOppSnapshot(e *env) string {
	var s []string
	for _, table := range []string{"opportunities", "opportunity_lines", "opportunity_contacts"} {
		var n int64
		e.must(e.db.Table(table).Count(&n).Error)
		s = append(s, fmt.Sprintf("%s=%d", table, n))
	}
	var os []core.Opportunity
	e.must(e.db.Order("id").Find(&os).Error)
	for _, o := range os {
		s = append(s, fmt.Sprint(o.Title, o.StageID, o.Amount, o.CustomFields, o.UpdatedAt))
	}
	return strings.Join(s, " ")
}

func TestIKCRMBadOpportunityWritesGetTheErrorAndWriteNothing(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedIKOpps(e)
		status, body := e.ikSend(http.MethodPost, "/api/v2/opportunities", "application/x-www-form-urlencoded", formBody(wbOpportunityForm(o)))
		id := uint64(ikData(t, status, body)["id"].(float64))
		otherCustomer, err := e.svc.CreateCustomer(context.Background(), o.me, core.NewCustomer{Name: "另一客户"})
		e.must(err)
		otherContact, err := e.svc.CreateContact(context.Background(), o.me, core.NewContact{CustomerID: otherCustomer.ID, Name: "另一客户的联系人"})
		e.must(err)
		before := ikOppSnapshot(e)
		create := func(extra string) string {
			return o.fill(`{"opportunity":{"title":"坏商机","customer_id":{customer}` + extra + `}}`)
		}
		for _, c := range []struct{ name, method, path, body, want string }{
			{"no title", http.MethodPost, "", `{"opportunity":{"customer_id":1}}`, "(title) 不能为空"},
			{"no customer", http.MethodPost, "", `{"opportunity":{"title":"x"}}`, "(customer_id) 不能为空"},
			{"unknown stage", http.MethodPost, "", create(`,"stage":99`), "(stage) 不存在"},
			{"unknown source", http.MethodPost, "", create(`,"source":99`), "(source) 不存在"},
			{"unknown kind", http.MethodPost, "", create(`,"kind":99`), "(kind) 不存在"},
			{"stage not a number", http.MethodPost, "", create(`,"stage":"won"`), "(stage)"},
			{"another tenant's customer", http.MethodPost, "", o.fill(`{"opportunity":{"title":"x","customer_id":{other_customer}}}`), "(customer_id) 不存在"},
			{"a user of none", http.MethodPost, "", create(`,"user_id":987654321`), "(user_id) 不存在"},
			{"a contact of another customer", http.MethodPost, "", create(fmt.Sprintf(`,"contact_assetships_attributes":[{"contact_id":%d}]`, otherContact.ID)), "(contact_assetships_attributes) 不存在"},
			{"possibility over 100", http.MethodPost, "", create(`,"sign_possibility":101`), "(sign_possibility)"},
			{"negative amount", http.MethodPost, "", create(`,"expect_amount":"-1"`), "预计金额(expect_amount): expect_amount cannot be negative"},
			{"amount not money", http.MethodPost, "", create(`,"expect_amount":"12元"`), "(expect_amount)"},
			{"bad date", http.MethodPost, "", create(`,"expect_sign_date":"2015-13-01"`), "(expect_sign_date)"},
			{"date out of range", http.MethodPost, "", create(`,"expect_sign_date":"0999-01-01"`), "(expect_sign_date)"},
			{"title too long", http.MethodPost, "", o.fill(`{"opportunity":{"title":"` + strings.Repeat("长", 256) + `","customer_id":{customer}}}`), "title"},
			{"note too long", http.MethodPost, "", create(`,"note":"` + strings.Repeat("x", 65536) + `"`), "note"},
			{"custom fields too long", http.MethodPost, "", create(`,"text_area_asset_ab12":"` + strings.Repeat("x", 65536) + `"`), "custom_fields"},
			{"a line with a negative price", http.MethodPost, "", create(`,"product_assets_attributes":[{"product_id":1,"quantity":1,"recommended_unit_price":"-5"}]`), "price"},
			{"a new line with an id", http.MethodPost, "", create(`,"product_assets_attributes":[{"id":5,"quantity":1}]`), "(product_assets_attributes)"},
			{"update: a line it does not hold", http.MethodPut, fmt.Sprintf("/%d", id), `{"opportunity":{"title":"改","product_assets_attributes":[{"id":987654321,"quantity":1}]}}`, "(product_assets_attributes)"},
			{"update: emptied title", http.MethodPut, fmt.Sprintf("/%d", id), `{"opportunity":{"title":""}}`, "(title) 不能为空"},
			{"update: unknown stage", http.MethodPost, fmt.Sprintf("/%d", id), `{"opportunity":{"title":"改","stage":7}}`, "(stage) 不存在"},
			{"update: bad JSON", http.MethodPut, fmt.Sprintf("/%d", id), `{"opportunity":`, "JSON"},
			{"update: opportunity not an object", http.MethodPut, fmt.Sprintf("/%d", id), `{"opportunity":"x"}`, "opportunity 应为对象"},
		} {
			status, body := e.ikSend(c.method, "/api/v2/opportunities"+c.path, "application/json", []byte(c.body))
			if status != http.StatusOK || !strings.Contains(string(body), `"code":100422`) || !strings.Contains(string(body), c.want) {
				t.Errorf("%s: HTTP %d %s", c.name, status, body)
			}
		}
		if after := ikOppSnapshot(e); after != before {
			t.Errorf("bad writes changed the opportunities:\n%s\n%s", before, after)
		}
	})
}

// The ids a client sends as stage, source and kind are the tenant's, listed as field_maps/contract lists the contract's.
func TestIKCRMOpportunityFieldMaps(t *testing.T) {
	eachEngine(t, func(e *env) {
		seedIK(e)
		status, body := e.ikGet("/api/v2/field_maps/opportunity", ikAuth)
		ikData(t, status, body)
		golden(t, "ikcrm/field_maps_opportunity", body)
	})
}

// An opportunity turned into a contract is won: at stage 5, 赢单.
func TestIKCRMOpportunityTurnedIntoAContractIsWon(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedIKOpps(e)
		status, body := e.ikSend(http.MethodPost, "/api/v2/opportunities", "application/json",
			[]byte(o.fill(`{"opportunity":{"title":"将成交","customer_id":{customer},"stage":4}}`)))
		id := uint64(ikData(t, status, body)["id"].(float64))
		status, body = e.ikSend(http.MethodPost, "/api/v2/contracts", "application/json", []byte(o.fill(fmt.Sprintf(
			`{"contract_action_name":"turn_to_contract","contract":{"title":"成交合同","customer_id":{customer},"opportunity_id":%d,"start_at":"2015-10-15","end_at":"2016-10-14"}}`, id))))
		ikData(t, status, body)
		_, body = e.ikGet(fmt.Sprintf("/api/v2/opportunities/%d", id), ikAuth)
		if d := ikData(t, http.StatusOK, body); d["stage"] != "5" || d["stage_mapped"] != "赢单" {
			t.Errorf("the opportunity turned into a contract: %s", body)
		}
		// A row from before stages, with only its state: won, so at 5 too.
		e.must(e.db.Create(&core.Opportunity{TenantID: o.tenant.ID, OwnerID: o.me.UserID, CustomerID: o.customer.ID,
			Title: "旧商机", Stage: core.OpportunityWon, CreatedAt: now}).Error)
		_, body = e.ikGet("/api/v2/opportunities?stage=5", ikAuth)
		if !strings.Contains(string(body), `"total_count":2`) || !strings.Contains(string(body), `"title":"旧商机","customer_id"`) {
			t.Errorf("won opportunities: %s", body)
		}
	})
}
