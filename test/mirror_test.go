package test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"crmgw/app"
	"crmgw/config"
	"crmgw/core"
	"crmgw/core/dbtest"
	"crmgw/seed"
)

// upstream is crmgw A serving as the old vendors, behind a wrapper that
// counts what reaches it and can slow it, add a field that changes on
// every answer (noise), or refuse every second request as a rate limit.
type upstream struct {
	h        http.Handler
	mu       sync.Mutex
	hits     map[string]int // "METHOD path" → requests
	delay    atomic.Int64   // nanoseconds each answer waits
	noisy    atomic.Bool
	served   atomic.Int64
	limiting atomic.Bool
	asked    atomic.Int64
}

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u.mu.Lock()
	u.hits[r.Method+" "+r.URL.Path]++
	u.mu.Unlock()
	if d := time.Duration(u.delay.Load()); d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
	}
	if u.limiting.Load() && u.asked.Add(1)%2 == 0 {
		// In JSON, as a vendor's own limit answers: every field of a real
		// answer is missing from it.
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write([]byte(`{"error":"slow down"}`))
		return
	}
	if !u.noisy.Load() {
		u.h.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	u.h.ServeHTTP(rec, r)
	body := bytes.Replace(rec.Body.Bytes(), []byte(`{`), fmt.Appendf(nil, `{"served_at":"%d",`, u.served.Add(1)), 1)
	for k, vs := range rec.Header() {
		w.Header()[k] = vs
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	w.Write(body)
}

func (u *upstream) count(method, path string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.hits[method+" "+path]
}

// mirrorPair is the demo tenant on two crmgw: A (the env's, as the old
// vendors, behind up) and B in front of it in a mirror mode, holding the
// same records and the same token; the user zhangsan logs in with s3cret on both.
type mirrorPair struct {
	e     *env
	up    *upstream
	upURL string
	b     *app.App
	bURL  string
	demo  seed.Result
}

// seedDemo fills svc with the demo tenant, zhangsan's password set.
func seedDemo(e *env, svc *core.Service) seed.Result {
	ctx := context.Background()
	res, err := seed.Demo(ctx, svc, nil)
	e.must(err)
	e.must(svc.SetPassword(ctx, res.TenantID, "zhangsan", "s3cret"))
	return res
}

// newMirrorPair builds the pair, B configured for mode by configure too.
func newMirrorPair(e *env, mode string, configure func(*config.Config)) *mirrorPair {
	p := &mirrorPair{e: e, up: &upstream{h: e.gw.Handler(), hits: map[string]int{}}}
	p.demo = seedDemo(e, e.svc)
	upSrv := httptest.NewServer(p.up)
	e.t.Cleanup(upSrv.Close)
	p.upURL = upSrv.URL

	db := dbtest.Open(e.t, e.db.Dialector.Name(), e.clock)
	cfg, err := config.Load(nil)
	e.must(err)
	cfg.Mirror.Mode, cfg.Mirror.Timeout = mode, 2*time.Second
	for name, d := range cfg.Dialects {
		d.Upstream = p.upURL
		cfg.Dialects[name] = d
	}
	if configure != nil {
		configure(&cfg)
	}
	e.must(cfg.Validate())
	p.b = app.New(cfg, db, app.Seams{Clock: e.clock, Logs: &logBuffer{}})
	bSrv := httptest.NewServer(p.b.Gateway.Handler())
	e.t.Cleanup(bSrv.Close)
	p.bURL = bSrv.URL
	mine := seedDemo(e, p.b.Service)
	if mine.TenantID != p.demo.TenantID || mine.UserID != p.demo.UserID {
		e.t.Fatalf("the demo is tenant %d user %d on B, %d %d on A", mine.TenantID, mine.UserID, p.demo.TenantID, p.demo.UserID)
	}
	_, err = p.b.Service.RegisterToken(context.Background(), mine.TenantID, mine.UserID, p.demo.Token)
	e.must(err)
	return p
}

// in is p for a subtest: its helpers fail t.
func (p *mirrorPair) in(t *testing.T) *mirrorPair {
	e := *p.e
	e.t = t
	q := *p
	q.e = &e
	return &q
}

// request is one client request of a dialect.
type request struct {
	method, path, contentType, body string
	header                          http.Header
}

// send sends r to base, answering the status, Content-Type and body, and how long it took.
func (p *mirrorPair) send(base string, r request) (int, string, []byte, time.Duration) {
	p.e.t.Helper()
	start := time.Now()
	res, body := p.exchange(base, r)
	return res.StatusCode, res.Header.Get("Content-Type"), body, time.Since(start)
}

// exchange sends r to base, answering the response and its body.
func (p *mirrorPair) exchange(base string, r request) (*http.Response, []byte) {
	p.e.t.Helper()
	req, err := http.NewRequest(r.method, base+r.path, strings.NewReader(r.body))
	p.e.must(err)
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	res, err := http.DefaultClient.Do(req)
	p.e.must(err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	p.e.must(err)
	return res, b
}

// issuedToken is the token a login's answer issued, as its endpoint reads it.
func (p *mirrorPair) issuedToken(route string, header http.Header, body []byte) string {
	for _, d := range p.b.Gateway.Dialects() {
		for _, ep := range d.Endpoints {
			if ep.Path == route && ep.IssuedToken != nil {
				return ep.IssuedToken(header, body)
			}
		}
	}
	p.e.t.Fatalf("no login endpoint %s", route)
	return ""
}

// metric is the sum of B's samples of name whose labels include all of labels.
func (p *mirrorPair) metric(name string, labels ...string) float64 {
	rec := httptest.NewRecorder()
	p.b.Gateway.AdminHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	var sum float64
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if !strings.HasPrefix(line, name+"{") {
			continue
		}
		ok := true
		for _, l := range labels {
			ok = ok && strings.Contains(line, l)
		}
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndex(line, " ")+1:], 64)
		p.e.must(err)
		sum += v
	}
	return sum
}

