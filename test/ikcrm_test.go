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
		golden(t, "ikcrm/error_device", body)
		for name, c := range map[string]struct{ header, query, want string }{
			"no device":           {`Token token="` + ikToken + `"`, "", `"code":100000`},
			"no credentials":      {"", "", `"code":100000`},
			"no token":            {`Token device="open_api"`, "", `"code":100400`},
			"unknown token":       {`Token token="nope",device="open_api"`, "", `"code":100400`},
			"unknown query token": {"", "?user_token=nope&device=open_api", `"code":100400`},
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
			"wrong device":   {"login": {"test"}, "password": {"s3cret"}, "device": {"web"}},
			"no password":    {"login": {"test"}},
		} {
			_, body := e.postForm("/api/v2/auth/login", form)
			if strings.Contains(string(body), `"code":0`) || !strings.Contains(string(body), `"error":`) {
				t.Errorf("%s: %s", name, body)
			}
		}
	})
}
