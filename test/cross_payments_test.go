package test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A payment recorded through the open API's received payments, and one
// through the OA's receiving, each show at once in the OA's home (monthback)
// and contracts/count (totalin), the open API's contract figures and payment
// lists, and the OA's receipts. The WebApi (qcy-webapi-crm.md) has no handler
// that shows a contract's money: it acts on the same contract — audits it,
// then stops it — and its figures survive that, as every dialect shows.
func TestCrossDialectPayments(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedIKContracts(e)
		_, body := e.ikSend(http.MethodPost, "/api/v2/contracts", "application/json", []byte(o.fill(`{"contract":{
			"title":"跨方言回款","sn":"HK-1","customer_id":{customer},"total_amount":"400000","sign_date":"2015-10-09",
			"start_at":"2015-10-09","end_at":"2016-10-09"}}`)))
		var k struct{ ID uint64 }
		ikDataInto(t, body, &k)
		kid := fmt.Sprint(k.ID)
		oaTok := "?access_token=" + ikToken // one user, one token, every dialect
		_, body = e.ikSend(http.MethodPost, "/api/v2/received_payment_plans", "application/x-www-form-urlencoded", formBody([]Pair{
			{"received_payment_plan[contract_id]", kid}, {"received_payment_plan[amount]", "10000"},
			{"received_payment_plan[receive_date]", "2015-10-31"}}))
		var plan struct{ ID uint64 }
		ikDataInto(t, body, &plan)

		// seen checks what every dialect shows of the contract's money, and records it as step's goldens.
		seen := func(step, back, totalin, received, unreceived string) {
			t.Helper()
			_, body := e.get("/oa/crm/home" + oaTok)
			golden(t, "cross/payments_"+step+"_oa_home", body)
			if !strings.Contains(string(body), `"monthdeal":400000.0,"monthback":`+back+`,`) {
				t.Errorf("%s: OA home's monthback is not %s: %s", step, back, body)
			}
			_, body = e.get("/oa/crm/contracts/count" + oaTok + "&year=2015&month=10&flag=0")
			golden(t, "cross/payments_"+step+"_oa_count", body)
			if !strings.Contains(string(body), `"amount":"400000.00","totalin":"`+totalin+`","totalout":"0.00"`) {
				t.Errorf("%s: OA contracts/count's totalin is not %s: %s", step, totalin, body)
			}
			_, body = e.get("/oa/contracts/" + kid + "/receiving" + oaTok)
			golden(t, "cross/payments_"+step+"_oa_receiving", body)
			_, body = e.ikSend(http.MethodGet, "/api/v2/contracts/"+kid, "", nil)
			if !strings.Contains(string(body), `"received_payments_amount":"`+received+`","unreceived_amount":`+unreceived+`,`) {
				t.Errorf("%s: the open API's contract does not show %s received, %s not: %s", step, received, unreceived, body)
			}
			_, body = e.ikSend(http.MethodGet, "/api/v2/received_payments?contract_id="+kid, "", nil)
			golden(t, "cross/payments_"+step+"_ikcrm_received_payments", body)
			_, body = e.ikSend(http.MethodGet, "/api/v2/contracts/"+kid+"/received_payments", "", nil)
			golden(t, "cross/payments_"+step+"_ikcrm_plans", body)
		}

		// Through the open API, settling part of the plan, as a JSON SDK posts it.
		_, body = e.ikSend(http.MethodPost, "/api/v2/received_payments", "application/json", []byte(fmt.Sprintf(
			`{"received_payment":{"contract_id":%s,"amount":"6000.25","receive_date":"2015-10-10","received_payment_plan_id":%d}}`, kid, plan.ID)))
		ikDataInto(t, body, &struct{}{})
		seen("ikcrm", "6000.25", "6000.25", "6000.25", "393999.75")

		// Through the OA, as its client posts it: a form body, the token in the query.
		_, body = e.postForm("/oa/contracts/"+kid+"/receiving"+oaTok, url.Values{"tt": {"1"}, "vn": {"1.0"}, "sum": {"3999.75"}, "dbilldate": {"2015-10-12"}})
		if !strings.Contains(string(body), `"statuscode":"0000"`) {
			t.Fatalf("OA receiving: %s", body)
		}
		seen("oa", "10000.0", "10000.00", "10000.0", "390000")
		_, body = e.ikSend(http.MethodGet, "/api/v2/received_payments?contract_id="+kid, "", nil)
		if !strings.Contains(string(body), `"amount":"3999.75","receive_date":"2015-10-12","received_types":null,"received_payment_plan_id":0,"receive_stage":0`) {
			t.Errorf("the OA's receipt, which names no plan, in the open API: %s", body)
		}

		// The WebApi audits and stops the contract: the money stays as it was, the status follows everywhere.
		for _, handler := range []string{"Contract/ContractAudit", "Contract/StopContract"} {
			if _, body := e.call(http.MethodGet, handler, vals("token", ikToken, "id", kid)); !strings.Contains(string(body), `"value":`) ||
				strings.Contains(string(body), "error") {
				t.Fatalf("%s: %s", handler, body)
			}
		}
		_, body = e.get("/oa/crm/contracts/count" + oaTok + "&year=2015&month=10&flag=0")
		golden(t, "cross/payments_qcy_stopped_oa_count", body)
		if !strings.Contains(string(body), `"totalin":"10000.00","totalout":"0.00","status":2`) {
			t.Errorf("the stopped contract's receipts in the OA: %s", body)
		}
		_, body = e.ikSend(http.MethodGet, "/api/v2/contracts/"+kid, "", nil)
		if !strings.Contains(string(body), `"status":"3","status_mapped":"意外终止"`) ||
			!strings.Contains(string(body), `"received_payments_amount":"10000.0","unreceived_amount":390000,`) ||
			!strings.Contains(string(body), `"approve_status":"approved"`) {
			t.Errorf("the open API's contract after the WebApi's audit and stop: %s", body)
		}
	})
}
