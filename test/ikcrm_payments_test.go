package test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"crmgw/core"
)

// ikPayOrg is seedIKContracts' tenant with a contract of 19800 and a
// contract of another tenant.
type ikPayOrg struct {
	ikOrg
	contract, other core.Contract
}

func seedIKPayments(e *env) ikPayOrg {
	o := ikPayOrg{ikOrg: seedIKContracts(e)}
	ctx := context.Background()
	var err error
	o.contract, err = e.svc.CreateContract(ctx, o.me, core.NewContract{Title: "CRM集团版", SN: "9989", CustomerID: o.customer.ID,
		TotalAmount: mustMoney(e, "19800"), SignDate: mustDate(e, "2015-08-08"), StartDate: mustDate(e, "2015-08-08"),
		EndDate: mustDate(e, "2016-08-08")})
	e.must(err)
	var owner core.User
	e.must(e.db.Where("tenant_id = ?", o.otherCustomer.TenantID).Take(&owner).Error)
	o.other, err = e.svc.CreateContract(ctx, core.Caller{TenantID: owner.TenantID, UserID: owner.ID, Location: o.me.Location},
		core.NewContract{Title: "别家的合同", SN: "X", CustomerID: o.otherCustomer.ID, TotalAmount: mustMoney(e, "1"),
			StartDate: mustDate(e, "2015-08-08"), EndDate: mustDate(e, "2015-08-09")})
	e.must(err)
	return o
}

// paySnapshot is every payment and plan, to show a refused write left none.
func paySnapshot(e *env) string {
	var pays []core.Payment
	var plans []core.PaymentPlan
	e.must(e.db.Order("id").Find(&pays).Error)
	e.must(e.db.Order("id").Find(&plans).Error)
	return fmt.Sprintf("%+v %+v", pays, plans)
}

