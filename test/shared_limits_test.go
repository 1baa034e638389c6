package test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"crmgw/config"
)

// busy is each dialect's answer when the server's shared limits are spent:
// its internal error, HTTP 503 and Retry-After, which its clients retry.
var busy = rejection{
	"oa":       `{"statuscode":"10500","statusmsg":"操作异常","data":{},"usermsg":"操作异常"}`,
	"qcy":      `{"request":"{path}","error_code":"10001","error":"系统错误"}`,
	"ikcrm":    `{"code":100500,"message":"服务器内部错误","error":"internal_error"}`,
	"yunzmall": `{"result":0,"msg":"服务器内部错误","data":[]}`,
}

// writes are a POST of each dialect that writes a record when let through.
func writes(tenantID uint64, token string) []authedRequest {
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	return []authedRequest{
		{"oa", http.MethodPost, "/oa/crm/monthplan?access_token=" + token, form, "yearmonth=2015-10&targetamount=100"},
		{"qcy", http.MethodPost, qcyBase + "Customer/Save.ashx?format=json&token=" + token, form,
			`json={"PK_ID":0,"CustName":"budget","Tel":"13800000000"}`},
		{"ikcrm", http.MethodPost, "/api/v2/contracts", http.Header{"Authorization": {`Token token="` + token + `", device="open_api"`},
			"Content-Type": {"application/json"}}, `{"contract":{"title":"budget"}}`},
		authedRequests(tenantID, token)[3],
	}
}