// waitCompared waits until B has counted n comparisons of endpoint.
func (p *mirrorPair) waitCompared(endpoint string, n float64) {
	p.e.t.Helper()
	label := `endpoint="` + endpoint + `"`
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if p.metric("crmgw_mirror_compared_total", label) >= n {
			return
		}
	}
	p.e.t.Fatalf("%s: %v comparisons counted, want %v", endpoint, p.metric("crmgw_mirror_compared_total", label), n)
}

// report is B's report of endpoint.
func (p *mirrorPair) report(endpoint string) core.EndpointReport {
	p.e.t.Helper()
	reports, err := p.b.Service.MirrorReport(context.Background(), "", 10)
	p.e.must(err)
	for _, r := range reports {
		if r.Endpoint == endpoint {
			return r
		}
	}
	return core.EndpointReport{Endpoint: endpoint}
}

func (p *mirrorPair) customers(svc *core.Service) int64 {
	n, err := svc.CountCustomers(context.Background(), p.demo.TenantID)
	p.e.must(err)
	return n
}

// dialectCase is, for one dialect, a read, a write that adds a customer, a
// login, and requests under its prefixes that crmgw does not serve: a path
// and a served path's other method.
type dialectCase struct {
	name                  string
	read, write, login    request
	readRoute, writeRoute string
	unserved              []request
}

