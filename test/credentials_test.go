package test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

var authFailed = rejection{
	"oa":       `{"statuscode":"10501","statusmsg":"token已过期","data":{},"usermsg":"请重新登录"}`,
	"qcy":      `{"request":"{path}","error_code":"21332","error":"token 无效或已过期"}`,
	"ikcrm":    `{"code":100401,"message":"您的登录已经过期,请重新登录!","error":"user_authentication_error"}`,
	"yunzmall": `{"result":0,"msg":"","data":{"login_status":1,"login_url":"/#/login"}}`,
}

// A revoked token or site key is refused on the very next request, in the
// dialect's auth error, exactly like one never issued.
func TestRevocationTakesEffectAtOnce(t *testing.T) {
	eachEngine(t, func(e *env) {
		ctx := context.Background()
		tn := seedLimits(e, "rv-oa", "rv-qcy", "rv-ikcrm", "rv-yunzmall")
		for i, dialect := range dialectOrder {
			p := authedRequests(tn.ID, "rv-"+dialect)[i]
			if res, body := e.send(p, nil); res.StatusCode != http.StatusOK {
				t.Fatalf("%s before revocation: HTTP %d %s", dialect, res.StatusCode, body)
			}
			e.must(e.svc.RevokeToken(ctx, "rv-"+dialect))
			res, body := e.send(p, nil)
			authFailed.expect(t, p, res, body, http.StatusOK, "")
			res, body = e.send(authedRequests(tn.ID, "never-issued")[i], nil)
			authFailed.expect(t, p, res, body, http.StatusOK, "")
		}

		key, err := e.svc.RegisterSiteKey(ctx, tn.ID, "rv-site-key")
		e.must(err)
		hit := url.Values{"siteKey": {key}, "pkid": {"7"}, "addHit": {"1"}, "format": {"json"}}
		if _, body := e.call(http.MethodGet, "ECommerce/UpdateBaseInfoHit", hit); strings.TrimSpace(string(body)) != `{"value":true}` {
			t.Fatalf("site key before revocation: %s", body)
		}
		e.must(e.svc.RevokeSiteKey(ctx, key))
		_, body := e.call(http.MethodGet, "ECommerce/UpdateBaseInfoHit", hit)
		if want := `{"request":"/WebApi/Handler/1.0/CRM/ECommerce/UpdateBaseInfoHit.ashx","error_code":"21332","error":"token 无效或已过期"}`; strings.TrimSpace(string(body)) != want {
			t.Errorf("revoked site key: %s, want %s", body, want)
		}
	})
}

// The database keeps no token or site key, only SHA-256 hashes of them:
// registered tokens, tokens issued by every dialect's login, site keys.
func TestCredentialsAreStoredOnlyAsHashes(t *testing.T) {
	eachEngine(t, func(e *env) {
		ctx := context.Background()
		tn := seedLimits(e, "registered-token-value")
		e.must(e.svc.SetPassword(ctx, tn.ID, "ann", "s3cret"))
		_, err := e.svc.RegisterSiteKey(ctx, tn.ID, "registered-site-key")
		e.must(err)
		secrets := []string{"registered-token-value", "registered-site-key"}

		_, body := e.postForm("/oa/users/login", url.Values{"username": {"ann"}, "password": {"s3cret"}})
		var oa struct {
			Data struct {
				AccessToken string `json:"access_token"`
			} `json:"data"`
		}
		e.must(json.Unmarshal(body, &oa))
		_, body = e.postForm("/api/v2/auth/login", url.Values{"login": {"ann"}, "password": {"s3cret"}, "device": {"open_api"}})
		var ik struct {
			Data struct {
				UserToken string `json:"user_token"`
			} `json:"data"`
		}
		e.must(json.Unmarshal(body, &ik))
		_, body = e.get("/WebApi/Handler/1.0/Token/Get.ashx?format=json&org_id=" + fmt.Sprint(tn.ID) + "&login_name=ann&password=s3cret")
		var qcy struct {
			Value string `json:"value"`
		}
		e.must(json.Unmarshal(body, &qcy))
		for _, issued := range []string{oa.Data.AccessToken, ik.Data.UserToken, qcy.Value} {
			if issued == "" {
				t.Fatalf("a login issued no token: %s", body)
			}
			secrets = append(secrets, issued)
		}

		var stored strings.Builder
		for _, table := range []string{"api_tokens", "site_keys"} {
			var rows []map[string]any
			e.must(e.db.Table(table).Find(&rows).Error)
			for _, r := range rows {
				fmt.Fprintln(&stored, table, r)
			}
		}
		for _, s := range secrets {
			if strings.Contains(stored.String(), s) {
				t.Errorf("the database keeps the secret %q:\n%s", s, stored.String())
			}
			sum := sha256.Sum256([]byte(s))
			if !strings.Contains(stored.String(), hex.EncodeToString(sum[:])) {
				t.Errorf("no hash of %q is kept:\n%s", s, stored.String())
			}
		}
	})
}