// ikData reads the data of an open API answer into v, failing on any other code.
func ikData(t *testing.T, body []byte, v any) {
	t.Helper()
	var env struct {
		Code int
		Data json.RawMessage
	}
	if err := json.Unmarshal(body, &env); err != nil || env.Code != 0 {
		t.Fatalf("not a success: %s", body)
	}
	if err := json.Unmarshal(env.Data, v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
}

// Plans made by a Rails-style form and payments by JSON, as the SDKs send
// them: each plan's received sum and state, and the contract's figures, follow.
func TestIKCRMReceivedPayments(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedIKPayments(e)
		kid := fmt.Sprint(o.contract.ID)
		plan := func(amount, due string) uint64 {
			status, body := e.ikSend(http.MethodPost, "/api/v2/received_payment_plans", "application/x-www-form-urlencoded", formBody([]Pair{
				{"received_payment_plan[contract_id]", kid}, {"received_payment_plan[amount]", amount},
				{"received_payment_plan[receive_date]", due}, {"received_payment_plan[received_types]", "3"},
			}))
			var p struct{ ID uint64 }
			if status != http.StatusOK {
				t.Fatalf("plan: HTTP %d %s", status, body)
			}
			ikData(t, body, &p)
			return p.ID
		}
		first := plan("9900", "2015-10-01") // past due on 2015-10-15
		second := plan("9900.00", "2015-11-30")
		_, body := e.ikSend(http.MethodPost, "/api/v2/received_payments", "application/json", []byte(fmt.Sprintf(
			`{"received_payment":{"contract_id":%s,"amount":"9900","receive_date":"2015-10-12","received_payment_plan_id":%d,"received_types":2,"note":"首付款"}}`,
			kid, first)))
		golden(t, "ikcrm/received_payment_create", body)
		// A time is cut to its date in the tenant's zone: 20:00 UTC on the 11th is the 12th in Shanghai.
		_, body = e.ikSend(http.MethodPost, "/api/v2/received_payments", "application/json", []byte(fmt.Sprintf(
			`{"contract_id":%s,"amount":100.5,"receive_date":"2015-10-11T20:00:00Z","received_payment_plan_id":"%d"}`, kid, second)))
		var pay struct {
			ID          uint64
			ReceiveDate string `json:"receive_date"`
		}
		ikData(t, body, &pay)
		if pay.ReceiveDate != "2015-10-12" {
			t.Errorf("an ISO time in UTC is the day %s, want 2015-10-12 in the tenant's zone", pay.ReceiveDate)
		}

		_, body = e.ikSend(http.MethodGet, "/api/v2/contracts/"+kid+"/received_payments", "", nil)
		golden(t, "ikcrm/received_payment_plans_of_contract", body)
		for _, want := range []string{
			`"receive_stage":1,"amount":"9900.0","receive_date":"2015-10-01","received_types":"3","paid_up":true,"received_amount":"9900.0","invoice_amount":"0.0","status":"done","status_i18n":"已完成"`,
			`"receive_stage":2,"amount":"9900.0","receive_date":"2015-11-30","received_types":"3","paid_up":false,"received_amount":"100.5","invoice_amount":"0.0","status":"undone"`,
			`"total_count":2,"per_page":15,"page":1`,
		} {
			if !strings.Contains(string(body), want) {
				t.Errorf("the contract's plans lack %s: %s", want, body)
			}
		}
		_, body = e.ikSend(http.MethodGet, fmt.Sprintf("/api/v2/contracts/%s/received_payments/%d", kid, second), "", nil)
		golden(t, "ikcrm/received_payment_plan", body)
		if !strings.Contains(string(body), `"unreceived_amount":9799.5,"approve_status":"approved"`) {
			t.Errorf("the plan's detail: %s", body)
		}
		_, body = e.ikSend(http.MethodGet, "/api/v2/received_payments?per_page=200&page=0", "", nil)
		golden(t, "ikcrm/received_payments", body)
		if !strings.Contains(string(body), `"total_count":2,"per_page":100,"page":1`) {
			t.Errorf("per_page 200 is 100, page 0 is 1: %s", body)
		}
		_, body = e.ikSend(http.MethodGet, fmt.Sprintf("/api/v2/received_payments/%d", pay.ID), "", nil)
		golden(t, "ikcrm/received_payment", body)
		_, body = e.ikSend(http.MethodGet, "/api/v2/received_payment_plans?contract_id="+kid+"&per_page=1&page=2", "", nil)
		golden(t, "ikcrm/received_payment_plans_page2", body)

		// The first plan falls overdue once its day is past and it is not paid up: a third, due yesterday.
		overdue := plan("1", "2015-10-14")
		_, body = e.ikSend(http.MethodGet, fmt.Sprintf("/api/v2/contracts/%s/received_payments/%d", kid, overdue), "", nil)
		if !strings.Contains(string(body), `"status":"delay_undone","status_i18n":"逾期未完成"`) {
			t.Errorf("a plan past its day, not paid up: %s", body)
		}

		_, body = e.ikSend(http.MethodGet, "/api/v2/contracts/"+kid, "", nil)
		if !strings.Contains(string(body), `"received_payments_plan_count":3,"received_payments_plan_amount":19801,"received_payments_amount":"10000.5","unreceived_amount":9799.5`) {
			t.Errorf("the contract's figures do not follow its payments: %s", body)
		}
	})
}

