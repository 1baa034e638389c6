package test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"crmgw/core"
)

// ikJSON decodes an open API answer, failing the test unless its code is 0.
func ikJSON(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if m["code"] != float64(0) {
		t.Fatalf("code %v: %s", m["code"], body)
	}
	return m
}

// dig reads a path of keys and indexes out of a decoded JSON value.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// ikCustomersSnapshot is what a refused customer or contact write must leave as it was.
func ikCustomersSnapshot(e *env) string {
	var s []string
	for _, table := range []string{"customers", "contacts", "customer_tags", "custom_fields"} {
		var n int64
		e.must(e.db.Table(table).Count(&n).Error)
		s = append(s, fmt.Sprintf("%s=%d", table, n))
	}
	var cus []core.Customer
	e.must(e.db.Order("id").Find(&cus).Error)
	for _, cu := range cus {
		s = append(s, fmt.Sprintf("%d:%s:%s:%s:%d:%s", cu.ID, cu.Name, cu.Tel, cu.Phone, cu.StatusID, cu.CustomFields))
	}
	var cts []core.Contact
	e.must(e.db.Order("id").Find(&cts).Error)
	for _, ct := range cts {
		s = append(s, fmt.Sprintf("%d:%s:%s:%s", ct.ID, ct.Name, ct.Phone, ct.CustomFields))
	}
	return strings.Join(s, " ")
}