// base64Password is log-secret-password as yunzmall's admin front end sends it.
var base64Password = base64.StdEncoding.EncodeToString([]byte("log-secret-password"))

// No credential reaches the log, whichever way a client sends it: query,
// form, JSON body, cookie or Authorization header, accepted or refused.
func TestCredentialsNeverReachTheLog(t *testing.T) {
	eachEngine(t, func(e *env) {
		ctx := context.Background()
		tn := seedLimits(e, "log-secret-token")
		e.must(e.svc.SetPassword(ctx, tn.ID, "ann", "log-secret-password"))
		_, err := e.svc.RegisterSiteKey(ctx, tn.ID, "log-secret-site-key")
		e.must(err)
		const tok = "log-secret-token"
		form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
		jsonBody := http.Header{"Content-Type": {"application/json"}}
		requests := authedRequests(tn.ID, tok)
		requests = append(requests, authedRequests(tn.ID, "log-secret-unknown")...)
		requests = append(requests,
			authedRequest{"oa", http.MethodPost, "/oa/crm/monthplan", form, "access_token=" + tok + "&yearmonth=2015-10&targetamount=1"},
			authedRequest{"oa", http.MethodPost, "/oa/users/login?password=log-secret-password", form, "username=ann"},
			authedRequest{"qcy", http.MethodPost, qcyBase + "Customer/GetAllList.ashx", form, "format=json&pageIndex=1&token=" + tok},
			authedRequest{"qcy", http.MethodGet, qcyBase + "ECommerce/UpdateBaseInfoHit.ashx?siteKey=log-secret-site-key&pkid=1&addHit=1", nil, ""},
			authedRequest{"qcy", http.MethodGet, qcyBase + "ECommerce/UpdateBaseInfoHit.ashx?SITEKEY=log-secret-site-key&pkid=x", nil, ""},
			authedRequest{"qcy", http.MethodGet, "/WebApi/Handler/1.0/Token/Get.ashx?org_id=1&login_name=ann&password=log-secret-password", nil, ""},
			authedRequest{"ikcrm", http.MethodGet, "/api/v2/contracts?user_token=" + tok + "&device=open_api", nil, ""},
			authedRequest{"ikcrm", http.MethodPost, "/api/v2/auth/login", jsonBody, `{"login":"ann","password":"log-secret-password"}`},
			authedRequest{"yunzmall", http.MethodPost, yzPath(tn.ID) + "?token=" + tok, nil, ""},
			authedRequest{"yunzmall", http.MethodPost, yzPath(tn.ID), jsonBody, `{"token":"` + tok + `"}`},
			authedRequest{"yunzmall", http.MethodPost, yzPath(tn.ID), http.Header{"Cookie": {"laravel_session=" + tok}}, ""},
			authedRequest{"yunzmall", http.MethodPost, yzPath(tn.ID) + "?yz_token=" + tok + "&page=x", nil, ""},
			// the forms real clients send (vendor-facts-wider.md §1.3, §1.6, §2)
			authedRequest{"ikcrm", http.MethodGet, "/api/v2/contracts??user_token=" + tok + "&device=open_api", nil, ""},
			authedRequest{"ikcrm", http.MethodGet, "/api/v2/contracts/??user_token=" + tok + "&device=web", nil, ""},
			authedRequest{"ikcrm", http.MethodGet, "/api/v2/contracts", http.Header{"Access-Token": {tok}}, ""},
			authedRequest{"ikcrm", http.MethodGet, "/api/v2/contracts", form, "user_token=" + tok + "&device=dingtalk"},
			authedRequest{"yunzmall", http.MethodPost, "/admin/login", form, "username=ann&password=" + base64Password},
			authedRequest{"yunzmall", http.MethodPost, "/admin/login??password=" + base64Password, form, "username=ann"},
			authedRequest{"yunzmall", http.MethodPost, "/addons/yun_shop/api.php?i=" + fmt.Sprint(tn.ID) + "&type=9&route=member.login.index",
				form, "mobile=ann&password=log-secret-password"},
		)
		for _, p := range requests {
			e.send(p, nil)
		}
		log := e.log.String()
		if n := strings.Count(log, `"msg":"request"`); n != len(requests) {
			t.Errorf("the access log has %d request lines, want %d:\n%s", n, len(requests), log)
		}
		if strings.Contains(strings.ToLower(log), "log-secret") || strings.Contains(log, strings.TrimRight(base64Password, "=")) {
			t.Errorf("a credential reached the log:\n%s", log)
		}
		if !strings.Contains(log, "access_token=REDACTED") || !strings.Contains(log, "SITEKEY=REDACTED") {
			t.Errorf("the access log does not show where credentials were redacted:\n%s", log)
		}
	})
}