// Bad payments and plans get the open API's error naming the field, and write nothing.
func TestIKCRMBadReceivedPaymentsWriteNothing(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedIKPayments(e)
		kid := fmt.Sprint(o.contract.ID)
		planOfOther, err := e.svc.AddPaymentPlan(context.Background(), o.me, core.NewPaymentPlan{ContractID: o.contract.ID,
			Amount: mustMoney(e, "1"), DueOn: mustDate(e, "2015-12-01")})
		e.must(err)
		second, err := e.svc.CreateContract(context.Background(), o.me, core.NewContract{Title: "二", SN: "2", CustomerID: o.customer.ID,
			StartDate: mustDate(e, "2015-08-08"), EndDate: mustDate(e, "2016-08-08")})
		e.must(err)
		pay := func(fields string) string { return `{"received_payment":{` + fields + `}}` }
		plan := func(fields string) string { return `{"received_payment_plan":{` + fields + `}}` }
		k := `"contract_id":` + kid
		cases := []struct{ name, path, body, want string }{
			{"no contract", "received_payments", pay(`"amount":"1"`), "合同(contract_id) 不能为空"},
			{"no amount", "received_payments", pay(k), "金额(amount) 不能为空"},
			{"a zero amount", "received_payments", pay(k + `,"amount":"0"`), "金额(amount): a payment must be positive"},
			{"a negative amount", "received_payments", pay(k + `,"amount":-5`), "金额(amount): a payment must be positive"},
			{"fractions of a cent", "received_payments", pay(k + `,"amount":"1.234"`), "金额(amount) 应为金额"},
			{"not a number", "received_payments", pay(k + `,"amount":"abc"`), "金额(amount) 应为金额"},
			{"too large", "received_payments", pay(k + `,"amount":"1e12"`), "金额(amount) 应为金额"},
			{"another tenant's contract", "received_payments", pay(fmt.Sprintf(`"contract_id":%d,"amount":"1"`, o.other.ID)), "合同(contract_id) 不存在"},
			{"no such contract", "received_payments", pay(`"contract_id":987654321,"amount":"1"`), "合同(contract_id) 不存在"},
			{"a plan of another contract", "received_payments", pay(fmt.Sprintf(`"contract_id":%d,"amount":"1","received_payment_plan_id":%d`, second.ID, planOfOther.ID)), "回款计划(received_payment_plan_id) 不存在"},
			{"an unknown payment type", "received_payments", pay(k + `,"amount":"1","received_types":99`), "付款方式(received_types) 不存在"},
			{"not a date", "received_payments", pay(k + `,"amount":"1","receive_date":"2015-13-45"`), "回款日期(receive_date) 不是有效的日期"},
			{"a date no engine stores", "received_payments", pay(k + `,"amount":"1","receive_date":"0999-01-01"`), "回款日期(receive_date) 超出日期的范围"},
			{"a note too long", "received_payments", pay(k + `,"amount":"1","note":"` + strings.Repeat("长", 256) + `"`), "备注(note): note is longer than 255"},
			{"not an object", "received_payments", `{"received_payment":[1]}`, "received_payment 应为对象"},
			{"a plan with no date", "received_payment_plans", plan(k + `,"amount":"1"`), "回款日期(receive_date) 不能为空"},
			{"a plan of nothing", "received_payment_plans", plan(`"contract_id":987654321,"amount":"1","receive_date":"2015-10-01"`), "合同(contract_id) 不存在"},
			{"a plan of zero", "received_payment_plans", plan(k + `,"amount":"0.00","receive_date":"2015-10-01"`), "金额(amount): a planned payment must be positive"},
		}
		before := paySnapshot(e)
		for _, c := range cases {
			status, body := e.ikSend(http.MethodPost, "/api/v2/"+c.path, "application/json", []byte(c.body))
			if status != http.StatusOK || !strings.Contains(string(body), `"code":100422`) || !strings.Contains(string(body), c.want) {
				t.Errorf("%s: HTTP %d %s, want 100422 with %q", c.name, status, body, c.want)
			}
			if paySnapshot(e) != before {
				t.Fatalf("%s wrote", c.name)
			}
		}
		// What is not there, or is another's, is not found: the plan under another contract too.
		for _, path := range []string{
			fmt.Sprintf("/api/v2/contracts/%d/received_payments", o.other.ID),
			fmt.Sprintf("/api/v2/contracts/%d/received_payments/%d", second.ID, planOfOther.ID),
			"/api/v2/contracts/" + kid + "/received_payments/x",
			"/api/v2/received_payments/987654321",
		} {
			status, body := e.ikSend(http.MethodGet, path, "", nil)
			if status != http.StatusOK || !strings.Contains(string(body), `"code":100100`) {
				t.Errorf("GET %s: HTTP %d %s, want 100100", path, status, body)
			}
		}
		for _, q := range []string{"page=x", "per_page=-1", "contract_id=abc"} {
			_, body := e.ikSend(http.MethodGet, "/api/v2/received_payment_plans?"+q, "", nil)
			if !strings.Contains(string(body), `"code":100422`) || !strings.Contains(string(body), strings.Split(q, "=")[0]) {
				t.Errorf("%s: %s", q, body)
			}
		}
		_, body := e.ikSend(http.MethodGet, "/api/v2/received_payments?contract_id=", "", nil)
		if !strings.Contains(string(body), `"per_page":15,"page":1`) {
			t.Errorf("an empty contract_id is as absent: %s", body)
		}
	})
}
