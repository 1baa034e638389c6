package test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"crmgw/config"
)

// trustLoopback makes the test client, on loopback, a trusted proxy.
func trustLoopback(c *config.Config) { c.TrustedProxies = []string{"127.0.0.0/8", "::1"} }

// accessLines are the server's access-log lines, in order.
func accessLines(t *testing.T, e *env) []map[string]any {
	t.Helper()
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(e.log.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["msg"] == "request" {
			lines = append(lines, m)
		}
	}
	return lines
}

// lastAccess is the access-log line of the last request.
func lastAccess(t *testing.T, e *env) map[string]any {
	t.Helper()
	lines := accessLines(t, e)
	if len(lines) == 0 {
		t.Fatal("no access-log line")
	}
	return lines[len(lines)-1]
}

// forwarded are headers a client may send to pose as someone else, or somewhere else.
var forwarded = http.Header{
	"X-Forwarded-For":   {"203.0.113.9"},
	"X-Real-Ip":         {"203.0.113.10"},
	"X-Forwarded-Proto": {"https"},
	"X-Forwarded-Host":  {"evil.example"},
}

// By default no one is a proxy: the log's client address is the peer's, and
// the yunzmall paginator's URLs are the server's own, whatever the client claims.
func TestForwardingHeadersFromAnyoneAreIgnored(t *testing.T) {
	eachEngine(t, func(e *env) {
		tn := seedLimits(e, "fwd")
		res, body := e.send(authedRequests(tn.ID, "fwd")[3], forwarded)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("HTTP %d %s", res.StatusCode, body)
		}
		if ip := lastAccess(t, e)["remote_ip"]; ip != "127.0.0.1" {
			t.Errorf("remote_ip %v, want the peer's 127.0.0.1", ip)
		}
		want := fmt.Sprintf(`"path":"%s/business/%d/plugin/CustomerManage/getStatisticsList"`, e.url, tn.ID)
		if !strings.Contains(string(body), want) {
			t.Errorf("the paginator follows the client's X-Forwarded-*: %s\nwant %s", body, want)
		}
	})
}

// From a configured proxy the headers count: the client's address is the
// nearest one in X-Forwarded-For that is not a trusted proxy (X-Real-IP is not
// read), and the paginator's URLs follow X-Forwarded-Proto and -Host.
func TestForwardingHeadersFromTrustedProxies(t *testing.T) {
	eachEngineWith(t, trustLoopback, func(e *env) {
		tn := seedLimits(e, "fwd")
		p := authedRequests(tn.ID, "fwd")[3]
		res, body := e.send(p, forwarded)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("HTTP %d %s", res.StatusCode, body)
		}
		if ip := lastAccess(t, e)["remote_ip"]; ip != "203.0.113.9" {
			t.Errorf("remote_ip %v, want X-Forwarded-For's 203.0.113.9", ip)
		}
		want := fmt.Sprintf(`"path":"https://evil.example/business/%d/plugin/CustomerManage/getStatisticsList"`, tn.ID)
		if !strings.Contains(string(body), want) {
			t.Errorf("the paginator ignores a trusted proxy's X-Forwarded-*: %s\nwant %s", body, want)
		}
		// A private address that is not configured is a client like any other, spoofed entries before it ignored.
		e.send(p, http.Header{"X-Forwarded-For": {"198.51.100.1, 10.1.2.3"}})
		if ip := lastAccess(t, e)["remote_ip"]; ip != "10.1.2.3" {
			t.Errorf("remote_ip %v, want 10.1.2.3, the nearest untrusted address", ip)
		}
	})
}

// generatedID is what echo makes when the client's id is refused.
var generatedID = regexp.MustCompile(`^[A-Za-z0-9]{32}$`)

