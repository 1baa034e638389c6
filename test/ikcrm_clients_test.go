package test

// The open API as the public clients of its wider API call it
// (../shared/vendor-facts-wider.md §1): each test replays a client's request
// as that client sends it — method, headers, body encoding, spelling — and
// checks what that client reads of the answer. The source keys (AK, JN, JV,
// LL, LV, PA …) are the facts page's.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"crmgw/core"
)

// ikRequest sends a request with the headers given (name, value, name, value …).
func (e *env) ikRequest(method, path, contentType string, body []byte, headers ...string) (int, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(body))
	e.must(err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	e.must(err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	e.must(err)
	return res.StatusCode, b
}

// ikClientContract is seedIKContracts' org with a contract of two product
// lines, one of a catalogue product, and its path.
func ikClientContract(e *env) (ikOrg, string) {
	o := seedIKContracts(e)
	status, body := e.ikSend(http.MethodPost, "/api/v2/contracts", "application/json", []byte(o.fill(`{"contract":{
		"title":"外环18千米段护栏修复长200米","sn":"PA-1","customer_id":{customer},"total_amount":"400100","start_at":"2024-08-26","end_at":"2024-08-28",
		"product_assets_attributes":[
			{"id":null,"product_name":"多单位转换T1","product_id":10312510,"product_no":"CP0003","quantity":"200","recommended_unit_price":"2000","sale_unit":"吨"},
			{"product_name":"安装费","quantity":1,"recommended_unit_price":"100"}]}}`)))
	var created struct{ Data struct{ ID uint64 } }
	e.must(json.Unmarshal(body, &created))
	if status != http.StatusOK || created.Data.ID == 0 {
		e.t.Fatalf("create: HTTP %d %s", status, body)
	}
	return o, fmt.Sprintf("/api/v2/contracts/%d", created.Data.ID)
}

// ikDeviceError is the doc's own answer to a device it does not know.
const ikDeviceError = `{"code":100000,"message":"device参数错误","error":"invalid_app_error"}` + "\n"

// Every device the vendor's editions sent works on every call, whatever the
// version_code beside it, and answers what open_api does; any other device
// is the doc's 100000.
func TestIKCRMClientsDevices(t *testing.T) {
	eachEngine(t, func(e *env) {
		_, path := ikClientContract(e)
		_, want := e.ikGet(path, ikAuth)
		for _, c := range []struct{ client, query, header string }{
			{"PA: query, dingtalk 9.8.0", "?user_token=" + ikToken + "&version_code=9.8.0&device=dingtalk", ""},
			{"SY, CS: query, dingtalk 3.13.0", "?user_token=" + ikToken + "&device=dingtalk&version_code=3.13.0", ""},
			{"JV: quoted header, version before device", "", `Token token="` + ikToken + `",version_code="3.3.0",device="dingtalk"`},
			{"JN: wxwork 3.13.0", "", `Token token=` + ikToken + `, device=wxwork, version_code=3.13.0`},
			{"KL: web", "?user_token=" + ikToken + "&device=web", ""},
			{"SY's declared dingtalk_open", "", `Token token="` + ikToken + `",device="dingtalk_open"`},
		} {
			status, body := e.ikGet(path+c.query, c.header)
			if status != http.StatusOK || !bytes.Equal(body, want) {
				t.Errorf("%s: HTTP %d %s\nwant the open_api answer %s", c.client, status, body, want)
			}
			clientReplay(t, "ikcrm/client_contract_lines", body)
		}
		for _, c := range []struct{ name, query, header string }{
			{"a device no edition sent", "", `Token token="` + ikToken + `",device="ios",version_code="3.13.0"`},
			{"a device in another case", "?user_token=" + ikToken + "&device=DingTalk", ""},
		} {
			if status, body := e.ikGet(path+c.query, c.header); status != http.StatusOK || string(body) != ikDeviceError {
				t.Errorf("%s: HTTP %d %s, want the doc's %s", c.name, status, body, ikDeviceError)
			}
		}
	})
}

// ikTokens counts the tokens issued, to show that a refused login issued none.
func ikTokens(e *env) int64 {
	var n int64
	e.must(e.db.Model(&core.APIToken{}).Count(&n).Error)
	return n
}

// An operator may hold a tenant's clients to some devices: another known
// device is then the doc's 100000, on a call and on a login (which then
// issues no token). A login that names no device, and the access-token
// header, are the open API's own (open_api).
func TestIKCRMClientsDevicesOfTheTenant(t *testing.T) {
	eachEngine(t, func(e *env) {
		ctx := context.Background()
		tn := seedIK(e)
		restrict := func(devices ...string) {
			t.Helper()
			fresh, err := e.svc.FindTenant(ctx, tn.Name)
			e.must(err)
			in := fresh.Settings()
			in.Devices = devices
			e.must(e.svc.SetTenantSettings(ctx, tn.ID, in))
		}
		login := func(device string) []byte {
			t.Helper()
			form := url.Values{"login": {"test"}, "password": {"s3cret"}}
			if device != "" {
				form.Set("device", device)
			}
			_, body := e.postForm("/api/v2/auth/login", form)
			return body
		}
		call := func(header string) []byte {
			t.Helper()
			_, body := e.ikGet("/api/v2/field_maps/contract", header)
			return body
		}
		accessToken := func() []byte {
			t.Helper()
			_, body := e.ikRequest(http.MethodGet, "/api/v2/field_maps/contract", "", nil, "access-token", ikToken)
			return body
		}
		works := func(name string, body []byte) {
			t.Helper()
			if !bytes.HasPrefix(body, []byte(`{"code":0,`)) {
				t.Errorf("%s: %s, want code 0", name, body)
			}
		}
		refused := func(name string, body []byte) {
			t.Helper()
			if string(body) != ikDeviceError {
				t.Errorf("%s: %s, want the doc's %s", name, body, ikDeviceError)
			}
		}

		restrict("open_api")
		works("open_api call", call(ikAuth))
		refused("dingtalk call", call(`Token token="`+ikToken+`",version_code="3.3.0",device="dingtalk"`))
		works("access-token call", accessToken())
		before := ikTokens(e)
		refused("dingtalk login", login("dingtalk"))
		if n := ikTokens(e); n != before {
			t.Errorf("a refused login issued %d tokens", n-before)
		}
		works("open_api login", login("open_api"))
		works("login without a device", login(""))

		restrict("dingtalk", "wxwork")
		works("dingtalk call", call(`Token token="`+ikToken+`",version_code="3.3.0",device="dingtalk"`))
		refused("open_api call", call(ikAuth))
		refused("access-token call", accessToken())
		works("wxwork login", login("wxwork"))
		before = ikTokens(e)
		refused("login without a device", login(""))
		if n := ikTokens(e); n != before {
			t.Errorf("a refused login issued %d tokens", n-before)
		}
		refused("ios login, a device no edition sent", login("ios"))

		restrict()
		works("open_api call, every device allowed again", call(ikAuth))
		if err := e.svc.SetTenantSettings(ctx, tn.ID, core.TenantSettings{ContractPrefix: "HT", Devices: []string{"open_api,web"}}); err == nil {
			t.Error("a device holding a comma was stored")
		}
	})
}

// JN (Node's request library, form:) sends its credentials in a form body,
// on GET as on PUT. Rails merges the body into params, the query string's
// value winning where both name a key; the gateway's body limits hold as on
// any method.
func TestIKCRMClientsParametersInTheBody(t *testing.T) {
	eachEngine(t, func(e *env) {
		o, path := ikClientContract(e)
		oaContract(e, o.me, "JN-2", "第二份合同", "5000", "2015-10-02", core.ContractExecuting)
		form := "application/x-www-form-urlencoded"
		jn := "user_token=" + ikToken + "&device=wxwork&version_code=3.13.0"
		_, want := e.ikGet("/api/v2/contracts", ikAuth)
		status, body := e.ikRequest(http.MethodGet, "/api/v2/contracts", form, []byte(jn))
		var list struct {
			Code int
			Data struct {
				Contracts  []struct{ ID uint64 }
				TotalCount int64 `json:"total_count"`
				PerPage    int   `json:"per_page"`
			}
		}
		e.must(json.Unmarshal(body, &list))
		if status != http.StatusOK || !bytes.Equal(body, want) || len(list.Data.Contracts) != 2 {
			t.Errorf("JN's GET: HTTP %d %s\nwant %s", status, body, want)
		}
		clientReplay(t, "ikcrm/client_contracts_jn", body)
		_, body = e.ikRequest(http.MethodGet, "/api/v2/contracts?per_page=1", form, []byte(jn+"&per_page=2&query=JN"))
		list.Data.Contracts = nil
		e.must(json.Unmarshal(body, &list))
		if list.Data.PerPage != 1 || len(list.Data.Contracts) != 1 || list.Data.TotalCount != 1 {
			t.Errorf("query per_page=1, body per_page=2 and query=JN: %s; want the query's per_page, the body's query", body)
		}
		if _, body := e.ikRequest(http.MethodGet, "/api/v2/contracts", form, []byte(jn+"&x=%zz")); !bytes.Contains(body, []byte(`"code":100422`)) {
			t.Errorf("a malformed GET body: %s, want 100422", body)
		}
		big := append([]byte(jn+"&pad="), bytes.Repeat([]byte("x"), 2<<20)...)
		status, body = e.ikRequest(http.MethodGet, "/api/v2/contracts", form, big)
		if status != http.StatusRequestEntityTooLarge || !bytes.Contains(body, []byte(`"code":100413`)) {
			t.Errorf("a GET body over max_body_bytes: HTTP %d %s, want 413 and 100413", status, body)
		}
		status, body = e.ikRequest(http.MethodPut, path, form, []byte(jn+"&contract%5Bspecial_terms%5D=JN"))
		if status != http.StatusOK || !bytes.Contains(body, []byte(`"special_terms":"JN"`)) || bytes.Contains(body, []byte("version_code")) {
			t.Errorf("JN's PUT: HTTP %d %s", status, body)
		}
		clientReplay(t, "ikcrm/client_contract_update_jn", body)
		status, body = e.ikRequest(http.MethodPut, path+"?device=ios", form, []byte(jn+"&contract%5Bspecial_terms%5D=JN2"))
		if string(body) != ikDeviceError {
			t.Errorf("the query's device=ios over the body's wxwork: HTTP %d %s, want the doc's 100000", status, body)
		}
		status, body = e.ikRequest(http.MethodPut, path, "application/json", []byte(`{"user_token":"`+ikToken+`","device":"dingtalk","contract":{"special_terms":"JSON"}}`))
		if status != http.StatusOK || !bytes.Contains(body, []byte(`"special_terms":"JSON"`)) {
			t.Errorf("credentials beside a JSON contract: HTTP %d %s", status, body)
		}
		// A body of another type on GET is not parameters, as before.
		if _, body := e.ikRequest(http.MethodGet, "/api/v2/contracts", "application/json", []byte(`{"user_token":"`+ikToken+`","device":"open_api"}`)); string(body) != ikDeviceError {
			t.Errorf("a JSON GET body: %s", body)
		}
	})
}

// PA pages with a slash before the query (/api/v2/contracts/?…): Rails
// routes it as without, for every path of the API.
func TestIKCRMClientsTrailingSlash(t *testing.T) {
	eachEngine(t, func(e *env) {
		_, path := ikClientContract(e)
		pa := "user_token=" + ikToken + "&version_code=9.8.0&device=dingtalk"
		for _, c := range []struct{ slashed, plain, golden string }{
			{"/api/v2/contracts/?per_page=100&page=1&approve_status=approved&" + pa, "/api/v2/contracts?per_page=100&page=1&approve_status=approved&" + pa,
				"ikcrm/client_contracts_approved"},
			{path + "/?" + pa, path + "?" + pa, "ikcrm/client_contract_lines"},
			{"/api/v2/field_maps/contract//?" + pa, "/api/v2/field_maps/contract?" + pa, "ikcrm/field_maps_contract"},
		} {
			_, want := e.ikGet(c.plain, "")
			status, body := e.ikGet(c.slashed, "")
			if status != http.StatusOK || !bytes.Equal(body, want) || !bytes.HasPrefix(body, []byte(`{"code":0,`)) {
				t.Errorf("%s: HTTP %d %s\nwant %s", c.slashed, status, body, want)
			}
			clientReplay(t, c.golden, body)
		}
		status, body := e.ikRequest(http.MethodPost, "/api/v2/auth/login/", "application/x-www-form-urlencoded", []byte("login=test&password=s3cret&device=dingtalk"))
		if status != http.StatusOK || !bytes.HasPrefix(body, []byte(`{"code":0,`)) {
			t.Errorf("login with a trailing slash: HTTP %d %s", status, body)
		}
		clientReplay(t, "ikcrm/client_login_phone", body) // seedIKContracts' user has confirmed a phone
		if status, body := e.ikGet("/api/v2/nothing/", ikAuth); status != http.StatusNotFound || !bytes.Contains(body, []byte(`"code":100404`)) {
			t.Errorf("an unknown path with a slash: HTTP %d %s", status, body)
		}
	})
}

// AK writes "??" before its query (…/revisit_logs??user_token=…): the first
// key arrives as "?user_token", and is read as user_token.
func TestIKCRMClientsDoubledQuestionMark(t *testing.T) {
	eachEngine(t, func(e *env) {
		_, path := ikClientContract(e)
		_, want := e.ikGet(path, ikAuth)
		status, body := e.ikGet(path+"??user_token="+ikToken+"&version_code=9.9.9&device=open_api", "")
		if status != http.StatusOK || !bytes.Equal(body, want) {
			t.Errorf("GET ??user_token: HTTP %d %s", status, body)
		}
		clientReplay(t, "ikcrm/client_contract_lines", body)
		status, body = e.ikRequest(http.MethodPost, "/api/v2/auth/login??login=test&password=s3cret&device=dingtalk", "application/x-www-form-urlencoded", nil)
		if status != http.StatusOK || !bytes.HasPrefix(body, []byte(`{"code":0,`)) {
			t.Errorf("POST login??login: HTTP %d %s", status, body)
		}
		clientReplay(t, "ikcrm/client_login_phone", body)
		status, body = e.ikRequest(http.MethodPut, path+"??user_token="+ikToken+"&device=open_api", "application/json", []byte(`{"contract":{"special_terms":"AK"}}`))
		if status != http.StatusOK || !bytes.Contains(body, []byte(`"special_terms":"AK"`)) {
			t.Errorf("PUT ??user_token: HTTP %d %s", status, body)
		}
	})
}

// The other forms clients send the token in (vendor-facts-wider.md §1.2).
func TestIKCRMClientsAuthForms(t *testing.T) {
	eachEngine(t, func(e *env) {
		_, path := ikClientContract(e)
		_, want := e.ikGet(path, ikAuth)
		for _, c := range []struct {
			client  string
			headers []string
		}{
			{"the vendor's demo: access-token and X-LXY-*", []string{"access-token", ikToken, "X-LXY-PLATFORM", "lixiaoyun", "X-LXY-APP", "crm"}},
			{"LV: X-LXY-* beside Authorization", []string{"Authorization", "Token token=" + ikToken + ", device=open_api, version_code=9.9.9",
				"X-LXY-PLATFORM", "lixiaoyun", "X-LXY-APP", "crm"}},
			{"LL: no spaces", []string{"Authorization", "Token token=" + ikToken + ",device=open_api,version_code=9.9.9"}},
			{"JV: quoted, version before device", []string{"Authorization", `Token token="` + ikToken + `",version_code="3.3.0",device="dingtalk"`}},
		} {
			status, body := e.ikRequest(http.MethodGet, path, "", nil, c.headers...)
			if status != http.StatusOK || !bytes.Equal(body, want) {
				t.Errorf("%s: HTTP %d %s", c.client, status, body)
			}
			clientReplay(t, "ikcrm/client_contract_lines", body)
		}
		_, body := e.ikRequest(http.MethodGet, path, "", nil, "access-token", "nope", "X-LXY-PLATFORM", "lixiaoyun", "X-LXY-APP", "crm")
		if !bytes.Contains(body, []byte(`"code":100401`)) {
			t.Errorf("an unknown access-token: %s, want 100401", body)
		}
		// A client that puts it in the query string has it redacted from the log.
		e.ikGet("/api/v2/field_maps/contract?access-token=hunter2-secret&user_token="+ikToken+"&device=open_api", "")
		if logs := e.log.String(); strings.Contains(logs, "hunter2-secret") || strings.Contains(logs, ikToken) {
			t.Errorf("a credential in the log:\n%s", logs)
		}
	})
}

// The login as each client sends it (§1.4), and what each reads: code 0 (PA
// and CS read it into a string, "0"), data.user_token and data.user_id; CS's
// model reads avatar_url, is_expired, confirmed_phone and set_password too.
func TestIKCRMClientsLogin(t *testing.T) {
	eachEngine(t, func(e *env) {
		tn := seedIK(e)
		form := "application/x-www-form-urlencoded"
		for _, c := range []struct{ client, path, contentType, body string }{
			{"AA, PA: form", "/api/v2/auth/login", form, "login=test&password=s3cret&device=open_api&version_code=9.9.9"},
			{"AK: form, dingtalk", "/api/v2/auth/login", form, "login=test&password=s3cret&device=dingtalk"},
			{"KL: form, web", "/api/v2/auth/login", form, "login=test&password=s3cret&device=web"},
			{"JN: form, wxwork", "/api/v2/auth/login", form, "login=test&password=s3cret&device=wxwork&version_code=3.13.0"},
			{"SY, CS: JSON, dingtalk", "/api/v2/auth/login", "application/json", `{"login":"test","password":"s3cret","device":"dingtalk","version_code":"3.13.0"}`},
			{"WB, PP: JSON with corp_id", "/api/v2/auth/login", "application/json; charset=utf-8", `{"login":"test","password":"s3cret","device":"open_api","version_code":"9.9.9","corp_id":"` + tn.Name + `"}`},
			{"SY, LL: query", "/api/v2/auth/login?login=test&password=s3cret&device=open_api&version_code=9.9.9", "", ""},
		} {
			status, body := e.ikRequest(http.MethodPost, c.path, c.contentType, []byte(c.body))
			var a struct {
				Code json.RawMessage
				Data struct {
					UserToken      *string `json:"user_token"`
					UserID         *uint64 `json:"user_id"`
					AvatarURL      *string `json:"avatar_url"`
					IsExpired      *bool   `json:"is_expired"`
					ConfirmedPhone *bool   `json:"confirmed_phone"`
					SetPassword    *bool   `json:"set_password"`
				}
			}
			e.must(json.Unmarshal(body, &a))
			d := a.Data
			if status != http.StatusOK || string(a.Code) != "0" || d.UserToken == nil || *d.UserToken == "" || d.UserID == nil || *d.UserID == 0 ||
				d.AvatarURL == nil || d.IsExpired == nil || *d.IsExpired || d.ConfirmedPhone == nil || d.SetPassword == nil || !*d.SetPassword {
				t.Errorf("%s: HTTP %d %s", c.client, status, body)
				continue
			}
			clientReplay(t, "ikcrm/client_login", body)
			if _, b := e.ikGet("/api/v2/field_maps/contract?user_token="+*d.UserToken+"&device=dingtalk&version_code=9.8.0", ""); !bytes.HasPrefix(b, []byte(`{"code":0,`)) {
				t.Errorf("%s: the user_token does not work: %s", c.client, b)
			}
		}
		_, body := e.postForm("/api/v2/auth/login", url.Values{"login": {"test"}, "password": {"nope"}, "device": {"dingtalk"}})
		if want := `{"code":100400,"message":"用户名或密码错误","error":"invalid_login"}` + "\n"; string(body) != want {
			t.Errorf("a wrong password: %s, want %s", body, want)
		}
	})
}

// strictKeys are those C# and Java clients read into non-nullable integers
// (vendor-facts-wider.md §1.14): null throws there, and so does "200.0".
var strictKeys = []string{"id", "user_id", "customer_id", "superior_id", "addressable_id", "quantity", "role_id",
	"department_id", "level", "product_id", "organization_id", "total_count", "per_page", "page", "code"}

var wholeNumber = regexp.MustCompile(`^-?\d+$`)

// strictlyTyped reports each strict key of v (at any depth) that is not a
// whole number, by its path.
func strictlyTyped(v any, at string) []string {
	var bad []string
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if slices.Contains(strictKeys, k) {
				if n, ok := x.(json.Number); !ok || !wholeNumber.MatchString(n.String()) {
					bad = append(bad, fmt.Sprintf("%s.%s = %v", at, k, x))
				}
				continue
			}
			bad = append(bad, strictlyTyped(x, at+"."+k)...)
		}
	case []any:
		for i, x := range v {
			bad = append(bad, strictlyTyped(x, fmt.Sprintf("%s[%d]", at, i))...)
		}
	}
	return bad
}

