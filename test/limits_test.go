package test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"crmgw/config"
	"crmgw/core"
)

// authedRequest is one authenticated request of a dialect, sent as its clients send it.
type authedRequest struct {
	dialect      string
	method, path string
	header       http.Header
	body         string
}

// authedRequests are a read of every dialect with token, and one POST route of each
// (for body limits).
func authedRequests(tenantID uint64, token string) []authedRequest {
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	return []authedRequest{
		{"oa", http.MethodGet, "/oa/crm/home?access_token=" + token, nil, ""},
		{"qcy", http.MethodGet, qcyBase + "Customer/GetAllList.ashx?format=json&pageIndex=1&token=" + token, nil, ""},
		{"ikcrm", http.MethodGet, "/api/v2/contracts", http.Header{"Authorization": {`Token token="` + token + `", device="open_api"`}}, ""},
		{"yunzmall", http.MethodPost, yzPath(tenantID), http.Header{"Authorization": {"Bearer " + token}, "Content-Type": form["Content-Type"]}, "page=1"},
	}
}

// send makes p's request, with extra headers, and returns the answer and its body.
func (e *env) send(p authedRequest, extra http.Header) (*http.Response, []byte) {
	e.t.Helper()
	req, err := http.NewRequest(p.method, e.url+p.path, strings.NewReader(p.body))
	e.must(err)
	for _, h := range []http.Header{p.header, extra} {
		for k, vs := range h {
			req.Header[k] = vs
		}
	}
	res, err := http.DefaultClient.Do(req)
	e.must(err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	e.must(err)
	return res, body
}

// seedLimits makes a tenant whose one user holds a token per name given.
func seedLimits(e *env, tokens ...string) core.Tenant {
	ctx := context.Background()
	tn, err := e.svc.EnsureTenant(ctx, "acme")
	e.must(err)
	d, err := e.svc.EnsureDepartment(ctx, tn.ID, "销售部")
	e.must(err)
	u, err := e.svc.EnsureUser(ctx, tn.ID, "ann", d.ID)
	e.must(err)
	for _, tok := range tokens {
		_, err := e.svc.RegisterToken(ctx, tn.ID, u.ID, tok)
		e.must(err)
	}
	return tn
}

// rejection is what each dialect answers for one kind of refusal.
type rejection map[string]string

// expect checks a whole answer against the dialect's: status, body and, when want, Retry-After.
func (r rejection) expect(t *testing.T, p authedRequest, res *http.Response, body []byte, status int, retryAfter string) {
	t.Helper()
	want := strings.ReplaceAll(r[p.dialect], "{path}", strings.SplitN(p.path, "?", 2)[0])
	if res.StatusCode != status || strings.TrimSpace(string(body)) != want {
		t.Errorf("%s %s: HTTP %d %s\nwant HTTP %d %s", p.method, p.path, res.StatusCode, body, status, want)
	}
	if got := res.Header.Get("Retry-After"); got != retryAfter {
		t.Errorf("%s %s: Retry-After %q, want %q", p.method, p.path, got, retryAfter)
	}
}

var rateLimited = rejection{
	"oa":       `{"statuscode":"10500","statusmsg":"操作异常","data":{},"usermsg":"请求过于频繁,请稍后再试"}`,
	"qcy":      `{"request":"{path}","error_code":"10023","error":"请求过于频繁,请稍后再试"}`,
	"ikcrm":    `{"code":100429,"message":"请求过于频繁,请稍后再试","error":"too_many_requests"}`,
	"yunzmall": `{"result":0,"msg":"请求过于频繁,请稍后再试","data":[]}`,
}

// Each token has its own bucket: past its burst it is refused in the dialect's
// shape with HTTP 429 and Retry-After, other tokens go on, and it may ask again
// once the bucket refills.
func TestRateLimitPerToken(t *testing.T) {
	eachEngineWith(t, func(c *config.Config) { c.RateLimit = config.RateLimit{PerSecond: 1, Burst: 2} }, func(e *env) {
		tn := seedLimits(e, "rl-oa", "rl-qcy", "rl-ikcrm", "rl-yunzmall", "other-oa", "other-qcy", "other-ikcrm", "other-yunzmall")
		for i, dialect := range dialectOrder {
			p := authedRequests(tn.ID, "rl-"+dialect)[i]
			for i := range 2 {
				if res, body := e.send(p, nil); res.StatusCode != http.StatusOK {
					t.Fatalf("%s request %d within the burst: HTTP %d %s", p.dialect, i+1, res.StatusCode, body)
				}
			}
			res, body := e.send(p, nil)
			rateLimited.expect(t, p, res, body, http.StatusTooManyRequests, "1")
		}
		if n := strings.Count(e.log.String(), `"status":429`); n != len(dialectOrder) {
			t.Errorf("the access log shows %d answers of 429, want %d:\n%s", n, len(dialectOrder), e.log.String())
		}
		for i, dialect := range dialectOrder {
			p := authedRequests(tn.ID, "other-"+dialect)[i]
			if res, body := e.send(p, nil); res.StatusCode != http.StatusOK {
				t.Errorf("%s with another token: HTTP %d %s", p.dialect, res.StatusCode, body)
			}
		}
		e.clock.t = e.clock.t.Add(time.Second)
		for i, dialect := range dialectOrder {
			p := authedRequests(tn.ID, "rl-"+dialect)[i]
			if res, body := e.send(p, nil); res.StatusCode != http.StatusOK {
				t.Errorf("%s a second later: HTTP %d %s", p.dialect, res.StatusCode, body)
			}
		}
	})
}

// dialectOrder are the dialects in the order authedRequests lists them.
var dialectOrder = []string{"oa", "qcy", "ikcrm", "yunzmall"}

// Without configuration there is no rate limit.
func TestRateLimitIsOffByDefault(t *testing.T) {
	eachEngine(t, func(e *env) {
		tn := seedLimits(e, "busy")
		p := authedRequests(tn.ID, "busy")[0]
		for i := range 100 {
			if res, body := e.send(p, nil); res.StatusCode != http.StatusOK {
				t.Fatalf("request %d: HTTP %d %s", i+1, res.StatusCode, body)
			}
		}
	})
}

var headerTooLarge = rejection{
	"oa":       `{"statuscode":"10004","statusmsg":"参数格式不正确","data":{},"usermsg":"请求头过大"}`,
	"qcy":      `{"request":"{path}","error_code":"10017","error":"请求头过大"}`,
	"ikcrm":    `{"code":100431,"message":"请求头过大","error":"request_header_fields_too_large"}`,
	"yunzmall": `{"result":0,"msg":"请求头过大","data":[]}`,
}

var bodyTooLarge = rejection{
	"oa":       `{"statuscode":"10004","statusmsg":"参数格式不正确","data":{},"usermsg":"请求体过大"}`,
	"qcy":      `{"request":"{path}","error_code":"10017","error":"请求体过大"}`,
	"ikcrm":    `{"code":100413,"message":"请求体过大","error":"request_entity_too_large"}`,
	"yunzmall": `{"result":0,"msg":"请求体过大","data":[]}`,
}

// Headers and bodies over the configured limits are refused in each dialect's shape.
func TestRequestSizeLimits(t *testing.T) {
	eachEngineWith(t, func(c *config.Config) { c.Limits.MaxHeaderBytes, c.Limits.MaxBodyBytes = 2048, 1024 }, func(e *env) {
		tn := seedLimits(e, "sized")
		for _, p := range authedRequests(tn.ID, "sized") {
			if res, body := e.send(p, http.Header{"X-Padding": {strings.Repeat("x", 1500)}}); res.StatusCode != http.StatusOK {
				t.Errorf("%s with headers within the limit: HTTP %d %s", p.dialect, res.StatusCode, body)
			}
			res, body := e.send(p, http.Header{"X-Padding": {strings.Repeat("x", 2100)}})
			headerTooLarge.expect(t, p, res, body, http.StatusRequestHeaderFieldsTooLarge, "")
		}
		form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
		posts := []authedRequest{
			{"oa", http.MethodPost, "/oa/crm/monthplan?access_token=sized", form, ""},
			{"qcy", http.MethodPost, qcyBase + "Customer/Save.ashx?format=json&token=sized", form, ""},
			{"ikcrm", http.MethodPost, "/api/v2/contracts", http.Header{"Authorization": {`Token token="sized", device="open_api"`}, "Content-Type": form["Content-Type"]}, ""},
			authedRequests(tn.ID, "sized")[3],
		}
		before := dbState(e)
		for _, p := range posts {
			p.body = "remark=" + strings.Repeat("y", 1100)
			res, body := e.send(p, nil)
			bodyTooLarge.expect(t, p, res, body, http.StatusRequestEntityTooLarge, "")
			// The same body with no length announced: read up to the limit, then refused.
			req, err := http.NewRequest(p.method, e.url+p.path, io.MultiReader(strings.NewReader(p.body)))
			e.must(err)
			for k, vs := range p.header {
				req.Header[k] = vs
			}
			res, err = http.DefaultClient.Do(req)
			e.must(err)
			body, err = io.ReadAll(res.Body)
			res.Body.Close()
			e.must(err)
			if req.ContentLength != 0 {
				t.Fatalf("the chunked request announced a length")
			}
			bodyTooLarge.expect(t, p, res, body, http.StatusRequestEntityTooLarge, "")
		}
		if after := dbState(e); after != before {
			t.Errorf("a refused body changed the database:\n%s\nwas\n%s", after, before)
		}
	})
}

// No list gives more rows at once than limits.max_page_size; asking for more is
// a bad parameter in the dialect's words.
func TestMaxPageSize(t *testing.T) {
	eachEngineWith(t, func(c *config.Config) { c.Limits.MaxPageSize = 25 }, func(e *env) {
		seedLimits(e, "paged")
		auth := http.Header{"Authorization": {`Token token="paged", device="open_api"`}}
		for _, c := range []struct {
			p    authedRequest
			want string
		}{
			{authedRequest{"oa", http.MethodGet, "/oa/crm/contracts/count?access_token=paged&year=2015&month=10&flag=2&size=25", nil, ""}, `{"statuscode":"0000"`},
			{authedRequest{"oa", http.MethodGet, "/oa/crm/contracts/count?access_token=paged&year=2015&month=10&flag=2&size=26", nil, ""},
				`{"statuscode":"10004","statusmsg":"参数格式不正确","data":{},"usermsg":"size 应在 1 到 25 之间: 26"}`},
			{authedRequest{"qcy", http.MethodGet, qcyBase + "Customer/GetAllList.ashx?format=json&pageIndex=1&pageSize=25&token=paged", nil, ""}, `{"value":`},
			{authedRequest{"qcy", http.MethodGet, qcyBase + "Customer/GetAllList.ashx?format=json&pageIndex=1&pageSize=26&token=paged", nil, ""},
				`{"request":"/WebApi/Handler/1.0/CRM/Customer/GetAllList.ashx","error_code":"10017","error":"pageIndex 从 1 开始, pageSize 应在 1 到 25 之间"}`},
			{authedRequest{"ikcrm", http.MethodGet, "/api/v2/contracts?per_page=25", auth, ""}, `{"code":0,`},
			{authedRequest{"ikcrm", http.MethodGet, "/api/v2/contracts?per_page=26", auth, ""},
				`{"code":100422,"message":"per_page must be between 1 and 25","error":"invalid_params"}`},
		} {
			res, body := e.send(c.p, nil)
			if res.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), c.want) && strings.TrimSpace(string(body)) != c.want {
				t.Errorf("%s: HTTP %d %s\nwant %s", c.p.path, res.StatusCode, body, c.want)
			}
		}
	})
}

