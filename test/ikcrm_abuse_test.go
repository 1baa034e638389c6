package test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"crmgw/core"
)

// Custom fields keep the literal text of their numbers through create, show,
// list and later PUTs, which succeed, also one removing a field.
func TestIKCRMCustomFieldNumbersKeepTheirText(t *testing.T) {
	const custom = `"x_big":12345678901234567890,"x_dec":0.1000,"x_huge":1e400,"x_neg":-0,"x_nested":{"a":[1.50,-0.0]}`
	eachEngine(t, func(e *env) {
		o := seedIKContracts(e)
		status, created := e.ikSend(http.MethodPost, "/api/v2/contracts", "application/json", []byte(o.fill(
			`{"contract":{"title":"自定义","sn":"C1","customer_id":{customer},"start_at":"2015-10-01","end_at":"2015-10-31",`+custom+`}}`)))
		if status != http.StatusOK || !strings.HasSuffix(string(created), `"received_payment_plans":[],`+custom+"}}\n") {
			t.Fatalf("create: HTTP %d %s", status, created)
		}
		golden(t, "ikcrm/custom_numbers", created)
		var k core.Contract
		e.must(e.db.Where("sn = ?", "C1").Take(&k).Error)
		if want := "{" + custom + "}"; k.CustomFields != want {
			t.Errorf("stored %s, want %s", k.CustomFields, want)
		}
		path := fmt.Sprintf("/api/v2/contracts/%d", k.ID)
		if _, body := e.ikSend(http.MethodGet, path, "", nil); string(body) != string(created) {
			t.Errorf("show: %s\nwant %s", body, created)
		}
		status, body := e.ikSend(http.MethodGet, "/api/v2/contracts", "", nil)
		if status != http.StatusOK || !strings.Contains(string(body), fmt.Sprintf(`"contracts":[{"id":%d,`, k.ID)) {
			t.Errorf("list: HTTP %d %s", status, body)
		}
		if _, body := e.ikSend(http.MethodPut, path, "application/json", []byte(`{"contract":{"title":"自定义"}}`)); string(body) != string(created) {
			t.Errorf("PUT of an unchanged title: %s\nwant %s", body, created)
		}
		removed := strings.Replace(string(created), `,"x_huge":1e400`, "", 1)
		if _, body := e.ikSend(http.MethodPut, path, "application/json", []byte(`{"contract":{"x_huge":null}}`)); string(body) != removed {
			t.Errorf("PUT removing x_huge: %s\nwant %s", body, removed)
		}
		if _, body := e.ikSend(http.MethodGet, path, "", nil); string(body) != removed {
			t.Errorf("show after the removal: %s\nwant %s", body, removed)
		}
	})
}
