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

// A tenant moved from its old vendors keeps the ids its clients hold: the
// yunzmall shop in every path, the WebApi org_id and the ikcrm corp_id of
// their logins, the ikcrm organisation in its answers. crmgw's own tenant id
// then names it in none of those dialects.
func TestTenantDialectIDs(t *testing.T) {
	eachEngine(t, func(e *env) {
		ctx := context.Background()
		_, err := e.svc.AddTenant(ctx, "first", "", core.TenantIDChange{}) // so that acme's own id is none of its dialect ids
		e.must(err)
		shop, org, ikOrg, corp := uint64(25), uint64(9001), uint64(880), "ww123"
		tn, err := e.svc.AddTenant(ctx, "acme", "", core.TenantIDChange{YunzmallShop: &shop, QcyOrg: &org, IkcrmOrg: &ikOrg, IkcrmCorp: &corp})
		e.must(err)
		if tn.ID == shop || tn.ID == org || tn.ID == ikOrg {
			t.Fatalf("fixture: acme's id %d is one of its dialect ids", tn.ID)
		}
		d, err := e.svc.EnsureDepartment(ctx, tn.ID, "销售部")
		e.must(err)
		u, err := e.svc.EnsureUser(ctx, tn.ID, "ann", d.ID)
		e.must(err)
		e.must(e.svc.SetPassword(ctx, tn.ID, "ann", "s3cret"))
		token, err := e.svc.RegisterToken(ctx, tn.ID, u.ID, "")
		e.must(err)

		// yunzmall: the shop's path answers, crmgw's id is "invalid appid".
		if !e.yzStatsBy(shop, "?token="+url.QueryEscape(token)) {
			t.Errorf("yunzmall: /business/%d/… does not answer acme's token", shop)
		}
		if e.yzStatsBy(tn.ID, "?token="+url.QueryEscape(token)) {
			t.Errorf("yunzmall: /business/%d/… (crmgw's own id) answers acme's token", tn.ID)
		}
		// A member logs in with i, the shop, and is sent home to it.
		login := e.yzSend(http.MethodPost, "/addons/yun_shop/api.php?type=9&route=member.login.index&i="+fmt.Sprint(shop),
			"application/x-www-form-urlencoded", url.Values{"mobile": {"ann"}, "password": {"s3cret"}}.Encode())
		if !strings.Contains(login.body, `"result":1`) || !strings.Contains(login.body, fmt.Sprintf("i=%d", shop)) {
			t.Errorf("yunzmall member login with i=%d: %s", shop, login.body)
		}

		// WebApi: Token/Get with the org_id.
		for _, o := range []struct {
			org  uint64
			want bool
		}{{org, true}, {tn.ID, false}} {
			status, body := e.postForm("/WebApi/Handler/1.0/Token/Get.ashx", url.Values{"format": {"json"}, "org_id": {fmt.Sprint(o.org)},
				"login_name": {"ann"}, "password": {"s3cret"}})
			if got := status == http.StatusOK && !strings.Contains(string(body), "error_code"); got != o.want {
				t.Errorf("qcy Token/Get org_id=%d: HTTP %d %s, want a token %t", o.org, status, body, o.want)
			}
		}

		// ikcrm: the corp id, the organisation id or the name log in; the organisation shows in answers.
		for _, c := range []string{corp, fmt.Sprint(ikOrg), "acme"} {
			status, body := e.postForm("/api/v2/auth/login", url.Values{"login": {"ann"}, "password": {"s3cret"}, "device": {"open_api"}, "corp_id": {c}})
			if status != http.StatusOK || !strings.Contains(string(body), `"code":0`) {
				t.Errorf("ikcrm login corp_id=%s: HTTP %d %s", c, status, body)
			}
		}
		status, body := e.postForm("/api/v2/auth/login", url.Values{"login": {"ann"}, "password": {"s3cret"}, "device": {"open_api"}, "corp_id": {fmt.Sprint(tn.ID)}})
		if strings.Contains(string(body), `"code":0`) {
			t.Errorf("ikcrm login with crmgw's own id as corp_id: HTTP %d %s, want refused", status, body)
		}
		caller, err := e.svc.CallerFor(tn, u)
		e.must(err)
		cu, err := e.svc.CreateCustomer(ctx, caller, core.NewCustomer{Name: "客户"})
		e.must(err)
		auth := fmt.Sprintf(`Token token="%s",device="open_api"`, token)
		_, body = e.ikRequest(http.MethodPost, "/api/v2/contracts", "application/json",
			fmt.Appendf(nil, `{"contract":{"title":"t","customer_id":%d,"total_amount":"1","sign_date":"2015-10-01","start_at":"2015-10-01","end_at":"2015-10-02"}}`, cu.ID),
			"Authorization", auth)
		var created struct {
			Code int
			Data struct {
				OrganizationID uint64 `json:"organization_id"`
				User           struct {
					OrganizationID uint64 `json:"organization_id"`
				}
			}
		}
		e.must(json.Unmarshal(body, &created))
		if created.Code != 0 || created.Data.OrganizationID != ikOrg || created.Data.User.OrganizationID != ikOrg {
			t.Errorf("ikcrm contract: organization_id %d, its user's %d, want %d: %s", created.Data.OrganizationID, created.Data.User.OrganizationID, ikOrg, body)
		}
	})
}