func (p *mirrorPair) cases() []dialectCase {
	tok := url.QueryEscape(p.demo.Token)
	form := "application/x-www-form-urlencoded"
	ikcrm := http.Header{"Authorization": {`Token token="` + p.demo.Token + `",device="open_api"`}}
	qcy := "/WebApi/Handler/1.0/"
	shop := strconv.FormatUint(p.demo.TenantID, 10)
	return []dialectCase{
		{name: "oa",
			read:       request{method: http.MethodGet, path: "/oa/crm/home?access_token=" + tok},
			readRoute:  "/oa/crm/home",
			write:      request{method: http.MethodPost, path: "/oa/customers?access_token=" + tok, contentType: form, body: "name=" + url.QueryEscape("镜像客户")},
			writeRoute: "/oa/customers",
			unserved:   []request{{method: http.MethodGet, path: "/oa/crm/unserved?access_token=" + tok}, {method: http.MethodDelete, path: "/oa/crm/home?access_token=" + tok}},
			login:      request{method: http.MethodPost, path: "/oa/users/login", contentType: form, body: "username=zhangsan&password=s3cret"}},
		{name: "ikcrm",
			read:       request{method: http.MethodGet, path: "/api/v2/contracts?per_page=2", header: ikcrm},
			readRoute:  "/api/v2/contracts",
			write:      request{method: http.MethodPost, path: "/api/v2/customers", header: ikcrm, contentType: "application/json", body: `{"customer":{"name":"镜像客户"}}`},
			writeRoute: "/api/v2/customers",
			unserved:   []request{{method: http.MethodGet, path: "/api/v2/unserved", header: ikcrm}, {method: http.MethodPatch, path: "/api/v2/contracts", header: ikcrm}},
			login:      request{method: http.MethodPost, path: "/api/v2/auth/login", contentType: form, body: "login=zhangsan&password=s3cret"}},
		{name: "qcy",
			read:       request{method: http.MethodGet, path: qcy + "CRM/Customer/GetAllList.ashx?pageIndex=1&token=" + tok},
			readRoute:  qcy + "CRM/Customer/GetAllList.ashx",
			write:      request{method: http.MethodPost, path: qcy + "CRM/Customer/Save.ashx", contentType: form, body: "token=" + tok + "&json=" + url.QueryEscape(`{"PK_ID":0,"CustName":"镜像客户"}`)},
			writeRoute: qcy + "CRM/Customer/Save.ashx",
			unserved:   []request{{method: http.MethodGet, path: qcy + "CRM/Unserved/Get.ashx?token=" + tok}},
			login:      request{method: http.MethodGet, path: qcy + "Token/Get.ashx?login_name=zhangsan&password=s3cret&org_id=" + shop}},
		{name: "yunzmall", // no write: the plugin's API only reads
			read:      request{method: http.MethodPost, path: "/business/" + shop + "/plugin/CustomerManage/getStatisticsList", header: http.Header{"Authorization": {"Bearer " + p.demo.Token}}},
			readRoute: "/business/:id/plugin/CustomerManage/getStatisticsList",
			unserved:  []request{{method: http.MethodPost, path: "/business/" + shop + "/plugin/CustomerManage/unserved", header: http.Header{"Authorization": {"Bearer " + p.demo.Token}}}},
			login: request{method: http.MethodPost, path: "/admin/login", contentType: form,
				body: "username=zhangsan&password=" + url.QueryEscape(base64.StdEncoding.EncodeToString([]byte("s3cret")))}},
	}
}