// A short id of safe characters is kept, as answer header and in the log;
// any other is replaced by a new one.
func TestRequestIDFromTheClient(t *testing.T) {
	eachEngine(t, func(e *env) {
		tn := seedLimits(e, "rid")
		p := authedRequests(tn.ID, "rid")[0]
		for _, c := range []struct {
			name, sent string
			kept       bool
		}{
			{"a safe id", "Trace-01.ab_CD", true},
			{"64 characters", strings.Repeat("a", 64), true},
			{"65 characters", strings.Repeat("a", 65), false},
			{"white space", "abc def", false},
			{"a quote and markup", `x"<script>`, false},
			{"a comma", "a,b", false},
			{"not ASCII", "请求", false},
		} {
			res, body := e.send(p, http.Header{"X-Request-Id": {c.sent}})
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s: HTTP %d %s", c.name, res.StatusCode, body)
			}
			got := res.Header.Get("X-Request-Id")
			if c.kept && got != c.sent || !c.kept && (got == c.sent || !generatedID.MatchString(got)) {
				t.Errorf("%s: sent %q, answered %q", c.name, c.sent, got)
			}
			if logged := lastAccess(t, e)["request_id"]; logged != got {
				t.Errorf("%s: logged %q, answered %q", c.name, logged, got)
			}
		}
	})
}

// An encoded slash is not a path separator: a path holding one is the
// dialect's unknown route, whatever it would name with the slash decoded.
func TestEncodedSlashIsNoSeparator(t *testing.T) {
	eachEngine(t, func(e *env) {
		tn := seedLimits(e, "slash")
		ik := http.Header{"Authorization": {`Token token="slash", device="open_api"`}}
		yz := authedRequests(tn.ID, "slash")[3]
		oa404 := `{"statuscode":"10500","statusmsg":"操作异常","data":{},"usermsg":"接口不存在"}`
		ik404 := `{"code":100404,"message":"接口不存在","error":"routing_error"}`
		yz404 := `{"result":0,"msg":"不存在的接口","data":[]}`
		for _, c := range []struct {
			p    authedRequest
			want string
		}{
			{authedRequest{"oa", http.MethodGet, "/oa/crm%2fhome?access_token=slash", nil, ""}, oa404},
			{authedRequest{"oa", http.MethodGet, "/oa/crm%2Fhome?access_token=slash", nil, ""}, oa404},
			{authedRequest{"qcy", http.MethodGet, qcyBase + "Customer%2fGetAllList.ashx?format=json&pageIndex=1&token=slash", nil, ""},
				`{"request":"/WebApi/Handler/1.0/CRM/Customer%2fGetAllList.ashx","error_code":"10020","error":"请求的接口不存在"}`},
			{authedRequest{"qcy", http.MethodGet, "/WebApi/Handler/1.0/CRM%2FCustomer/GetAllList.ashx?format=json&pageIndex=1&token=slash", nil, ""},
				`{"request":"/WebApi/Handler/1.0/CRM%2FCustomer/GetAllList.ashx","error_code":"10020","error":"请求的接口不存在"}`},
			{authedRequest{"ikcrm", http.MethodGet, "/api/v2%2fcontracts", ik, ""}, ik404},
			{authedRequest{"ikcrm", http.MethodGet, "/api/v2/contracts/1%2f2", ik, ""}, ik404},
			{authedRequest{"yunzmall", http.MethodPost, fmt.Sprintf("/business/%d%%2f/plugin/CustomerManage/getStatisticsList", tn.ID), yz.header, "page=1"}, yz404},
			{authedRequest{"yunzmall", http.MethodPost, fmt.Sprintf("/business/%d/plugin/CustomerManage%%2FgetStatisticsList", tn.ID), yz.header, "page=1"}, yz404},
		} {
			res, body := e.send(c.p, nil)
			status := http.StatusNotFound
			if c.p.dialect == "yunzmall" { // the framework answers its unknown route with HTTP 200
				status = http.StatusOK
			}
			if res.StatusCode != status || strings.TrimSpace(string(body)) != c.want {
				t.Errorf("%s %s: HTTP %d %s\nwant HTTP %d %s", c.p.method, c.p.path, res.StatusCode, body, status, c.want)
			}
		}
		// The same paths with real slashes are served.
		for _, path := range []string{qcyBase + "Customer/GetAllList.ashx?format=json&pageIndex=1&token=slash", "/oa/crm/home?access_token=slash"} {
			if status, body := e.get(path); status != http.StatusOK {
				t.Errorf("%s: HTTP %d %s", path, status, body)
			}
		}
	})
}