// An SDK's nested form create (AA, JN), a JSON update with a number for the
// status (IS, AK), the AA's POST alias, the show and the list as clients page it.
func TestIKCRMCustomers(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedIKContracts(e)
		form := formBody([]Pair{
			{"customer[name]", "上海星创科技有限公司"}, {"customer[category]", "1"}, {"customer[source]", "2"},
			{"customer[status]", "1"}, {"customer[industry]", "1"}, {"customer[note]", "老客户介绍"},
			{"customer[want_department_id]", fmt.Sprint(o.department)},
			{"customer[address_attributes][detail_address]", "上海市浦东新区申江路5005弄"},
			{"customer[address_attributes][tel]", "021-55551234"}, {"customer[address_attributes][phone]", "13800001111"},
			{"customer[address_attributes][wechat]", "xingchuang"}, {"customer[address_attributes][email]", "hi@xc.cn"},
			{"customer[contacts_attributes][0][name]", "张三"}, {"customer[labels][]", "1"},
			{"customer[text_asset_6f4e3b]", "sel_7179"}, {"customer[numeric_asset_a1b2]", "12"},
		})
		status, body := e.ikSend(http.MethodPost, "/api/v2/customers", "application/x-www-form-urlencoded", form)
		if status != http.StatusOK {
			t.Fatalf("create: HTTP %d %s", status, body)
		}
		golden(t, "ikcrm/customer_create", body)
		created := ikJSON(t, body)
		id := uint64(dig(created, "data", "id").(float64))
		// What WB reads of the create's answer.
		for _, path := range [][]any{{"data", "user", "name"}, {"data", "owned_department", "name"}, {"data", "address", "tel"}, {"data", "created_at"}} {
			if dig(created, path...) == nil {
				t.Errorf("create's answer lacks %v: %s", path, body)
			}
		}
		// PA reads contacts[].address.addressable_id into a non-nullable int.
		if got := dig(created, "data", "contacts", 0, "address", "addressable_id"); got == nil || got.(float64) == 0 {
			t.Errorf("contact's addressable_id = %v", got)
		}

		// IS: JSON with the status as a number, then labels alone.
		status, body = e.ikSend(http.MethodPut, fmt.Sprintf("/api/v2/customers/%d", id), "application/json", []byte(`{"customer":{"status":2}}`))
		if m := ikJSON(t, body); status != http.StatusOK || dig(m, "data", "status") != "2" || dig(m, "data", "status_mapped") != "意向客户" {
			t.Fatalf("update status: HTTP %d %s", status, body)
		}
		_, body = e.ikSend(http.MethodPut, fmt.Sprintf("/api/v2/customers/%d", id), "application/json", []byte(`{"customer":{"labels":[2,1]}}`))
		if got := fmt.Sprint(dig(ikJSON(t, body), "data", "labels")); got != "[1 2]" {
			t.Errorf("labels = %s, want [1 2]", got)
		}
		// JN: a form's custom field and mobile; AA: by POST.
		_, body = e.ikSend(http.MethodPost, fmt.Sprintf("/api/v2/customers/%d", id), "application/x-www-form-urlencoded",
			formBody([]Pair{{"customer[address_attributes][phone]", "13900002222"}, {"customer[text_area_asset_99]", "多行\n备注"}}))
		m := ikJSON(t, body)
		if dig(m, "data", "address", "phone") != "13900002222" || dig(m, "data", "address", "tel") != "021-55551234" ||
			dig(m, "data", "text_area_asset_99_display") != "多行\n备注" || dig(m, "data", "text_asset_6f4e3b") != "sel_7179" {
			t.Errorf("POST update: %s", body)
		}

		_, err := e.svc.AddContactHistory(context.Background(), o.me, core.NewContactHistory{CustomerID: id, Content: "电话沟通, 约下周见面"})
		e.must(err)
		status, body = e.ikSend(http.MethodGet, fmt.Sprintf("/api/v2/customers/%d", id), "", nil)
		if status != http.StatusOK {
			t.Fatalf("show: HTTP %d %s", status, body)
		}
		golden(t, "ikcrm/customer_show", body)

		// AK and LV page with per_page 200 and page 0; JN sends department_id empty.
		status, body = e.ikSend(http.MethodGet, "/api/v2/customers?per_page=200&page=0&department_id=&sort=created_at&order=asc", "", nil)
		if status != http.StatusOK {
			t.Fatalf("list: HTTP %d %s", status, body)
		}
		golden(t, "ikcrm/customers", body)
		m = ikJSON(t, body)
		if dig(m, "data", "per_page") != float64(100) || dig(m, "data", "page") != float64(1) || dig(m, "data", "total_count") != float64(2) {
			t.Errorf("paging: %s", body)
		}
		if dig(m, "data", "customers", 1, "last_revist_log_content") != "电话沟通, 约下周见面" {
			t.Errorf("last_revist_log_content: %s", body)
		}

		for _, c := range []struct {
			query string
			want  int
		}{
			{"query=星创科技", 1}, {"query=13900002222", 1}, {"status=2", 1}, {"status=3", 1}, {"source=2", 1},
			{"tab_type=my", 2}, {"tab_type=sub", 0}, {"tab_type=common", 0}, {"tab_type=assist", 0},
			{fmt.Sprintf("user_id=%d", o.me.UserID), 2}, {fmt.Sprintf("department_id=%d", o.department), 2},
			{"created_at[]=2015-10-15&created_at[]=2015-10-15", 2}, {"created_at[]=2015-10-16&created_at[]=", 0},
			{"real_revisit_at=2015-10-15", 1}, {"real_revisit_at[]=&real_revisit_at[]=2015-10-14", 0},
			{"per_page=1&page=2", 1},
		} {
			_, body := e.ikSend(http.MethodGet, "/api/v2/customers?"+c.query, "", nil)
			if got := dig(ikJSON(t, body), "data", "customers").([]any); len(got) != c.want {
				t.Errorf("%s: %d customers, want %d: %s", c.query, len(got), c.want, body)
			}
		}
	})
}