// In each mode and each dialect, what is sent where: proxy sends all to the
// upstream; diff-proxy answers the upstream's, runs reads on crmgw too and
// applies writes to crmgw only with apply_writes; diff-normal answers
// crmgw's, sends reads to the upstream too and writes to crmgw only; logins
// go to the side that answers. The client's request is counted once in B's
// metrics whichever side answers it, the shadow run on crmgw never.
func TestMirrorSendsEachRequestWhereItsModeSays(t *testing.T) {
	for _, tc := range []struct {
		mode        string
		applyWrites bool
		// upstream requests per read (the second for noise), per write and per login;
		// whether B's records take the write.
		upReads, upWrites, upLogins int
		bWrites                     bool
	}{
		{mode: config.MirrorProxy, upReads: 1, upWrites: 1, upLogins: 1},
		{mode: config.MirrorDiffProxy, upReads: 2, upWrites: 1, upLogins: 1},
		{mode: config.MirrorDiffProxy, applyWrites: true, upReads: 2, upWrites: 1, upLogins: 1, bWrites: true},
		{mode: config.MirrorDiffNormal, upReads: 2, upWrites: 0, upLogins: 0, bWrites: true},
	} {
		t.Run(fmt.Sprintf("%s apply_writes=%v", tc.mode, tc.applyWrites), func(t *testing.T) {
			// A believes B's X-Forwarded-Host, as an old vendor behind crmgw should.
			eachEngineWith(t, trustLoopback, func(e *env) {
				p := newMirrorPair(e, tc.mode, func(c *config.Config) { c.Mirror.ApplyWrites = tc.applyWrites })
				// Every read first: the writes would make the two sides' lists differ.
				for _, d := range p.cases() {
					t.Run(d.name+" read", func(t *testing.T) {
						p := p.in(t)
						status, _, body, _ := p.send(p.bURL, d.read)
						_, _, direct, _ := p.send(e.url, d.read)
						// yunzmall's pages link to the host asked: B's, through X-Forwarded-Host.
						body, direct = bytes.ReplaceAll(body, []byte(p.bURL), []byte("<host>")), bytes.ReplaceAll(direct, []byte(e.url), []byte("<host>"))
						if status != http.StatusOK || !bytes.Equal(body, direct) {
							t.Errorf("read: %d %s, want what A answers: %s", status, body, direct)
						}
						compares := tc.mode != config.MirrorProxy
						if compares {
							p.waitCompared(d.readRoute, 1)
						}
						readPath, _, _ := strings.Cut(d.read.path, "?")
						// The upstream (behind its wrapper) saw B's requests only: A was asked directly.
						if got := p.up.count(d.read.method, readPath); got != tc.upReads {
							t.Errorf("read: the upstream got %d requests, want %d", got, tc.upReads)
						}
						if got := p.metric("crmgw_requests_total", `endpoint="`+d.readRoute+`"`); got != 1 {
							t.Errorf("read: B counts %v requests, want 1 (the client's)", got)
						}
						if r := p.report(d.readRoute); compares && (r.Identical != 1 || r.Different != 0 || r.Errors != 0) {
							t.Errorf("read: %+v, want one identical comparison", r)
						}

						// A path that climbs out of the prefix is not forwarded.
						if tc.mode != config.MirrorDiffNormal {
							escape, seen := request{method: http.MethodGet, path: "/oa/../healthz"}, "/oa/../healthz"
							if d.name == "ikcrm" {
								escape.path, seen = "/api/%2e%2e/healthz", "/api/../healthz"
							}
							if status, _, body, _ := p.send(p.bURL, escape); status != http.StatusNotFound || p.up.count(http.MethodGet, seen) != 0 {
								t.Errorf("GET %s: %d %s, the upstream got it %d times; want the dialect's 404, nothing forwarded",
									escape.path, status, body, p.up.count(http.MethodGet, seen))
							}
						}
						// What crmgw does not serve reaches the upstream where it answers, as it is.
						for _, r := range d.unserved {
							status, _, body, _ := p.send(p.bURL, r)
							upStatus, _, direct, _ := p.send(e.url, r)
							path, _, _ := strings.Cut(r.path, "?")
							forwarded := tc.mode != config.MirrorDiffNormal
							if got := p.up.count(r.method, path); (got == 1) != forwarded || got > 1 {
								t.Errorf("%s %s: the upstream got %d requests, want forwarded=%v", r.method, path, got, forwarded)
							}
							if forwarded && (status != upStatus || !bytes.Equal(body, direct)) {
								t.Errorf("%s %s: %d %s, want what A answers: %d %s", r.method, path, status, body, upStatus, direct)
							}
						}

						res, body := p.exchange(p.bURL, d.login)
						loginPath, _, _ := strings.Cut(d.login.path, "?")
						if res.StatusCode != http.StatusOK || p.up.count(d.login.method, loginPath) != tc.upLogins {
							t.Errorf("login: %d %s, the upstream got %d, want %d", res.StatusCode, body, p.up.count(d.login.method, loginPath), tc.upLogins)
						}
						// In diff-proxy crmgw logs the client in too, with the upstream's token: compared, and known on B.
						if tc.mode == config.MirrorDiffProxy {
							p.waitCompared(loginPath, 1)
							if r := p.report(loginPath); r.Identical != 1 {
								t.Errorf("login: %+v, want one identical comparison", r)
							}
							token := p.issuedToken(loginPath, res.Header, body)
							if _, err := p.b.Service.Authenticate(context.Background(), token); token == "" || err != nil {
								t.Errorf("login: the token the upstream issued (%q) on B: %v", token, err)
							}
						}
					})
				}
				for _, d := range p.cases() {
					if d.write.path == "" {
						continue
					}
					t.Run(d.name+" write", func(t *testing.T) {
						p := p.in(t)
						aBefore, bBefore := p.customers(e.svc), p.customers(p.b.Service)
						status, _, body, _ := p.send(p.bURL, d.write)
						if status != http.StatusOK {
							t.Fatalf("write: %d %s", status, body)
						}
						if tc.applyWrites {
							p.waitCompared(d.writeRoute, 1)
						}
						writePath, _, _ := strings.Cut(d.write.path, "?")
						if got := p.up.count(d.write.method, writePath); got != tc.upWrites {
							t.Errorf("write: the upstream got %d requests, want %d", got, tc.upWrites)
						}
						aAdded, bAdded := p.customers(e.svc)-aBefore, p.customers(p.b.Service)-bBefore
						if aAdded != int64(tc.upWrites) || (bAdded == 1) != tc.bWrites {
							t.Errorf("write: A added %d customers, B %d; want %d and %v", aAdded, bAdded, tc.upWrites, tc.bWrites)
						}
						if tc.applyWrites && d.name != "qcy" { // the WebApi's create answers no id: crmgw numbers its own
							if r := p.report(d.writeRoute); r.Identical != 1 {
								t.Errorf("write applied: %+v, want its answers identical (the upstream's id kept)", r)
							}
						}
					})
				}
			})
		})
	}
}

