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

// oaContractOf is seedOA's contract with sn.
func oaContractOf(e *env, sn string) core.Contract {
	var k core.Contract
	e.must(e.db.Where("sn = ?", sn).Take(&k).Error)
	return k
}

// oaSendAs sends a form body with method (the OA's PATCH), the token in the query.
func (e *env) oaSendAs(method, path string, form url.Values) (int, []byte) {
	e.t.Helper()
	return e.do(method, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

// The contracts the OA lists, one in full, its status set, its removal.
func TestOAContracts(t *testing.T) {
	eachEngine(t, func(e *env) {
		seedOA(e)
		tok := "?access_token=" + docToken
		for _, c := range []struct{ golden, query string }{
			{"contracts", ""},
			{"contracts_keyword", "&keyword=" + url.QueryEscape("合同") + "&tt=1&vn=1.0"},
			{"contracts_terminated", "&status=2"},
			{"contracts_page1", "&page=1&size=2"},
		} {
			status, body := e.get("/oa/contracts" + tok + c.query)
			if status != http.StatusOK {
				t.Errorf("%s: HTTP %d", c.golden, status)
			}
			golden(t, "oa/"+c.golden, body)
		}
		b1 := oaContractOf(e, "B1")
		e.must(e.db.Model(&core.Contract{}).Where("id = ?", b1.ID).Updates(map[string]any{
			"customer_signer": "王经理", "our_signer": "贝拉", "special_terms": "分两期付款", "payment_type_id": 3}).Error)
		_, body := e.get(fmt.Sprintf("/oa/contracts/%d%s", b1.ID, tok))
		golden(t, "oa/contract", body)
		if !strings.Contains(string(body), `"totalamount":19800.0,"signdate":"2015-10-01"`) ||
			!strings.Contains(string(body), `"custcontractor":"王经理","paymethod":3,"cno":"B1","content":"分两期付款","status":0`) {
			t.Errorf("the contract: %s", body)
		}

		// PATCH status, form-encoded: the list and the ikcrm/WebApi state follow.
		_, body = e.oaSendAs(http.MethodPatch, fmt.Sprintf("/oa/contracts/%d%s", b1.ID, tok), url.Values{"status": {"1"}})
		golden(t, "oa/contract_patch", body)
		var k core.Contract
		e.must(e.db.Where("id = ?", b1.ID).Take(&k).Error)
		if k.Status != core.ContractFinished {
			t.Errorf("status 1 made the contract %q, want finished", k.Status)
		}
		_, body = e.ikGet(fmt.Sprintf("/api/v2/contracts/%d", b1.ID), `Token token="`+docToken+`",device="open_api"`)
		if !strings.Contains(string(body), `"status":"2","status_mapped":"结束"`) {
			t.Errorf("the OA's status 1 in the open API: %s", body)
		}
		_, body = e.do(http.MethodDelete, fmt.Sprintf("/oa/contracts/%d%s", b1.ID, tok), "", nil)
		if !strings.Contains(string(body), `"statuscode":"0000"`) {
			t.Fatalf("delete: %s", body)
		}
		var n int64
		e.must(e.db.Model(&core.Payment{}).Where("contract_id = ?", b1.ID).Count(&n).Error)
		if n != 0 {
			t.Errorf("the deleted contract's %d payments remain", n)
		}
		_, body = e.do(http.MethodDelete, fmt.Sprintf("/oa/contracts/%d%s", b1.ID, tok), "", nil)
		golden(t, "oa/contract_delete_again", body)
	})
}

// A receipt and a payment recorded as the OA's client posts them (form body,
// token in the query) are listed as the contract's, numbered as periods, and
// counted at once by home and contracts/count.
func TestOAReceivingAndSpending(t *testing.T) {
	eachEngine(t, func(e *env) {
		seedOA(e)
		tok := "?access_token=" + docToken
		k1 := oaContractOf(e, "K1")
		path := fmt.Sprintf("/oa/contracts/%d/", k1.ID)
		status, body := e.postForm(path+"receiving"+tok, url.Values{"tt": {"1"}, "vn": {"1.0"}, "sum": {"6000.25"}, "dbilldate": {"2015-10-10"}})
		if status != http.StatusOK {
			t.Fatalf("receiving: HTTP %d %s", status, body)
		}
		golden(t, "oa/receiving_post", body)
		e.postForm(path+"receiving"+tok, url.Values{"sum": {"12000000"}, "dbilldate": {"2015-10-01"}})
		e.postForm(path+"spending"+tok, url.Values{"sum": {"300"}, "dbilldate": {"2015-10-11"}})

		_, body = e.get(path + "receiving" + tok)
		golden(t, "oa/receiving", body)
		// Oldest first, seedOA's receipt of K1 on 2015-11-02 the third; Java's doubles.
		if !strings.Contains(string(body), `"data":[{"sum":1.2E7,"dbilldate":"2015-10-01","period":1},{"sum":6000.25,"dbilldate":"2015-10-10","period":2},{"sum":5000.0,"dbilldate":"2015-11-02","period":3}]`) {
			t.Errorf("the contract's receipts: %s", body)
		}
		_, body = e.get(path + "spending" + tok)
		golden(t, "oa/spending", body)
		_, body = e.get("/oa/crm/contracts/receiving/all" + tok + "&size=3")
		golden(t, "oa/receiving_all", body)

		_, body = e.get("/oa/crm/home" + tok)
		if !strings.Contains(string(body), `"monthback":1.200600025E7`) {
			t.Errorf("home's monthback does not count the receipts: %s", body)
		}
		_, body = e.get("/oa/crm/contracts/count" + tok + "&flag=0")
		if !strings.Contains(string(body), `"name":"年度框架合同","amount":"20000000.00","totalin":"12011000.25","totalout":"300.00"`) {
			t.Errorf("contracts/count does not count them: %s", body)
		}
	})
}

// Bad receipts, statuses and ids get the OA's error and write nothing; a
// contract of another tenant is one that does not exist.
func TestOABadContractRequestsWriteNothing(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedOA(e)
		tok := "?access_token=" + docToken
		k1 := oaContractOf(e, "K1")
		recv := fmt.Sprintf("/oa/contracts/%d/receiving%s", k1.ID, tok)
		var foreign core.Contract
		e.must(e.db.Model(&core.Contract{}).Where("tenant_id = ?", o.tenant.ID).Take(&foreign).Error)
		form := func(kv ...string) url.Values {
			v := url.Values{}
			for i := 0; i < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
		for _, c := range []struct {
			name, method, path string
			form               url.Values
			code, usermsg      string
		}{
			{"no sum", "POST", recv, form("dbilldate", "2015-10-10"), "10001", "sum 不能为空"},
			{"no date", "POST", recv, form("sum", "1"), "10001", "dbilldate 不能为空"},
			{"sum not a number", "POST", recv, form("sum", "1,000", "dbilldate", "2015-10-10"), "10005", `sum 应为数字: "1,000"`},
			{"sum of fractions of a cent", "POST", recv, form("sum", "0.001", "dbilldate", "2015-10-10"), "10004", "sum: 0.001 has fractions of a cent"},
			{"sum of zero", "POST", recv, form("sum", "0", "dbilldate", "2015-10-10"), "10004", "sum: a payment must be positive"},
			{"sum negative", "POST", recv, form("sum", "-1", "dbilldate", "2015-10-10"), "10004", "sum: a payment must be positive"},
			{"a date with a time", "POST", recv, form("sum", "1", "dbilldate", "2015-10-10 10:00:00"), "10004", `dbilldate: "2015-10-10 10:00:00" is not a date (yyyy-MM-dd)`},
			{"a date no engine stores", "POST", recv, form("sum", "1", "dbilldate", "0999-12-31"), "10004", "dbilldate 0999-12-31 is outside 1000-01-02 to 9999-12-30"},
			{"no such contract", "POST", "/oa/contracts/987654321/receiving" + tok, form("sum", "1", "dbilldate", "2015-10-10"), "10053", "contract not found"},
			{"not an id", "POST", "/oa/contracts/x/spending" + tok, form("sum", "1", "dbilldate", "2015-10-10"), "10053", `contract "x" not found`},
			{"another tenant's token", "POST", fmt.Sprintf("/oa/contracts/%d/receiving?access_token=%s", foreign.ID, o.bToken), form("sum", "1", "dbilldate", "2015-10-10"), "10053", "contract not found"},
			{"no status", "PATCH", fmt.Sprintf("/oa/contracts/%d%s", k1.ID, tok), form(), "10001", "status 不能为空"},
			{"status 3", "PATCH", fmt.Sprintf("/oa/contracts/%d%s", k1.ID, tok), form("status", "3"), "10004", `status 应为 0(执行中)、1(结束) 或 2(意外终止): "3"`},
			{"status in words", "PATCH", fmt.Sprintf("/oa/contracts/%d%s", k1.ID, tok), form("status", "done"), "10005", `status 应为数字: "done"`},
			{"another tenant's contract patched", "PATCH", fmt.Sprintf("/oa/contracts/%d?access_token=%s", foreign.ID, o.bToken), form("status", "2"), "10053", "contract not found"},
			{"another tenant's contract deleted", "DELETE", fmt.Sprintf("/oa/contracts/%d?access_token=%s", foreign.ID, o.bToken), nil, "10053", fmt.Sprintf("contract %d not found", foreign.ID)},
			{"another tenant's contract read", "GET", fmt.Sprintf("/oa/contracts/%d?access_token=%s", foreign.ID, o.bToken), nil, "10053", "contract not found"},
			{"another tenant's receipts", "GET", fmt.Sprintf("/oa/contracts/%d/receiving?access_token=%s", foreign.ID, o.bToken), nil, "10053", fmt.Sprintf("contract [%d] not found", foreign.ID)},
			{"status filter 5", "GET", "/oa/contracts" + tok + "&status=5", nil, "10004", `status 应为 0(执行中)、1(结束) 或 2(意外终止): "5"`},
			{"size 0", "GET", "/oa/contracts" + tok + "&size=0", nil, "10004", "size 应在 1 到 1000 之间: 0"},
			{"page past the largest", "GET", "/oa/contracts" + tok + "&page=9223372036854775807", nil, "10004", "page 至多 999999: 9223372036854775807"},
			{"no token", "POST", fmt.Sprintf("/oa/contracts/%d/receiving", k1.ID), form("sum", "1", "dbilldate", "2015-10-10"), "10501", "请重新登录"},
		} {
			before := snapshot(e) + paySnapshot(e)
			var body []byte
			if c.form == nil {
				_, body = e.do(c.method, c.path, "", nil)
			} else {
				_, body = e.oaSendAs(c.method, c.path, c.form)
			}
			var a oaAnswer
			if err := json.Unmarshal(body, &a); err != nil || a.StatusCode != c.code || a.UserMsg != c.usermsg || string(a.Data) != "{}" {
				t.Errorf("%s: %s, want %s with usermsg %q", c.name, body, c.code, c.usermsg)
			}
			if snapshot(e)+paySnapshot(e) != before {
				t.Errorf("%s wrote", c.name)
			}
		}
	})
}

// The login by GET, its parameters in the query (the API's source docs), and the version.
func TestOALoginByGetAndVersion(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedOA(e)
		e.must(e.svc.SetPassword(context.Background(), o.tenant.ID, "ann", "s3cret"))
		status, body := e.get("/oa/users/login?tt=1&vn=1.0&username=ann&password=s3cret")
		if status != http.StatusOK {
			t.Fatalf("GET login: HTTP %d %s", status, body)
		}
		golden(t, "oa/login", body) // the POST's answer, byte for byte
		_, body = e.get("/oa/users/login?username=ann&password=nope")
		if !strings.Contains(string(body), `"statuscode":"10003"`) {
			t.Errorf("GET login with a wrong password: %s", body)
		}
		status, body = e.get("/oa/version?tt=2&vn=1.0")
		if status != http.StatusOK {
			t.Fatalf("version: HTTP %d", status)
		}
		golden(t, "oa/version", body)
		if !strings.HasPrefix(string(body), `{"statuscode":"0000","statusmsg":"ok","data":{"updated":false,"vers":{"code":0,"name":"crmgw`) {
			t.Errorf("version: %s", body)
		}
	})
}