func decodeNumbers(t *testing.T, body []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return v
}

// PA reads the contract's lines from product_assets_for_new_record into
// {product_id int, product_no, quantity int, recommended_unit_price decimal,
// name}; C# and Java clients read ids and counts into non-nullable integers,
// product_no and total_count with getters that throw on null or missing.
func TestIKCRMClientsStrictTyping(t *testing.T) {
	eachEngine(t, func(e *env) {
		o, path := ikClientContract(e)
		// A contract of a customer in the public pool, which has no owner: its user object is {}.
		pooled := oaContract(e, o.me, "PA-2", "公海合同", "1", "2015-10-02", core.ContractExecuting)
		e.must(e.db.Model(&core.Customer{}).Where("id = ?", pooled.CustomerID).Update("owner_id", 0).Error)

		pa := "?user_token=" + ikToken + "&version_code=9.8.0&device=dingtalk"
		status, body := e.ikGet(path+pa, "")
		if status != http.StatusOK {
			t.Fatalf("detail: HTTP %d %s", status, body)
		}
		clientReplay(t, "ikcrm/client_contract_lines", body)
		var detail struct {
			Data struct {
				Lines []struct {
					ProductID            *uint64 `json:"product_id"`
					ProductNo            *string `json:"product_no"`
					Quantity             *int64  `json:"quantity"`
					RecommendedUnitPrice *string `json:"recommended_unit_price"`
					Name                 *string `json:"name"`
				} `json:"product_assets_for_new_record"`
			}
		}
		e.must(json.Unmarshal(body, &detail))
		var got []string
		for _, l := range detail.Data.Lines {
			if l.ProductID == nil || l.ProductNo == nil || l.Quantity == nil || l.RecommendedUnitPrice == nil || l.Name == nil {
				t.Fatalf("a line with a field missing or null: %s", body)
			}
			got = append(got, fmt.Sprintf("%d %s %d %s %s", *l.ProductID, *l.ProductNo, *l.Quantity, *l.RecommendedUnitPrice, *l.Name))
		}
		if want := "10312510 CP0003 200 2000.0 多单位转换T1,0  1 100.0 安装费"; strings.Join(got, ",") != want {
			t.Errorf("product_assets_for_new_record: %q, want %q", strings.Join(got, ","), want)
		}
		for _, p := range []string{path + pa, fmt.Sprintf("/api/v2/contracts/%d%s", pooled.ID, pa), "/api/v2/contracts" + pa} {
			_, body := e.ikGet(p, "")
			if bad := strictlyTyped(decodeNumbers(t, body), ""); len(bad) > 0 {
				t.Errorf("%s: not whole numbers where clients read them: %v\n%s", p, bad, body)
			}
		}
		_, body = e.ikGet("/api/v2/contracts"+pa, "")
		if !regexp.MustCompile(`"total_count":\d+`).Match(body) {
			t.Errorf("the list without total_count: %s", body)
		}
	})
}