// Identical data yields no difference; one field changed on the upstream is
// exactly that field's difference, with both values; a field that differs
// between two of the upstream's answers (noise) is never reported.
func TestMirrorReportsExactlyTheFieldThatDiffers(t *testing.T) {
	eachEngine(t, func(e *env) {
		p := newMirrorPair(e, config.MirrorDiffNormal, nil)
		p.up.noisy.Store(true)
		id := customerIDs(e, p.demo.TenantID)[0]
		route := "/oa/customers/:id"
		read := request{method: http.MethodGet, path: fmt.Sprintf("/oa/customers/%d?access_token=%s", id, url.QueryEscape(p.demo.Token))}
		for range 3 {
			p.send(p.bURL, read)
		}
		p.waitCompared(route, 3)
		if r := p.report(route); r.Identical != 3 || len(r.Fields) != 0 {
			e.t.Fatalf("identical data: %+v, want 3 identical comparisons (served_at is noise)", r)
		}

		// On A alone, as a client of the old vendor would change it.
		change := request{method: http.MethodPatch, path: read.path, contentType: "application/x-www-form-urlencoded", body: "tel=021-55550000"}
		if status, _, body, _ := p.send(e.url, change); status != http.StatusOK || !strings.Contains(string(body), `"0000"`) {
			e.t.Fatalf("PATCH on A: %d %s", status, body)
		}
		p.send(p.bURL, read)
		p.waitCompared(route, 4)
		r := p.report(route)
		if r.Different != 1 || len(r.Fields) != 1 || r.Fields[0].Path != "data.tel" || r.Fields[0].Count != 1 ||
			r.Fields[0].Example.Upstream != `"021-55550000"` {
			e.t.Fatalf("one field changed: %+v, want exactly data.tel's difference", r)
		}
		if strings.Contains(fmt.Sprint(r), p.demo.Token) {
			e.t.Errorf("the report holds the client's token: %+v", r)
		}
	})
}