// JN: node's request puts the credentials, and here a filter, in a GET's form body.
func TestIKCRMCustomersWithAGetBody(t *testing.T) {
	eachEngine(t, func(e *env) {
		seedIKContracts(e)
		req, err := http.NewRequest(http.MethodGet, e.url+"/api/v2/customers?per_page=100",
			strings.NewReader("user_token="+ikToken+"&device=wxwork&version_code=3.13.0&query=TEST"))
		e.must(err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := http.DefaultClient.Do(req)
		e.must(err)
		defer res.Body.Close()
		var m map[string]any
		e.must(json.NewDecoder(res.Body).Decode(&m))
		if got := dig(m, "data", "customers", 0, "name"); got != "TEST5612" || dig(m, "data", "total_count") != float64(1) {
			t.Errorf("%v", m)
		}
	})
}

// PP's lead push: the common pool's create, JSON, a phone and a select.
func TestIKCRMCommonCustomers(t *testing.T) {
	eachEngine(t, func(e *env) {
		seedIKContracts(e)
		status, body := e.ikSend(http.MethodPost, "/api/v2/common_customers", "application/json", []byte(`{"common_id":"101861",
 "customer":{"name":"线索客户","address_attributes":{"phone":"13812345678","detail_address":"杭州"},
 "text_asset_9c1d":"sel_5a2b","numeric_asset_77":3}}`))
		if status != http.StatusOK {
			t.Fatalf("HTTP %d %s", status, body)
		}
		golden(t, "ikcrm/common_customer_create", body)
		m := ikJSON(t, body)
		if dig(m, "data", "is_public") != true || dig(m, "data", "user_id") != float64(0) || dig(m, "data", "numeric_asset_77") != float64(3) {
			t.Errorf("%s", body)
		}
		_, body = e.ikSend(http.MethodGet, "/api/v2/customers?tab_type=common", "", nil)
		if got := dig(ikJSON(t, body), "data", "total_count"); got != float64(1) {
			t.Errorf("common tab: %v customers: %s", got, body)
		}
	})
}

// Refused writes answer 100422 (or 100100, 100409) naming the field and leave every row as it was.
func TestIKCRMBadCustomerWritesWriteNothing(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedIKContracts(e)
		path := fmt.Sprintf("/api/v2/customers/%d", o.customer.ID)
		long := strings.Repeat("长", 256)
		var fields []string
		for i := range 5 {
			fields = append(fields, fmt.Sprintf(`"text_area_asset_%x":"%s"`, i, strings.Repeat("长", 900)))
		}
		manyFields := strings.Join(fields, ",")
		var contacts []string
		for i := range 101 {
			contacts = append(contacts, fmt.Sprintf(`{"name":"联系人%d"}`, i))
		}
		manyContacts := strings.Join(contacts, ",")
		for _, c := range []struct {
			name, method, path, body string
			code                     float64
			message                  string
		}{
			{"no name", http.MethodPost, "/api/v2/customers", `{"customer":{"note":"x"}}`, 100422, "客户名称(name) 不能为空"},
			{"unknown status", http.MethodPost, "/api/v2/customers", `{"customer":{"name":"甲","status":999}}`, 100422, "客户状态(status) 不存在"},
			{"unknown label", http.MethodPost, "/api/v2/customers", `{"customer":{"name":"甲","labels":[1,77]}}`, 100422, "标签(labels) 不存在"},
			{"unknown owner", http.MethodPost, "/api/v2/customers", o.fill(`{"customer":{"name":"甲","user_id":987654}}`), 100422, "负责人(user_id) 不存在"},
			{"name too long", http.MethodPost, "/api/v2/customers", `{"customer":{"name":"` + long + `"}}`, 100422, "name"},
			{"contact without name", http.MethodPost, "/api/v2/customers", `{"customer":{"name":"甲","contacts_attributes":[{"job":"经理"}]}}`, 100422, "姓名(name) 不能为空"},
			{"numeric field not a number", http.MethodPost, "/api/v2/customers", `{"customer":{"name":"甲","numeric_asset_1":"abc"}}`, 100422, "numeric_asset_1"},
			{"numeric field 1e400", http.MethodPost, "/api/v2/customers", `{"customer":{"name":"甲","numeric_asset_1":1e400}}`, 100422, "numeric_asset_1"},
			{"text field too long", http.MethodPut, path, `{"customer":{"text_asset_1":"` + strings.Repeat("长", 1001) + `"}}`, 100422, "longer than 1000"},
			{"custom fields past their column", http.MethodPut, path, `{"customer":{` + manyFields + `}}`, 100422, "custom_fields"},
			{"custom field a list", http.MethodPut, path, `{"customer":{"text_asset_1":["a"]}}`, 100422, "text_asset_1"},
			// An item with an id names a contact that exists: adding it again would make a second one.
			{"contact with an id", http.MethodPut, path, `{"customer":{"contacts_attributes":[{"id":1,"name":"改名"}]}}`, 100422, "联系人(contacts_attributes) 第 1 项"},
			{"contact to destroy", http.MethodPut, path, `{"customer":{"contacts_attributes":{"0":{"id":1,"_destroy":"1"}}}}`, 100422, "联系人(contacts_attributes) 第 1 项"},
			{"more contacts than one write adds", http.MethodPost, "/api/v2/customers", `{"customer":{"name":"甲","contacts_attributes":[` + manyContacts + `]}}`, 100422, "联系人(contacts_attributes) 至多 100 项"},
			{"contact with an id on create", http.MethodPost, "/api/v2/customers", `{"customer":{"name":"甲","contacts_attributes":[{"id":1,"name":"乙"}]}}`, 100422, "联系人(contacts_attributes) 第 1 项"},
			{"opportunities with it", http.MethodPost, "/api/v2/customers", `{"customer":{"name":"甲","opportunities_attributes":[{"title":"x"}]}}`, 100422, "opportunities_attributes"},
			{"duplicate name", http.MethodPost, "/api/v2/customers", `{"check_duplicates":"true","customer":{"name":"TEST5612"}}`, 100409, "已经存在"},
			{"empty name", http.MethodPut, path, `{"customer":{"name":" "}}`, 100422, "不能为空"},
			{"other tenant's customer", http.MethodPut, o.fill("/api/v2/customers/{other_customer}"), `{"customer":{"name":"x"}}`, 100100, ""},
			{"not an id", http.MethodGet, "/api/v2/customers/abc", ``, 100100, ""},
			{"bad tab", http.MethodGet, "/api/v2/customers?tab_type=all", ``, 100422, "tab_type"},
			{"bad date", http.MethodGet, "/api/v2/customers?created_at[]=2015-13-01", ``, 100422, "created_at"},
			{"contact of other tenant's customer", http.MethodPost, "/api/v2/contacts", o.fill(`{"contact":{"name":"李四","customer_id":{other_customer}}}`), 100422, "客户(customer_id) 不存在"},
			{"contact phone too long", http.MethodPost, "/api/v2/contacts", o.fill(`{"contact":{"name":"李四","customer_id":{customer},"address_attributes":{"phone":"` + strings.Repeat("1", 65) + `"}}}`), 100422, "phone"},
		} {
			before := ikCustomersSnapshot(e)
			ct := ""
			if c.body != "" {
				ct = "application/json"
			}
			status, body := e.ikSend(c.method, c.path, ct, []byte(c.body))
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil || status != http.StatusOK || m["code"] != c.code ||
				!strings.Contains(fmt.Sprint(m["message"]), c.message) {
				t.Errorf("%s: HTTP %d %s, want code %v with %q", c.name, status, body, c.code, c.message)
			}
			if after := ikCustomersSnapshot(e); after != before {
				t.Errorf("%s changed rows:\n%s\n%s", c.name, before, after)
			}
		}
	})
}

