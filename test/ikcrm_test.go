package test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"crmgw/core"
)

const ikToken = "9b1f0c3e5a7d4e2f8c6b"

// seedIK is a tenant with a user whose token is ikToken and password s3cret.
func seedIK(e *env) core.Tenant {
	ctx := context.Background()
	tn, err := e.svc.EnsureTenant(ctx, "acme")
	e.must(err)
	d, err := e.svc.EnsureDepartment(ctx, tn.ID, "总裁办")
	e.must(err)
	u, err := e.svc.EnsureUser(ctx, tn.ID, "test", d.ID)
	e.must(err)
	_, err = e.svc.RegisterToken(ctx, tn.ID, u.ID, ikToken)
	e.must(err)
	e.must(e.svc.SetPassword(ctx, tn.ID, "test", "s3cret"))
	return tn
}

func (e *env) ikGet(path, authorization string) (int, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.url+path, nil)
	e.must(err)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	res, err := http.DefaultClient.Do(req)
	e.must(err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	e.must(err)
	return res.StatusCode, b
}

// Every way real clients send the token works (vendor-facts.md).
func TestIKCRMAuthorizationForms(t *testing.T) {
	eachEngine(t, func(e *env) {
		seedIK(e)
		for _, c := range []struct{ name, header, query string }{
			{"double quotes", `Token token="` + ikToken + `",device="open_api"`, ""},
			{"single quotes, as the doc's sample", `Token token='` + ikToken + `',device='open_api'`, ""},
			{"no quotes, as the read-first page", `Token token=` + ikToken + `, device=open_api, version_code=9.9.9`, ""},
			{"parameters in another order", `Token device="open_api", version_code="9.9.9", token="` + ikToken + `"`, ""},
			{"lower-case scheme", `token token=` + ikToken + `,device=open_api`, ""},
			{"query string", "", "?user_token=" + ikToken + "&device=open_api&version_code=9.9.9"},
		} {
			status, body := e.ikGet("/api/v2/field_maps/contract"+c.query, c.header)
			if status != http.StatusOK {
				t.Errorf("%s: HTTP %d", c.name, status)
			}
			golden(t, "ikcrm/field_maps_contract", body)
		}
	})
}

func TestIKCRMAuthErrors(t *testing.T) {
	eachEngine(t, func(e *env) {
		seedIK(e)
		// The doc's own error example, byte for byte.
		docError := `{
  "code": 100000,
  "message": "device参数错误",
  "error": "invalid_app_error"
}`
		_, body := e.ikGet("/api/v2/field_maps/contract", `Token token="`+ikToken+`",device="ios"`)
		if string(body) != string(compactJSON(t, docError)) {
			t.Errorf("wrong device: %s, want the doc's example", body)
		}
		docExample(t, "ikcrm/error_device", body)
		for name, c := range map[string]struct{ header, query, want string }{
			"no device":           {`Token token="` + ikToken + `"`, "", `"code":100000`},
			"no credentials":      {"", "", `"code":100000`},
			"no token":            {`Token device="open_api"`, "", `"code":100401`},
			"unknown token":       {`Token token="nope",device="open_api"`, "", `"code":100401`},
			"unknown query token": {"", "?user_token=nope&device=open_api", `"code":100401`},
			"other scheme":        {`Bearer ` + ikToken, "", `"code":100000`},
		} {
			status, body := e.ikGet("/api/v2/field_maps/contract"+c.query, c.header)
			if status != http.StatusOK || !strings.Contains(string(body), c.want) {
				t.Errorf("%s: HTTP %d %s, want %s", name, status, body, c.want)
			}
		}
		status, body := e.ikGet("/api/v2/nothing", "")
		if status != http.StatusNotFound || !strings.Contains(string(body), `"code":100404`) {
			t.Errorf("unknown route: HTTP %d %s", status, body)
		}
	})
}

func TestIKCRMLogin(t *testing.T) {
	eachEngine(t, func(e *env) {
		tn := seedIK(e)
		works := func(name string, status int, body []byte) {
			t.Helper()
			var a struct {
				Code int `json:"code"`
				Data struct {
					UserToken string `json:"user_token"`
					UserID    uint64 `json:"user_id"`
				} `json:"data"`
			}
			e.must(json.Unmarshal(body, &a))
			if status != http.StatusOK || a.Code != 0 || a.Data.UserToken == "" || a.Data.UserID == 0 {
				t.Fatalf("%s: HTTP %d %s", name, status, body)
			}
			if st, b := e.ikGet("/api/v2/field_maps/contract", `Token token="`+a.Data.UserToken+`",device="open_api"`); st != http.StatusOK || !strings.Contains(string(b), `"code":0`) {
				t.Errorf("%s: the user_token does not work: %s", name, b)
			}
		}
		status, body := e.postForm("/api/v2/auth/login", url.Values{"login": {"test"}, "password": {"s3cret"}, "device": {"open_api"}, "version_code": {"9.9.9"}})
		works("form", status, body)
		status, body = e.do(http.MethodPost, "/api/v2/auth/login", "application/json",
			strings.NewReader(fmt.Sprintf(`{"login":"test","password":"s3cret","corp_id":%d,"device":"open_api"}`, tn.ID)))
		works("JSON with a numeric corp_id", status, body)
		status, body = e.do(http.MethodPost, "/api/v2/auth/login?login=test&password=s3cret", "", nil)
		works("query", status, body)
		for name, form := range map[string]url.Values{
			"wrong password": {"login": {"test"}, "password": {"nope"}},
			"unknown user":   {"login": {"nobody"}, "password": {"s3cret"}},
			"wrong device":   {"login": {"test"}, "password": {"s3cret"}, "device": {"ios"}},
			"no password":    {"login": {"test"}},
		} {
			_, body := e.postForm("/api/v2/auth/login", form)
			if strings.Contains(string(body), `"code":0`) || !strings.Contains(string(body), `"error":`) {
				t.Errorf("%s: %s", name, body)
			}
		}
	})
}