// An upstream that refuses the second ask of a read (a rate limit) teaches
// no noise: the field that differs is still reported, every time.
func TestMirrorLearnsNoNoiseFromARefusal(t *testing.T) {
	eachEngine(t, func(e *env) {
		p := newMirrorPair(e, config.MirrorDiffNormal, nil)
		id := customerIDs(e, p.demo.TenantID)[0]
		route := "/oa/customers/:id"
		read := request{method: http.MethodGet, path: fmt.Sprintf("/oa/customers/%d?access_token=%s", id, url.QueryEscape(p.demo.Token))}
		change := request{method: http.MethodPatch, path: read.path, contentType: "application/x-www-form-urlencoded", body: "tel=021-55550000"}
		if status, _, body, _ := p.send(e.url, change); status != http.StatusOK {
			e.t.Fatalf("PATCH on A: %d %s", status, body)
		}
		p.up.limiting.Store(true)
		for i := range 3 {
			p.send(p.bURL, read)
			p.waitCompared(route, float64(i+1))
		}
		r := p.report(route)
		if r.Different != 3 || len(r.Fields) != 1 || r.Fields[0].Path != "data.tel" || r.Fields[0].Count != 3 {
			e.t.Fatalf("a refused second ask: %+v, want data.tel different in all 3 comparisons", r)
		}
	})
}

// In diff-proxy with apply_writes, a write the upstream refused is not
// applied to crmgw, though the OA and the WebApi refuse it with HTTP 200:
// here the customer it changes is gone from the upstream only, so crmgw
// would have taken it. A write taken after it is applied (the queue keeps
// the upstream's order: the refused one was decided before it).
func TestMirrorAppliesNoWriteTheUpstreamRefused(t *testing.T) {
	eachEngine(t, func(e *env) {
		p := newMirrorPair(e, config.MirrorDiffProxy, func(c *config.Config) { c.Mirror.ApplyWrites = true })
		tok := url.QueryEscape(p.demo.Token)
		form := "application/x-www-form-urlencoded"
		create := func(p *mirrorPair, name string) uint64 { // through B: made on both sides with A's id
			before := p.metric("crmgw_mirror_compared_total", `endpoint="/oa/customers"`)
			status, _, body, _ := p.send(p.bURL, request{method: http.MethodPost, path: "/oa/customers?access_token=" + tok, contentType: form, body: "name=" + url.QueryEscape(name)})
			m := regexp.MustCompile(`"id":"(\d+)"`).FindSubmatch(body)
			if status != http.StatusOK || m == nil {
				p.e.t.Fatalf("creating %s: %d %s", name, status, body)
			}
			p.waitCompared("/oa/customers", before+1)
			id, _ := strconv.ParseUint(string(m[1]), 10, 64)
			return id
		}
		for _, tc := range []struct {
			name    string
			refused func(id uint64) request
		}{
			{name: "oa", refused: func(id uint64) request {
				return request{method: http.MethodPatch, path: fmt.Sprintf("/oa/customers/%d?access_token=%s", id, tok), contentType: form, body: "name=" + url.QueryEscape("拒绝的改名")}
			}},
			{name: "qcy", refused: func(id uint64) request {
				return request{method: http.MethodPost, path: "/WebApi/Handler/1.0/CRM/Customer/Save.ashx", contentType: form,
					body: "token=" + tok + "&json=" + url.QueryEscape(fmt.Sprintf(`{"PK_ID":%d,"CustName":"拒绝的改名"}`, id))}
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := p.in(t)
				id := create(p, "将删的客户"+tc.name)
				gone := request{method: http.MethodDelete, path: fmt.Sprintf("/oa/customers/%d?access_token=%s", id, tok)}
				if status, _, body, _ := p.send(e.url, gone); status != http.StatusOK || !strings.Contains(string(body), `"statuscode":"0000"`) {
					t.Fatalf("removing the customer on A: %d %s", status, body)
				}
				status, _, body, _ := p.send(p.bURL, tc.refused(id))
				if status != http.StatusOK || strings.Contains(string(body), "拒绝的改名") {
					t.Fatalf("the refused write: %d %s, want the upstream's refusal with HTTP 200", status, body)
				}
				create(p, "其后的客户"+tc.name)
				var name string
				p.e.must(p.b.DB.Model(&core.Customer{}).Where("id = ?", id).Pluck("name", &name).Error)
				if name != "将删的客户"+tc.name {
					t.Errorf("crmgw's customer is named %q: the write the upstream refused was applied", name)
				}
			})
		}
	})
}