// IS's contacts: JSON create and update with a phone and a custom field, the
// list with its filters, and simplest.
func TestIKCRMContacts(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedIKContracts(e)
		status, body := e.ikSend(http.MethodPost, "/api/v2/contacts", "application/json",
			[]byte(o.fill(`{"contact":{"name":"李四","customer_id":{customer},"address_attributes":{"phone":"13600001234"},"text_asset_b7":"采购"}}`)))
		if status != http.StatusOK {
			t.Fatalf("create: HTTP %d %s", status, body)
		}
		golden(t, "ikcrm/contact_create", body)
		m := ikJSON(t, body)
		if code := fmt.Sprint(m["code"]); code != "0" { // IS compares code with "0"
			t.Errorf("code %s", code)
		}
		id := uint64(dig(m, "data", "id").(float64))
		_, body = e.ikSend(http.MethodPut, fmt.Sprintf("/api/v2/contacts/%d", id), "application/json",
			[]byte(`{"contact":{"job":"采购经理","address_attributes":{"phone":"13600005678"},"text_asset_b7":null}}`))
		m = ikJSON(t, body)
		if dig(m, "data", "job") != "采购经理" || dig(m, "data", "address", "phone") != "13600005678" || dig(m, "data", "name") != "李四" ||
			dig(m, "data", "text_asset_b7") != nil {
			t.Errorf("update: %s", body)
		}
		_, err := e.svc.CreateContact(context.Background(), o.me, core.NewContact{CustomerID: o.customer.ID, Name: "王五"})
		e.must(err)
		// JN's form create.
		_, body = e.ikSend(http.MethodPost, "/api/v2/contacts", "application/x-www-form-urlencoded",
			formBody([]Pair{{"contact[name]", "赵六"}, {"contact[customer_id]", fmt.Sprint(o.customer.ID)}, {"contact[address_attributes][tel]", "021-1234"}}))
		ikJSON(t, body)

		status, body = e.ikSend(http.MethodGet, fmt.Sprintf("/api/v2/contacts?entity=customer&entity_id=%d&per_page=2", o.customer.ID), "", nil)
		if status != http.StatusOK {
			t.Fatalf("list: HTTP %d %s", status, body)
		}
		golden(t, "ikcrm/contacts", body)
		for _, c := range []struct {
			query string
			want  float64
		}{{"", 3}, {"has_phone=true", 2}, {"query=李", 1}, {"query=1360000", 1}, {"tab_type=my", 3}, {"tab_type=sub", 0},
			{"tab_type=my_assist", 0}, {fmt.Sprintf("customer_id=%d", o.otherCustomer.ID), 0}} {
			_, body := e.ikSend(http.MethodGet, "/api/v2/contacts?"+c.query, "", nil)
			if got := dig(ikJSON(t, body), "data", "total_count"); got != c.want {
				t.Errorf("%s: %v contacts, want %v", c.query, got, c.want)
			}
		}
		for _, query := range []string{fmt.Sprintf("entity_id=%d", o.customer.ID),
			fmt.Sprintf("customer_id=%d&entity=customer&entity_id=%d", o.customer.ID, o.otherCustomer.ID)} {
			if _, body := e.ikSend(http.MethodGet, "/api/v2/contacts?"+query, "", nil); !strings.Contains(string(body), `"code":100422`) {
				t.Errorf("%s names no one customer: %s", query, body)
			}
		}
		status, body = e.ikSend(http.MethodGet, fmt.Sprintf("/api/v2/contacts/simplest?customer_id=%d", o.customer.ID), "", nil)
		if status != http.StatusOK {
			t.Fatalf("simplest: HTTP %d %s", status, body)
		}
		golden(t, "ikcrm/contacts_simplest", body)
		_, body = e.ikSend(http.MethodGet, fmt.Sprintf("/api/v2/contacts/simplest?customer_id=%d", o.otherCustomer.ID), "", nil)
		if !strings.Contains(string(body), `"code":100100`) {
			t.Errorf("simplest of another tenant's customer: %s", body)
		}
	})
}

