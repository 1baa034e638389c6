package test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"crmgw/core"
)

// served is how each dialect's successful answer to authedRequests begins.
var served = map[string]string{"oa": `{"statuscode":"0000",`, "qcy": `{"value":`, "ikcrm": `{"code":0,`, "yunzmall": `{"result":1,`}

// loginAll logs ann in through each dialect that has a login and returns the tokens issued.
func loginAll(e *env, tenantID uint64) []string {
	e.t.Helper()
	var tokens []string
	for _, l := range []struct {
		dialect string
		send    func() []byte
		token   func(body []byte) string
	}{
		{"oa", func() []byte {
			_, b := e.postForm("/oa/users/login", url.Values{"username": {"ann"}, "password": {"s3cret"}})
			return b
		}, func(b []byte) string {
			var r struct {
				Data struct {
					AccessToken string `json:"access_token"`
				} `json:"data"`
			}
			e.must(json.Unmarshal(b, &r))
			return r.Data.AccessToken
		}},
		{"ikcrm", func() []byte {
			_, b := e.postForm("/api/v2/auth/login", url.Values{"login": {"ann"}, "password": {"s3cret"}, "device": {"open_api"}})
			return b
		}, func(b []byte) string {
			var r struct {
				Data struct {
					UserToken string `json:"user_token"`
				} `json:"data"`
			}
			e.must(json.Unmarshal(b, &r))
			return r.Data.UserToken
		}},
		{"qcy", func() []byte {
			_, b := e.get(fmt.Sprintf("/WebApi/Handler/1.0/Token/Get.ashx?format=json&org_id=%d&login_name=ann&password=s3cret", tenantID))
			return b
		}, func(b []byte) string {
			var r struct {
				Value string `json:"value"`
			}
			e.must(json.Unmarshal(b, &r))
			return r.Value
		}},
	} {
		body := l.send()
		tok := l.token(body)
		if tok == "" {
			e.t.Fatalf("%s login issued no token: %s", l.dialect, body)
		}
		tokens = append(tokens, tok)
	}
	return tokens
}

// Tokens issued by the dialects' logins are swept once expired, and an expired
// token answers every dialect's auth error, the same whole answer before the
// sweep and after it (as a token never issued does); tokens logged in since
// and registered ones are kept, and work in every dialect.
func TestExpiredLoginTokensAreSweptUnnoticed(t *testing.T) {
	eachEngine(t, func(e *env) {
		ctx := context.Background()
		tn := seedLimits(e, "sweep-registered")
		e.must(e.svc.SetPassword(ctx, tn.ID, "ann", "s3cret"))
		expired := loginAll(e, tn.ID)
		e.clock.t = e.clock.t.Add(30 * 24 * time.Hour) // past every dialect's login_ttl
		fresh := loginAll(e, tn.ID)

		refusedEverywhere := func(when string) {
			for _, tok := range append(expired, "never-issued") {
				for _, p := range authedRequests(tn.ID, tok) {
					res, body := e.send(p, nil)
					authFailed.expect(t, p, res, body, http.StatusOK, "")
				}
			}
			if t.Failed() {
				t.Fatalf("%s: expired tokens answered otherwise", when)
			}
		}
		refusedEverywhere("before the sweep")
		swept, err := e.svc.SweepTokens(ctx)
		e.must(err)
		if swept != int64(len(expired)) {
			t.Errorf("swept %d tokens, want the %d expired ones", swept, len(expired))
		}
		refusedEverywhere("after the sweep")

		for _, tok := range append(fresh, "sweep-registered") {
			for _, p := range authedRequests(tn.ID, tok) {
				if res, body := e.send(p, nil); res.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), served[p.dialect]) {
					t.Errorf("a token the sweep keeps, %s %s: HTTP %d %s", p.method, p.path, res.StatusCode, body)
				}
			}
		}
		var left int64
		e.must(e.db.Model(&core.APIToken{}).Count(&left).Error)
		if want := int64(len(fresh) + 1); left != want {
			t.Errorf("%d tokens left, want %d", left, want)
		}
	})
}