func TestIKCRMListContracts(t *testing.T) {
	eachEngine(t, func(e *env) {
		ctx := context.Background()
		tn := seedIK(e)
		me, err := e.svc.Authenticate(ctx, ikToken)
		e.must(err)
		other := func(name, dept string) core.Caller {
			d, err := e.svc.EnsureDepartment(ctx, tn.ID, dept)
			e.must(err)
			u, err := e.svc.EnsureUser(ctx, tn.ID, name, d.ID)
			e.must(err)
			return core.Caller{TenantID: tn.ID, UserID: u.ID, DepartmentID: d.ID, Location: me.Location}
		}
		peer, stranger := other("peer", "总裁办"), other("stranger", "市场部")
		mine := oaContract(e, me, "IK-1", "CRM集团版", "19800", "2015-10-01", core.ContractExecuting)
		oaPay(e, me, mine, core.PaymentIn, "800.5", "2015-10-02")
		oaContract(e, me, "IK-2", "集团版 100%_折扣", "5000", "2015-10-02", core.ContractTerminated)
		e.clock.t = now.Add(time.Hour)
		oaContract(e, peer, "IK-3", "同事的合同", "300", "2015-10-03", core.ContractFinished)
		oaContract(e, stranger, "IK-4", "市场部合同", "1", "2015-10-04", core.ContractExecuting)
		e.must(e.svc.SetContractApproval(ctx, me, mine.ID, core.ApprovalApplying))
		auth := `Token token="` + ikToken + `",device="open_api"`
		for _, c := range []struct{ golden, query, want string }{
			{"contracts_default", "", "IK-4,IK-3,IK-2,IK-1"},
			{"contracts_page2", "?page=2&per_page=3", "IK-1"},
			{"contracts_mine_asc", "?tab_type=my&sort=created_at&order=asc", "IK-1,IK-2"},
			{"contracts_sub", "?tab_type=sub", "IK-3"},
			{"contracts_query", "?query=" + url.QueryEscape("100%_"), "IK-2"},
			{"contracts_status", "?status=3", "IK-2"},
			{"contracts_applying", "?approve_status=applying", "IK-1"},
			{"contracts_customer", fmt.Sprintf("?entity=customer&entity_id=%d", mine.CustomerID), "IK-1"},
			{"contracts_by_amount", "?sort=total_amount&order=desc&per_page=2", "IK-1,IK-2"},
		} {
			status, body := e.ikGet("/api/v2/contracts"+c.query, auth)
			var a struct {
				Code int
				Data struct {
					Contracts []struct{ Title string }
				}
			}
			e.must(json.Unmarshal(body, &a))
			var sns []string
			for _, k := range a.Data.Contracts {
				for sn, title := range map[string]string{"IK-1": "CRM集团版", "IK-2": "集团版 100%_折扣", "IK-3": "同事的合同", "IK-4": "市场部合同"} {
					if k.Title == title {
						sns = append(sns, sn)
					}
				}
			}
			if status != http.StatusOK || a.Code != 0 || strings.Join(sns, ",") != c.want {
				t.Errorf("%s: HTTP %d %v, want %s\n%s", c.golden, status, sns, c.want, body)
			}
			golden(t, "ikcrm/"+c.golden, body)
		}
		for name, q := range map[string]string{
			"page 0": "?page=0", "per_page not a number": "?per_page=x", "unknown status": "?status=99",
			"bad approve_status": "?approve_status=denied", "bad order": "?order=up", "bad sort": "?sort=title",
			"bad entity": "?entity=lead&entity_id=1", "entity without id": "?entity=customer", "bad tab": "?tab_type=all",
			"per_page too large": "?per_page=100000",
		} {
			_, body := e.ikGet("/api/v2/contracts"+q, auth)
			if !strings.Contains(string(body), `"error":"invalid_params"`) {
				t.Errorf("%s: %s", name, body)
			}
		}
	})
}