// The field maps' options are the tenant's dictionaries; the catalogue lists
// the keys clients wrote and an operator's definitions, whose select labels
// the records then display.
func TestIKCRMCustomerFieldMapsAndCustomFields(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedIKContracts(e)
		status, body := e.ikSend(http.MethodGet, "/api/v2/field_maps/customer", "", nil)
		if status != http.StatusOK {
			t.Fatalf("HTTP %d %s", status, body)
		}
		golden(t, "ikcrm/field_maps_customer", body)

		_, err := e.svc.DefineCustomField(context.Background(), o.tenant.ID, core.CustomFieldDefinition{Entity: core.EntityCustomer,
			Key: "text_asset_6f4e3b", Label: "客户级别", GroupName: "基本信息", Required: true,
			Options: []core.CustomFieldOption{{Value: "sel_7179", Label: "A级"}, {Value: "sel_717a", Label: "B级"}}})
		e.must(err)
		_, body = e.ikSend(http.MethodPut, fmt.Sprintf("/api/v2/customers/%d", o.customer.ID), "application/json",
			[]byte(`{"customer":{"text_asset_6f4e3b":"sel_717a","numeric_asset_c3":"12.50","text_asset_b1":true,"status_mapped":"sent back","text_asset_6f4e3b_display":"ignored"}}`))
		m := ikJSON(t, body)
		if dig(m, "data", "text_asset_6f4e3b_display") != "B级" || !strings.Contains(string(body), `"numeric_asset_c3":12.50,`) ||
			dig(m, "data", "text_asset_b1") != "true" || dig(m, "data", "status_mapped") != "成交客户" {
			t.Errorf("update: %s", body)
		}
		_, body = e.ikSend(http.MethodPost, "/api/v2/contacts", "application/json",
			[]byte(o.fill(`{"contact":{"name":"李四","customer_id":{customer},"text_area_asset_d4":"x"}}`)))
		ikJSON(t, body)

		// PA updates a contract's custom fields by form and reads text_asset_x(_display) from its detail.
		_, body = e.ikSend(http.MethodPost, "/api/v2/contracts", "application/json", []byte(o.fill(ikDocRequest)))
		k := uint64(dig(ikJSON(t, body), "data", "id").(float64))
		_, err = e.svc.DefineCustomField(context.Background(), o.tenant.ID, core.CustomFieldDefinition{Entity: core.EntityContract,
			Key: "text_asset_e5", Label: "合同级别", Options: []core.CustomFieldOption{{Value: "sel_e51", Label: "重要"}}})
		e.must(err)
		_, body = e.ikSend(http.MethodPut, fmt.Sprintf("/api/v2/contracts/%d", k), "application/x-www-form-urlencoded",
			formBody([]Pair{{"contract[text_asset_e5]", "sel_e51"}, {"contract[text_area_asset_e6]", "条款"}}))
		m = ikJSON(t, body)
		if dig(m, "data", "text_asset_e5_display") != "重要" || dig(m, "data", "text_area_asset_e6_display") != "条款" ||
			dig(m, "data", "self_xsdsd") != float64(1212) || dig(m, "data", "self_xsdsd_display") != nil {
			t.Errorf("contract's custom fields: %s", body)
		}

		for _, entity := range []string{"customer", "contact", "contract", "lead"} {
			status, body := e.ikSend(http.MethodGet, "/api/v2/custom_fields/"+entity+"/by_group", "", nil)
			if status != http.StatusOK {
				t.Fatalf("%s: HTTP %d %s", entity, status, body)
			}
			golden(t, "ikcrm/custom_fields_"+entity, body)
		}
		_, body = e.ikSend(http.MethodGet, "/api/v2/custom_fields/customers/by_group", "", nil)
		if !strings.Contains(string(body), `"code":100422`) {
			t.Errorf("unknown entity: %s", body)
		}
	})
}