var requestTimedOut = rejection{
	"oa":       `{"statuscode":"10004","statusmsg":"参数格式不正确","data":{},"usermsg":"请求超时"}`,
	"qcy":      `{"request":"{path}","error_code":"10017","error":"请求超时"}`,
	"ikcrm":    `{"code":100408,"message":"请求超时","error":"request_timeout"}`,
	"yunzmall": `{"result":0,"msg":"请求超时","data":[]}`,
}

// A body that does not arrive within limits.read_timeout is answered 408 in
// the dialect's shape, not left hanging.
func TestSlowBodyTimesOut(t *testing.T) {
	eachEngine(t, func(e *env) {
		tn := seedLimits(e, "slow")
		cfg, err := config.Load(nil)
		e.must(err)
		cfg.Limits.ReadTimeout = 300 * time.Millisecond
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		e.must(err)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- e.rebuild(cfg, io.Discard).Gateway.Serve(ctx, ln, nil) }()
		t.Cleanup(func() { cancel(); <-done })

		for _, p := range authedRequests(tn.ID, "slow") {
			p.method = http.MethodPost
			conn, err := net.Dial("tcp", ln.Addr().String())
			e.must(err)
			var head strings.Builder
			fmt.Fprintf(&head, "%s %s HTTP/1.1\r\nHost: crmgw\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n", p.method, p.path)
			for k, vs := range p.header {
				if k != "Content-Type" {
					fmt.Fprintf(&head, "%s: %s\r\n", k, vs[0])
				}
			}
			head.WriteString("\r\npage=1&") // 8 of the 100 bytes announced, and then nothing
			_, err = io.WriteString(conn, head.String())
			e.must(err)
			e.must(conn.SetReadDeadline(time.Now().Add(10 * time.Second)))
			res, err := http.ReadResponse(bufio.NewReader(conn), nil)
			e.must(err)
			body, err := io.ReadAll(res.Body)
			e.must(err)
			conn.Close()
			requestTimedOut.expect(t, p, res, body, http.StatusRequestTimeout, "")
		}
	})
}