// sendBody makes p's request, its body's length announced or (chunked) not.
func (e *env) sendBody(p authedRequest, chunked bool) (*http.Response, []byte) {
	e.t.Helper()
	if !chunked {
		return e.send(p, nil)
	}
	req, err := http.NewRequest(p.method, e.url+p.path, io.MultiReader(strings.NewReader(p.body)))
	e.must(err)
	for k, vs := range p.header {
		req.Header[k] = vs
	}
	res, err := http.DefaultClient.Do(req)
	e.must(err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	e.must(err)
	return res, body
}

// held is a request whose body the server has begun to read and that is not yet all sent.
type held struct {
	conn net.Conn
	r    *bufio.Reader
	rest string
}

// holdBody sends p's headers announcing its whole body (chunked when length
// is -1) and waits for 100 Continue: the server has then reserved what it
// holds of the body. Then it sends the body but for its last byte.
func holdBody(t *testing.T, addr string, p authedRequest, length int) *held {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	var head strings.Builder
	fmt.Fprintf(&head, "%s %s HTTP/1.1\r\nHost: crmgw\r\nExpect: 100-continue\r\n", p.method, p.path)
	if length < 0 {
		head.WriteString("Transfer-Encoding: chunked\r\n")
	} else {
		fmt.Fprintf(&head, "Content-Length: %d\r\n", length)
	}
	for k, vs := range p.header {
		fmt.Fprintf(&head, "%s: %s\r\n", k, vs[0])
	}
	head.WriteString("\r\n")
	h := &held{conn: conn, r: bufio.NewReader(conn)}
	if _, err := io.WriteString(conn, head.String()); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(h.r, nil)
	if err != nil || res.StatusCode != http.StatusContinue {
		t.Fatalf("%s: %v %v, want 100 Continue", p.path, res, err)
	}
	body := p.body
	if length < 0 { // one chunk of all but the last byte, then the last and the end
		sent := fmt.Sprintf("%x\r\n%s\r\n", len(body)-1, body[:len(body)-1])
		h.rest = fmt.Sprintf("1\r\n%s\r\n0\r\n\r\n", body[len(body)-1:])
		body = sent
	} else {
		body, h.rest = body[:len(body)-1], body[len(body)-1:]
	}
	if _, err := io.WriteString(conn, body); err != nil {
		t.Fatal(err)
	}
	return h
}

// finish sends the rest of the body and returns the answer.
func (h *held) finish(t *testing.T) (*http.Response, string) {
	t.Helper()
	if _, err := io.WriteString(h.conn, h.rest); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(h.r, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(b)
}

// Bodies are read before anyone is authenticated, so together they may hold
// no more than limits.max_buffered_body_bytes: slow bodies that fill it are
// read to the end, the next body is refused in its dialect's shape with 503
// before a byte of it is read, nothing is written, and once the slow ones
// are answered their bytes are free again.
func TestBufferedBodyBudget(t *testing.T) {
	for _, length := range []int{1000, -1} {
		name := map[bool]string{true: "announced", false: "chunked"}[length > 0]
		t.Run(name, func(t *testing.T) {
			eachEngineWith(t, func(c *config.Config) { c.Limits.MaxBodyBytes, c.Limits.MaxBufferedBodyBytes = 1000, 3000 }, func(e *env) {
				// The engine's test: the held connections close before its server
				// does, even when it fails (the outer test's cleanup ran after the
				// server's, which waited for them forever).
				t := e.t
				tn := seedLimits(e, "budget")
				slow := authedRequests(tn.ID, "budget")[3]
				slow.body = "page=1&pad=" + strings.Repeat("x", 1000-len("page=1&pad="))
				addr := strings.TrimPrefix(e.url, "http://")
				var holding []*held
				for range 3 {
					holding = append(holding, holdBody(t, addr, slow, length))
				}

				// A slow body holds what the server has read of it: wait until it
				// has read all but the last byte of each (watched on /metrics, so
				// that no probe competes with the slow bodies for the budget);
				// then a body that reads nothing more is refused.
				held := float64(len(holding) * (len(slow.body) - 1))
				for deadline := time.Now().Add(30 * time.Second); bufferedBodyBytes(e) < held; time.Sleep(5 * time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatalf("the slow bodies never filled the budget: %v bytes held, want %v", bufferedBodyBytes(e), held)
					}
				}
				if res, body := e.sendBody(slow, length < 0); res.StatusCode != http.StatusServiceUnavailable {
					t.Fatalf("a body past the budget: HTTP %d %s, want 503", res.StatusCode, body)
				}
				before := dbState(e)
				for _, p := range writes(tn.ID, "budget") {
					res, body := e.sendBody(p, length < 0)
					busy.expect(t, p, res, body, http.StatusServiceUnavailable, "1")
				}
				if after := dbState(e); after != before {
					t.Errorf("a refused body changed the database:\n%s\nwas\n%s", after, before)
				}

				for i, h := range holding {
					if res, body := h.finish(t); res.StatusCode != http.StatusOK || !strings.HasPrefix(body, `{"result":1,`) {
						t.Errorf("slow body %d within the budget: HTTP %d %s", i+1, res.StatusCode, body)
					}
				}
				for _, p := range writes(tn.ID, "budget") {
					if res, body := e.send(p, nil); res.StatusCode != http.StatusOK {
						t.Errorf("%s once the slow bodies are answered: HTTP %d %s", p.dialect, res.StatusCode, body)
					}
				}
			})
		})
	}
}

// bufferedBodyBytes reads crmgw_buffered_body_bytes off the admin handler's /metrics.
func bufferedBodyBytes(e *env) float64 {
	rec := httptest.NewRecorder()
	e.gw.AdminHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	m := regexp.MustCompile(`(?m)^crmgw_buffered_body_bytes (\S+)$`).FindStringSubmatch(rec.Body.String())
	if m == nil {
		e.t.Fatal("/metrics lacks crmgw_buffered_body_bytes")
	}
	v, err := strconv.ParseFloat(m[1], 64)
	e.must(err)
	return v
}

// A connection past limits.max_connections gets one answer, the dialect's
// 503, and is closed (but for the health endpoints); once a connection
// closes, a new one is served.
func TestMaxConnections(t *testing.T) {
	eachEngine(t, func(e *env) {
		tn := seedLimits(e, "conns")
		cfg, err := config.Load(nil)
		e.must(err)
		cfg.Limits.MaxConnections = 2
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		e.must(err)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- e.rebuild(cfg, io.Discard).Gateway.Serve(ctx, ln, nil) }()
		t.Cleanup(func() { cancel(); <-done })
		base := "http://" + ln.Addr().String()

		// Two kept-alive connections, each answered once, so that the server has counted them.
		var open []*http.Client
		for range 2 {
			client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}}
			res, err := client.Get(base + "/healthz")
			e.must(err)
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			open = append(open, client)
		}

		// overCap sends p on a new connection, past the cap, and checks that the connection is closed after the answer.
		overCap := func(p authedRequest) (*http.Response, []byte) {
			conn, err := net.Dial("tcp", ln.Addr().String())
			e.must(err)
			defer conn.Close()
			req, err := http.NewRequest(p.method, base+p.path, strings.NewReader(p.body))
			e.must(err)
			for k, vs := range p.header {
				req.Header[k] = vs
			}
			e.must(req.Write(conn))
			r := bufio.NewReader(conn)
			res, err := http.ReadResponse(r, req)
			e.must(err)
			body, err := io.ReadAll(res.Body)
			e.must(err)
			if res.StatusCode == http.StatusOK {
				return res, body
			}
			e.must(conn.SetReadDeadline(time.Now().Add(10 * time.Second)))
			if n, err := r.Read(make([]byte, 1)); !res.Close || err != io.EOF {
				t.Errorf("%s past the cap: Connection: close %v, then read %d, %v; want it closed", p.path, res.Close, n, err)
			}
			return res, body
		}
		for _, p := range authedRequests(tn.ID, "conns") {
			res, body := overCap(p)
			busy.expect(t, p, res, body, http.StatusServiceUnavailable, "1")
		}
		res, body := overCap(authedRequest{"", http.MethodGet, "/nowhere", nil, ""})
		if res.StatusCode != http.StatusServiceUnavailable || string(body) != "{\"error\":\"service unavailable\"}\n" {
			t.Errorf("a path of no dialect past the cap: HTTP %d %s", res.StatusCode, body)
		}
		// The orchestrator's probes are answered whatever the load.
		for _, path := range []string{"/healthz", "/readyz"} {
			if res, body := overCap(authedRequest{"", http.MethodGet, path, nil, ""}); res.StatusCode != http.StatusOK {
				t.Errorf("%s past the cap: HTTP %d %s", path, res.StatusCode, body)
			}
		}

		// Closing one kept-alive connection frees its place.
		open[0].CloseIdleConnections()
		p := authedRequests(tn.ID, "conns")[0]
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			res, err := (&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).Get(base + p.path)
			e.must(err)
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("a connection once one closed: HTTP %d", res.StatusCode)
			}
		}
		open[1].CloseIdleConnections()

		// Past max(2 × the cap, the cap + 64) connections, a new one is closed unanswered:
		// clients that never send their headers hold no more descriptors than that.
		var silent []net.Conn
		for range 66 {
			c, err := net.Dial("tcp", ln.Addr().String())
			e.must(err)
			silent = append(silent, c)
		}
		conn, err := net.Dial("tcp", ln.Addr().String())
		e.must(err)
		_, _ = io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: crmgw\r\n\r\n")
		e.must(conn.SetReadDeadline(time.Now().Add(10 * time.Second)))
		if n, err := conn.Read(make([]byte, 1)); n != 0 || err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
			t.Errorf("a connection past the hard cap: read %d, %v; want it closed unanswered", n, err)
		}
		conn.Close()
		for _, c := range silent {
			c.Close()
		}
	})
}