// -- the isolation walk's probes of the customers, contacts and custom fields --

func isoIKCustomers(x *isoWorld, r isoRoute) []isoProbe {
	list := func(query string) func(string) isoReq {
		return func(id string) isoReq {
			return x.ik(r.method, r.path+strings.ReplaceAll(query, "{id}", url.QueryEscape(id)), "")
		}
	}
	empty := isoIKCode(0, `"customers":[],"total_count":0`)
	return []isoProbe{
		{name: "A's customers only", req: list("?per_page=100"), want: isoIKCode(0, "isoA-客户一", "isoA-客户二", "isoA-王经理", `"total_count":2`)},
		{name: "A's public pool", req: list("?tab_type=common"), want: empty},
		{name: "shared with A's caller", req: list("?tab_type=assist"), want: empty},
		{name: "B's user as owner", foreign: isoID(x.b.main.UserID), missing: isoMissing, req: list("?user_id={id}"), want: empty},
		{name: "B's department", foreign: isoID(x.b.dept.ID), missing: isoMissing, req: list("?department_id={id}"), want: empty},
		{name: "B's own industry's code as category", foreign: isoID(x.b.customType), missing: "12345", req: list("?category={id}"), want: empty},
		{name: "B's customer name as query", foreign: x.b.customer.Name, missing: "isoZ-none", req: list("?query={id}"), want: empty},
		{name: "B's customer tel as query", foreign: x.b.customer.Tel, missing: "isoZ-tel", req: list("?query={id}"), want: empty},
	}
}

