package test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"crmgw/core"
)

// ikExisting creates a contract with one product line and returns its id and the line's.
func ikExisting(e *env, o ikOrg) (id, line uint64) {
	e.t.Helper()
	status, body := e.ikSend(http.MethodPost, "/api/v2/contracts", "application/json", []byte(o.fill(
		`{"contract":{"title":"已有","sn":"K1","customer_id":{customer},"start_at":"2015-10-01","end_at":"2015-10-31",
		"product_assets_attributes":[{"product_name":"A","quantity":1,"recommended_unit_price":"1"}]}}`)))
	var k struct {
		Data struct {
			ID            uint64
			ProductAssets []struct{ ID uint64 } `json:"product_assets"`
		}
	}
	if err := json.Unmarshal(body, &k); err != nil || status != http.StatusOK || len(k.Data.ProductAssets) != 1 {
		e.t.Fatalf("seeding a contract: HTTP %d %s", status, body)
	}
	return k.Data.ID, k.Data.ProductAssets[0].ID
}

// ikParamError is the whole answer of a parameter error.
func ikParamError(message string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // as the dialect writes
	_ = enc.Encode(struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Error   string `json:"error"`
	}{100422, message, "invalid_params"})
	return b.String()
}

const ikNotFound = `{"code":100100,"message":"您没有权限查看该对象或该对象不存在。","error":"active_record/record_not_found"}` + "\n"