// A slow upstream and a dead one change neither crmgw's answer (diff-normal)
// nor its latency beyond mirror.timeout: the comparison is an error,
// recorded and counted. In proxy mode a dead upstream is the dialect's own
// unavailable error.
func TestMirrorSlowOrDeadUpstream(t *testing.T) {
	const timeout = 300 * time.Millisecond
	eachEngine(t, func(e *env) {
		p := newMirrorPair(e, config.MirrorDiffNormal, func(c *config.Config) { c.Mirror.Timeout = timeout })
		d := p.cases()[0]
		_, _, want, _ := p.send(e.url, d.read)

		p.up.delay.Store(int64(3 * time.Second))
		status, _, body, took := p.send(p.bURL, d.read)
		if status != http.StatusOK || !bytes.Equal(body, want) || took > timeout {
			e.t.Errorf("slow upstream: %d %s in %s, want crmgw's answer within %s", status, body, took, timeout)
		}
		p.waitCompared(d.readRoute, 1)
		if r := p.report(d.readRoute); r.Errors != 1 || r.LastError != "timeout" {
			e.t.Errorf("slow upstream: %+v, want one error comparison: timeout", r)
		}

		dead := deadURL(e.t)
		q := newMirrorPairOver(p, config.MirrorDiffNormal, dead, nil)
		status, _, body, took = q.send(q.bURL, d.read)
		if status != http.StatusOK || !bytes.Equal(body, want) || took > timeout {
			e.t.Errorf("dead upstream: %d %s in %s, want crmgw's answer within %s", status, body, took, timeout)
		}
		q.waitCompared(d.readRoute, 1)
		if r := q.report(d.readRoute); r.Errors != 1 || r.LastError != "connection refused" {
			e.t.Errorf("dead upstream: %+v, want one error comparison: connection refused", r)
		}

		proxied := newMirrorPairOver(p, config.MirrorProxy, dead, nil)
		status, _, body, _ = proxied.send(proxied.bURL, d.read)
		if status != http.StatusServiceUnavailable || !regexp.MustCompile(`"statuscode":"\d+"`).Match(body) {
			e.t.Errorf("proxy to a dead upstream: %d %s, want the OA's own 503", status, body)
		}
		// The client waited for it: a server's failure, counted as such (not as a client gone).
		if got := proxied.metric("crmgw_requests_total", `endpoint="`+d.readRoute+`"`, `status="503"`); got != 1 {
			e.t.Errorf("proxy to a dead upstream: %v requests counted with status 503, want 1", got)
		}

		// A write the vendor did not answer may have been taken: not applied, and recorded.
		applying := newMirrorPairOver(p, config.MirrorDiffProxy, dead, func(c *config.Config) { c.Mirror.ApplyWrites = true })
		status, _, body, _ = applying.send(applying.bURL, d.write)
		if r := applying.report(d.writeRoute); status != http.StatusServiceUnavailable || r.Errors != 1 ||
			!strings.Contains(r.LastError, "the upstream did not answer the write (connection refused)") {
			e.t.Errorf("a write to a dead upstream: %d %s, %+v; want the 503 and one error comparison", status, body, r)
		}
	})
}