// isoIKCustomer is a customer body of A's, with extra fields.
func isoIKCustomer(extra string) string {
	return `{"customer":{"name":"isoA-新客户"` + extra + `}}`
}

func isoIKCustomerCreate(x *isoWorld, r isoRoute) []isoProbe {
	bName := x.b.customer.Name // each route creates one of B's names, once
	if strings.HasSuffix(r.path, "common_customers") {
		bName = x.b.customer2.Name
	}
	create := func(extra string) func(string) isoReq {
		return func(id string) isoReq {
			body := isoIKCustomer(strings.ReplaceAll(extra, "{id}", id))
			if strings.HasSuffix(r.path, "common_customers") {
				body = `{"common_id":"1",` + body[1:]
			}
			return x.ik(r.method, r.path, body)
		}
	}
	return []isoProbe{
		{name: "B's user as owner", foreign: isoID(x.b.second.UserID), missing: isoMissing, req: create(`,"user_id":{id}`), want: isoIKNoReference("user_id")},
		{name: "B's own industry", foreign: isoID(x.b.customType), missing: "12345", req: create(`,"industry":{id}`), want: isoIKNoReference("industry")},
		{name: "B's own tag", foreign: isoID(x.b.customType), missing: "12345", req: create(`,"labels":[{id}]`), want: isoIKNoReference("labels")},
		// A name is unique in a tenant only: one B uses is free in A.
		{name: "B's customer name is free in A", req: func(string) isoReq {
			return x.ik(r.method, r.path+"?check_duplicates=true", strings.Replace(isoIKCustomer(""), "isoA-新客户", bName, 1))
		}, want: isoIKCode(0, `"name":"`+bName+`"`), echoes: true},
	}
}