// A number of a million digits, in any numeric field, and ids at or above
// 2^63 are a parameter error quoting an excerpt (or, in the path, a contract
// that is not there); nothing is written.
func TestIKCRMHugeNumbersAndIDsAreRefusedShortly(t *testing.T) {
	huge := strings.Repeat("9", 1_000_000)
	hugeExcerpt := `"` + strings.Repeat("9", 32) + `…"`
	const over = "9223372036854775808" // 2^63
	tooLong := func(label string) string {
		return label + " 应为金额: " + hugeExcerpt + " is too long for an amount"
	}
	idRange := func(label, quoted string) string {
		return label + " 超出 id 的范围 (至多 9223372036854775807): " + quoted
	}
	eachEngine(t, func(e *env) {
		o := seedIKContracts(e)
		id, line := ikExisting(e, o)
		contract := func(fields string) string {
			return o.fill(`{"contract":{"title":"t","customer_id":{customer},"start_at":"2015-10-01","end_at":"2015-10-31",` + fields + `}}`)
		}
		lineItem := func(fields string) string {
			return contract(`"product_assets_attributes":[{"product_name":"A","quantity":1,"recommended_unit_price":"1",` + fields + `}]`)
		}
		existing := fmt.Sprintf("/api/v2/contracts/%d", id)
		assets := "关联产品(product_assets_attributes) 第 1 项: "
		for _, c := range []struct {
			name, method, path, body, want string
		}{
			{"PUT total_amount as a string", http.MethodPut, existing, `{"contract":{"total_amount":"` + huge + `"}}`, ikParamError(tooLong("总金额(total_amount)"))},
			{"PUT total_amount as a number", http.MethodPut, existing, `{"contract":{"total_amount":` + huge + `}}`, ikParamError(tooLong("总金额(total_amount)"))},
			{"PUT total_amount with a huge exponent", http.MethodPut, existing, `{"contract":{"total_amount":1e9999}}`,
				ikParamError(`总金额(total_amount) 应为金额: "1e9999" is too large`)},
			{"POST total_amount", http.MethodPost, "/api/v2/contracts", contract(`"total_amount":"` + huge + `"`), ikParamError(tooLong("总金额(total_amount)"))},
			{"POST recommended_unit_price", http.MethodPost, "/api/v2/contracts", lineItem(`"recommended_unit_price":"` + huge + `"`),
				ikParamError(assets + tooLong("售卖单价(recommended_unit_price)"))},
			{"PUT a line's total_price", http.MethodPut, existing, o.fill(fmt.Sprintf(`{"contract":{"product_assets_attributes":[{"id":%d,"total_price":%s}]}}`, line, huge)),
				ikParamError(assets + tooLong("总价(total_price)"))},
			{"POST quantity", http.MethodPost, "/api/v2/contracts", lineItem(`"quantity":` + huge),
				ikParamError(assets + "数量(quantity) 超出整数的范围: " + hugeExcerpt)},
			{"POST quantity beyond int64", http.MethodPost, "/api/v2/contracts", lineItem(`"quantity":"` + over + `"`),
				ikParamError(assets + `数量(quantity) 超出整数的范围: "` + over + `"`)},
			{"POST customer_id", http.MethodPost, "/api/v2/contracts", contract(`"customer_id":` + huge), ikParamError(idRange("客户(customer_id)", hugeExcerpt))},
			{"PUT customer_id 2^63", http.MethodPut, existing, `{"contract":{"customer_id":` + over + `}}`, ikParamError(idRange("客户(customer_id)", `"`+over+`"`))},
			{"PUT user_id 2^64-1", http.MethodPut, existing, `{"contract":{"user_id":"18446744073709551615"}}`,
				ikParamError(idRange("负责人(user_id)", `"18446744073709551615"`))},
			{"PUT want_department_id 2^63", http.MethodPut, existing, `{"contract":{"want_department_id":` + over + `}}`,
				ikParamError(idRange("所属部门(want_department_id)", `"`+over+`"`))},
			{"PUT opportunity_id 2^63", http.MethodPut, existing, `{"contract":{"opportunity_id":` + over + `}}`,
				ikParamError(idRange("商机(opportunity_id)", `"`+over+`"`))},
			{"PUT category 2^63", http.MethodPut, existing, `{"contract":{"category":` + over + `}}`, ikParamError(idRange("类别(category)", `"`+over+`"`))},
			{"PUT status 2^63", http.MethodPut, existing, `{"contract":{"status":` + over + `}}`, ikParamError(idRange("合同状态(status)", `"`+over+`"`))},
			{"PUT a user to notify 2^63", http.MethodPut, existing, `{"contract":{"notify_user_ids":[1,` + over + `]}}`,
				ikParamError(`通知人(notify_user_ids) 第 2 项超出 id 的范围 (至多 9223372036854775807): "` + over + `"`)},
			{"PUT a line id 2^63", http.MethodPut, existing, `{"contract":{"product_assets_attributes":[{"id":` + over + `,"quantity":2}]}}`,
				ikParamError(assets + idRange("id", `"`+over+`"`))},
			{"POST product_id 2^63", http.MethodPost, "/api/v2/contracts", lineItem(`"product_id":` + over), ikParamError(assets + idRange("产品(product_id)", `"`+over+`"`))},
			{"POST a million-character date", http.MethodPost, "/api/v2/contracts", contract(`"sign_date":"` + huge + `"`),
				ikParamError("签约日期(sign_date) 不是有效的日期: " + hugeExcerpt)},
			{"POST a sign date before 1000-01-02", http.MethodPost, "/api/v2/contracts", contract(`"sign_date":"0999-12-31"`),
				ikParamError("签约日期(sign_date) 超出日期的范围: 0999-12-31 is outside 1000-01-02 to 9999-12-30")},
			{"PUT an end after 9999-12-30", http.MethodPut, existing, `{"contract":{"end_at":"9999-12-31"}}`,
				ikParamError("结束时间(end_at) 超出日期的范围: 9999-12-31 is outside 1000-01-02 to 9999-12-30")},
			{"PUT on a path id 2^63", http.MethodPut, "/api/v2/contracts/" + over, `{"contract":{"title":"x"}}`, ikNotFound},
			{"PUT on a path id 2^63 with a huge amount", http.MethodPut, "/api/v2/contracts/" + over, `{"contract":{"total_amount":` + huge + `}}`, ikNotFound},
			{"PUT with a huge amount on a missing contract", http.MethodPut, "/api/v2/contracts/999999", `{"contract":{"total_amount":` + huge + `}}`, ikNotFound},
			{"GET a path id 2^64-1", http.MethodGet, "/api/v2/contracts/18446744073709551615", "", ikNotFound},
			{"DELETE a path id of 100 digits", http.MethodDelete, "/api/v2/contracts/" + huge[:100], "", ikNotFound},
			{"list by a customer id 2^63", http.MethodGet, "/api/v2/contracts?entity=customer&entity_id=" + over, "",
				ikParamError(`entity_id 应为 customer 的 id: "` + over + `"`)},
			{"list page of 1000 digits", http.MethodGet, "/api/v2/contracts?page=" + huge[:1000], "", ikParamError("page 应为正整数: " + hugeExcerpt)},
		} {
			before := ikSnapshot(e)
			status, body := e.ikSend(c.method, c.path, "application/json", []byte(c.body))
			if status != http.StatusOK || string(body) != c.want {
				t.Errorf("%s: HTTP %d %s\nwant HTTP 200 %s", c.name, status, body, c.want)
			}
			if len(body) > 300 {
				t.Errorf("%s: an answer of %d bytes", c.name, len(body))
			}
			if after := ikSnapshot(e); after != before {
				t.Errorf("%s wrote:\nbefore %s\nafter  %s", c.name, before, after)
			}
		}
		if strings.Contains(e.log.String(), strings.Repeat("9", 2000)) {
			t.Errorf("the log repeats a huge number")
		}
	})
}

// A bad PUT is refused before any transaction: it answers while another
// transaction holds the contract's lock (on SQLite, the database's write lock).
func TestIKCRMBadUpdateTakesNoLock(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedIKContracts(e)
		id, _ := ikExisting(e, o)
		before := ikSnapshot(e)
		tx := e.db.Begin()
		e.must(tx.Error)
		e.must(tx.Exec("UPDATE contracts SET title = title WHERE id = ?", id).Error)
		path := fmt.Sprintf("/api/v2/contracts/%d", id)
		status, body := e.ikSend(http.MethodPut, path, "application/json", []byte(`{"contract":{"total_amount":"`+strings.Repeat("9", 1_000_000)+`"}}`))
		e.must(tx.Rollback().Error)
		want := ikParamError(`总金额(total_amount) 应为金额: "` + strings.Repeat("9", 32) + `…" is too long for an amount`)
		if status != http.StatusOK || string(body) != want {
			t.Errorf("a huge amount while the contract is locked: HTTP %d %s\nwant %s", status, body, want)
		}
		if after := ikSnapshot(e); after != before {
			t.Errorf("wrote:\nbefore %s\nafter  %s", before, after)
		}
	})
}

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