// In diff-normal, a request crmgw's own rate limit refused is not sent to
// the upstream: there is nothing of crmgw's to compare, and a flood refused
// must not become the vendor's load.
func TestMirrorSendsNoRefusedRequestUpstream(t *testing.T) {
	eachEngine(t, func(e *env) {
		p := newMirrorPair(e, config.MirrorDiffNormal, func(c *config.Config) {
			c.RateLimit.PerSecond, c.RateLimit.Burst = 0.001, 1
		})
		d := p.cases()[0]
		readPath, _, _ := strings.Cut(d.read.path, "?")
		first, _, _, _ := p.send(p.bURL, d.read)
		p.waitCompared(d.readRoute, 1)
		asked := p.up.count(d.read.method, readPath)
		second, _, body, _ := p.send(p.bURL, d.read)
		if first != http.StatusOK || second != http.StatusTooManyRequests {
			e.t.Fatalf("statuses %d then %d %s, want 200 then crmgw's 429", first, second, body)
		}
		time.Sleep(100 * time.Millisecond) // a comparison would have asked by now
		if got := p.up.count(d.read.method, readPath); got != asked {
			e.t.Errorf("the upstream was asked %d more times for a request crmgw refused", got-asked)
		}
		if got := p.metric("crmgw_mirror_compared_total", `endpoint="`+d.readRoute+`"`); got != 1 {
			e.t.Errorf("%v comparisons, want 1 (the request answered)", got)
		}
	})
}

// A client that goes away before its answer is logged and counted with
// status 499, not as the server's 503: here in proxy mode, the upstream
// slower than the client waits.
func TestAClientGoneIsNoServerError(t *testing.T) {
	eachEngine(t, func(e *env) {
		logs := &logBuffer{}
		p := newMirrorPair(e, config.MirrorProxy, nil)
		p.up.delay.Store(int64(2 * time.Second))
		q := newMirrorPairOver(p, config.MirrorProxy, p.upURL, nil)
		q.b = app.New(q.b.Config, q.b.DB, app.Seams{Clock: e.clock, Logs: logs})
		srv := httptest.NewServer(q.b.Gateway.Handler())
		e.t.Cleanup(srv.Close)
		d := p.cases()[0]
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, d.read.method, srv.URL+d.read.path, nil)
		e.must(err)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
			e.t.Fatalf("the client waited for HTTP %d", res.StatusCode)
		}
		label := `endpoint="` + d.readRoute + `"`
		for deadline := time.Now().Add(5 * time.Second); q.metric("crmgw_requests_total", label) == 0; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				e.t.Fatal("the request was never counted")
			}
		}
		if gone, failed := q.metric("crmgw_requests_total", label, `status="499"`), q.metric("crmgw_requests_total", label, `status="503"`); gone != 1 || failed != 0 {
			e.t.Errorf("counted %v with status 499 and %v with 503, want 1 and 0", gone, failed)
		}
		if log := logs.String(); !strings.Contains(log, "status=499") || strings.Contains(log, "status=503") || strings.Contains(log, "level=WARN") {
			e.t.Errorf("the log:\n%s\nwant the request with status 499 and no warning", log)
		}
	})
}

// newMirrorPairOver is another B over p's A records, in mode, its upstream
// at base, configured by configure too.
func newMirrorPairOver(p *mirrorPair, mode, base string, configure func(*config.Config)) *mirrorPair {
	e := p.e
	db := dbtest.Open(e.t, e.db.Dialector.Name(), e.clock)
	cfg, err := config.Load(nil)
	e.must(err)
	cfg.Mirror.Mode, cfg.Mirror.Timeout = mode, p.b.Config.Mirror.Timeout
	for name, d := range cfg.Dialects {
		d.Upstream = base
		cfg.Dialects[name] = d
	}
	if configure != nil {
		configure(&cfg)
	}
	e.must(cfg.Validate())
	q := &mirrorPair{e: e, up: p.up, upURL: base, demo: p.demo}
	q.b = app.New(cfg, db, app.Seams{Clock: e.clock, Logs: &logBuffer{}})
	srv := httptest.NewServer(q.b.Gateway.Handler())
	e.t.Cleanup(srv.Close)
	q.bURL = srv.URL
	mine := seedDemo(e, q.b.Service)
	_, err = q.b.Service.RegisterToken(context.Background(), mine.TenantID, mine.UserID, p.demo.Token)
	e.must(err)
	return q
}

// deadURL is the address of a listener closed already: connections refused.
func deadURL(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}