func isoIKCustomerShow(x *isoWorld, r isoRoute) []isoProbe {
	show := func(id string) isoReq { return x.ik(r.method, "/api/v2/customers/"+id, "") }
	return []isoProbe{
		{name: "B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing, req: show, want: isoIKNotFound},
		{name: "A's customer", req: func(string) isoReq { return show(isoID(x.a.customer.ID)) }, want: isoIKCode(0, "isoA-客户一", "isoA-王经理", "isoA-介绍产品")},
	}
}

func isoIKCustomerUpdate(x *isoWorld, r isoRoute) []isoProbe {
	put := func(customer, body string) func(string) isoReq {
		return func(id string) isoReq {
			return x.ik(r.method, "/api/v2/customers/"+strings.ReplaceAll(customer, "{id}", id), strings.ReplaceAll(body, "{id}", id))
		}
	}
	mine := isoID(x.a.customer.ID)
	return []isoProbe{
		{name: "B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing, req: put("{id}", isoIKCustomer("")), want: isoIKNotFound},
		{name: "A's customer given B's user as owner", foreign: isoID(x.b.main.UserID), missing: isoMissing,
			req: put(mine, `{"customer":{"user_id":{id}}}`), want: isoIKNoReference("user_id")},
		{name: "A's customer given B's own tag", foreign: isoID(x.b.customType), missing: "12345",
			req: put(mine, `{"customer":{"labels":[{id}]}}`), want: isoIKNoReference("labels")},
	}
}

func isoIKCustomerFieldMaps(x *isoWorld, r isoRoute) []isoProbe {
	return []isoProbe{{name: "A's dictionaries only", req: func(string) isoReq { return x.ik(r.method, r.path, "") },
		want: isoIKCode(0, "isoA-行业", "isoA-客户类别", "潜在客户")}}
}

func isoIKContacts(x *isoWorld, r isoRoute) []isoProbe {
	list := func(query string) func(string) isoReq {
		return func(id string) isoReq {
			return x.ik(r.method, r.path+strings.ReplaceAll(query, "{id}", url.QueryEscape(id)), "")
		}
	}
	empty := isoIKCode(0, `"contacts":[],"total_count":0`)
	return []isoProbe{
		{name: "A's contacts only", req: list("?per_page=100"), want: isoIKCode(0, "isoA-王经理", "isoA-李助理", `"total_count":2`)},
		{name: "B's customer as entity", foreign: isoID(x.b.customer.ID), missing: isoMissing, req: list("?entity=customer&entity_id={id}"), want: empty},
		{name: "B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing, req: list("?customer_id={id}"), want: empty},
		{name: "B's contact's name as query", foreign: x.b.mainContact.Name, missing: "isoZ-none", req: list("?query={id}"), want: empty},
		{name: "of customers shared with the others of A's department", req: list("?tab_type=sub_assist"), want: isoIKCode(0, "isoA-王经理", `"total_count":2`)},
	}
}

func isoIKContactsSimplest(x *isoWorld, r isoRoute) []isoProbe {
	return []isoProbe{
		{name: "B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing,
			req: func(id string) isoReq { return x.ik(r.method, r.path+"?customer_id="+id, "") }, want: isoIKNotFound},
		{name: "A's customer", req: func(string) isoReq { return x.ik(r.method, r.path+"?customer_id="+isoID(x.a.customer.ID), "") },
			want: isoIKCode(0, "isoA-王经理", "isoA-李助理")},
	}
}

func isoIKContactCreate(x *isoWorld, r isoRoute) []isoProbe {
	return []isoProbe{{name: "for B's customer", foreign: isoID(x.b.customer.ID), missing: isoMissing,
		req: func(id string) isoReq {
			return x.ik(r.method, r.path, `{"contact":{"name":"isoA-新联系人","customer_id":`+id+`}}`)
		}, want: isoIKNoReference("customer_id")}}
}

func isoIKContactUpdate(x *isoWorld, r isoRoute) []isoProbe {
	return []isoProbe{
		{name: "B's contact", foreign: isoID(x.b.mainContact.ID), missing: isoMissing,
			req: func(id string) isoReq {
				return x.ik(r.method, "/api/v2/contacts/"+id, `{"contact":{"name":"isoA-改"}}`)
			}, want: isoIKNotFound},
		// A contact stays with its customer: a customer_id sent is not read.
		{name: "A's contact given B's customer stays with A's", req: func(string) isoReq {
			return x.ik(r.method, "/api/v2/contacts/"+isoID(x.a.contact.ID), fmt.Sprintf(`{"contact":{"customer_id":%d}}`, x.b.customer.ID))
		}, want: isoIKCode(0, "isoA-客户一")},
	}
}

func isoIKCustomFields(x *isoWorld, r isoRoute) []isoProbe {
	return []isoProbe{{name: "A's catalogue only", req: func(string) isoReq { return x.ik(r.method, "/api/v2/custom_fields/customer/by_group", "") },
		want: isoIKCode(0, "isoA-自定义")}}
}

// A search matches text as it is stored, on every engine alike: SQLite's LIKE
// folds ASCII case where MySQL's exact collation does not, so "test5612"
// found TEST5612 on one engine only.
func TestIKCRMSearchIsExactOnEveryEngine(t *testing.T) {
	eachEngine(t, func(e *env) {
		seedIKContracts(e)
		for query, want := range map[string]float64{"TEST56": 1, "test5612": 0, "Test": 0} {
			_, body := e.ikSend(http.MethodGet, "/api/v2/customers?query="+url.QueryEscape(query), "", nil)
			if got := dig(ikJSON(t, body), "data", "total_count"); got != want {
				t.Errorf("query=%s finds %v customers, want %v: %s", query, got, want, body)
			}
		}
	})
}