// ikRelogin is the answer to a token that does not work: the vendor's own
// expired-login answer (D:user_list).
const ikRelogin = `{"code":100401,"message":"您的登录已经过期,请重新登录!","error":"user_authentication_error"}` + "\n"

// A token that does not work makes every client log in again: AA on 100000,
// 100400 or 100401, PA on "100401" only, WB on a message naming token, 登录,
// 授权, 认证 or 权限 (vendor-facts-wider.md §1.2, §1.5).
func TestIKCRMClientsLogInAgain(t *testing.T) {
	eachEngine(t, func(e *env) {
		seedIK(e)
		_, body := e.postForm("/api/v2/auth/login", url.Values{"login": {"test"}, "password": {"s3cret"}, "device": {"dingtalk"}})
		var a struct {
			Data struct {
				UserToken string `json:"user_token"`
			}
		}
		e.must(json.Unmarshal(body, &a))
		issued := a.Data.UserToken
		wb := regexp.MustCompile(`token|登录|授权|认证|权限`)
		check := func(name string, status int, body []byte) {
			t.Helper()
			var r struct {
				Code    json.Number
				Message string
			}
			e.must(json.Unmarshal(body, &r))
			aa := slices.Contains([]string{"100000", "100400", "100401"}, r.Code.String())
			if status != http.StatusOK || string(body) != ikRelogin || !aa || r.Code.String() != "100401" || !wb.MatchString(r.Message) {
				t.Errorf("%s: HTTP %d %s, want %s", name, status, body, ikRelogin)
			}
		}
		status, body := e.ikGet("/api/v2/contracts?user_token=never-issued&device=dingtalk&version_code=9.8.0", "")
		check("PA: an unknown token", status, body)
		clientReplay(t, "ikcrm/error_relogin", body)
		status, body = e.ikGet("/api/v2/contracts", `Token device="open_api"`)
		check("no token", status, body)
		status, body = e.ikRequest(http.MethodGet, "/api/v2/contracts", "", nil, "access-token", "never-issued")
		check("an unknown access-token", status, body)
		e.must(e.svc.RevokeToken(context.Background(), ikToken))
		status, body = e.ikGet("/api/v2/contracts", ikAuth)
		check("a revoked token", status, body)
		if status, body := e.ikGet("/api/v2/contracts", `Token token="`+issued+`",version_code="3.3.0",device="dingtalk"`); status != http.StatusOK || !bytes.HasPrefix(body, []byte(`{"code":0,`)) {
			t.Fatalf("the issued token: HTTP %d %s", status, body)
		}
		e.clock.t = now.Add(8 * 24 * time.Hour) // past login_ttl
		status, body = e.ikGet("/api/v2/contracts", `Token token="`+issued+`",version_code="3.3.0",device="dingtalk"`)
		check("JV: an expired login", status, body)
	})
}
