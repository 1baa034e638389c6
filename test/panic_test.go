package test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"gorm.io/gorm"

	"crmgw/core"
)

// panicText is what the injected panic says; it must reach the log and never a client.
const panicText = "injected panic 7f3a: handler blew up"

// panicCase is one dialect's request, the internal error it must answer while
// the panic is armed, and how its normal answer looks once it is not.
type panicCase struct {
	name    string
	request func(t *testing.T) *http.Request
	want    string                  // the exact body of the dialect's internal error
	ok      func(body []byte) error // checks the answer once the panic is disarmed
}

// A panic deep in a handler's call path (a database query of the core service
// it calls) is caught by the gateway: the client gets its dialect's internal
// error and nothing of the panic, the log gets a "panic" entry with the
// request id the client was given, and the server goes on serving.
func TestPanicInAHandlerIsAnsweredAndLogged(t *testing.T) {
	eachEngine(t, func(e *env) {
		ctx := context.Background()
		const token = "panic-token-5c1e9a"
		tn, err := e.svc.EnsureTenant(ctx, "acme")
		e.must(err)
		d, err := e.svc.EnsureDepartment(ctx, tn.ID, "销售部")
		e.must(err)
		u, err := e.svc.EnsureUser(ctx, tn.ID, "ann", d.ID)
		e.must(err)
		_, err = e.svc.RegisterToken(ctx, tn.ID, u.ID, token)
		e.must(err)
		caller, err := e.svc.Authenticate(ctx, token)
		e.must(err)
		k := oaContract(e, caller, "P1", "云帆订阅", "19800", "2015-10-08", core.ContractExecuting)

		// The panic: armed, every query but the token lookup panics, so that it
		// strikes inside the core call a handler makes.
		var armed atomic.Bool
		var struck atomic.Int64
		boom := func(db *gorm.DB) {
			if !armed.Load() || isTokenLookup(db) {
				return
			}
			struck.Add(1)
			panic(panicText)
		}
		e.must(e.db.Callback().Query().Before("gorm:query").Register("test:panic_query", boom))
		e.must(e.db.Callback().Row().Before("gorm:row").Register("test:panic_row", boom))

		get := func(path string, header ...string) func(t *testing.T) *http.Request {
			return func(t *testing.T) *http.Request {
				r, err := http.NewRequest(http.MethodGet, e.url+path, nil)
				if err != nil {
					t.Fatal(err)
				}
				for i := 0; i+1 < len(header); i += 2 {
					r.Header.Set(header[i], header[i+1])
				}
				return r
			}
		}
		qcyGet := qcyBase + "Customer/Get.ashx"
		cases := []panicCase{
			{"oa", get("/oa/crm/home?access_token=" + token),
				`{"statuscode":"10500","statusmsg":"操作异常","data":{},"usermsg":"操作异常"}` + "\n",
				func(b []byte) error { return topLevelIs(b, "statuscode", "0000") }},
			{"qcy_json", get(fmt.Sprintf("%s?token=%s&id=%d", qcyGet, token, k.CustomerID)),
				`{"request":"` + qcyGet + `","error_code":"10001","error":"系统错误"}` + "\n",
				func(b []byte) error {
					var v struct {
						Value struct{ PK_ID uint64 } `json:"value"`
					}
					if err := json.Unmarshal(b, &v); err != nil || v.Value.PK_ID != k.CustomerID {
						return fmt.Errorf("not customer %d: %s", k.CustomerID, b)
					}
					return nil
				}},
			{"qcy_xml", get(fmt.Sprintf("%s?token=%s&id=%d&format=xml", qcyGet, token, k.CustomerID)),
				`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<root><request>` + qcyGet + `</request><error_code>10001</error_code><error>系统错误</error></root>`,
				func(b []byte) error {
					if !bytes.Contains(b, []byte(fmt.Sprintf("<PK_ID>%d</PK_ID>", k.CustomerID))) {
						return fmt.Errorf("not customer %d: %s", k.CustomerID, b)
					}
					return nil
				}},
			{"ikcrm", get(fmt.Sprintf("/api/v2/contracts/%d", k.ID), "Authorization", `Token token="`+token+`",device="open_api"`),
				`{"code":100500,"message":"服务器内部错误","error":"internal_error"}` + "\n",
				func(b []byte) error { return topLevelIs(b, "code", float64(0)) }},
			{"yunzmall", func(t *testing.T) *http.Request {
				r, err := http.NewRequest(http.MethodPost, e.url+yzPath(tn.ID), nil)
				if err != nil {
					t.Fatal(err)
				}
				r.Header.Set("Authorization", "Bearer "+token)
				return r
			}, `{"result":0,"msg":"服务器内部错误","data":[]}` + "\n",
				func(b []byte) error { return topLevelIs(b, "result", float64(1)) }},
		}

		for _, c := range cases {
			e.t.Run(c.name, func(t *testing.T) {
				before := struck.Load()
				armed.Store(true)
				status, rid, body := panicSend(t, c.request(t))
				armed.Store(false)
				if struck.Load() == before {
					t.Fatalf("the request made no query the panic could strike: HTTP %d %s", status, body)
				}
				if status != http.StatusOK { // every dialect answers its internal error with HTTP 200
					t.Errorf("HTTP %d, want 200", status)
				}
				if string(body) != c.want {
					t.Errorf("body\n got: %s\nwant: %s", body, c.want)
				}
				if bytes.Contains(body, []byte("injected panic")) || bytes.Contains(body, []byte("goroutine")) || bytes.Contains(body, []byte(".go:")) {
					t.Errorf("the answer tells of the panic: %s", body)
				}
				if rid == "" {
					t.Fatal("no X-Request-Id in the answer")
				}
				entry, found := panicEntry(t, e.log.String(), rid)
				if !found {
					t.Errorf("no \"panic\" log entry with request_id %s in:\n%s", rid, e.log.String())
				} else if msg, _ := entry["error"].(string); !strings.Contains(msg, panicText) {
					t.Errorf("the panic entry of %s does not say what panicked: %v", rid, entry)
				}

				// Disarmed, the same request is served as usual.
				status, _, body = panicSend(t, c.request(t))
				if status != http.StatusOK {
					t.Errorf("after the panic: HTTP %d %s", status, body)
				}
				if err := c.ok(body); err != nil {
					t.Errorf("after the panic: %v", err)
				}
			})
		}
	})
}

// isTokenLookup tells the authentication's query (the token joined to its
// user and tenant) from the queries of the handler's own core call.
func isTokenLookup(db *gorm.DB) bool {
	if db.Statement.TableExpr != nil && strings.Contains(db.Statement.TableExpr.SQL, "api_tokens") {
		return true
	}
	return db.Statement.Table == "api_tokens"
}

// panicSend sends r and returns the status, the X-Request-Id answered and the body.
func panicSend(t *testing.T, r *http.Request) (int, string, []byte) {
	t.Helper()
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header.Get("X-Request-Id"), b
}

// panicEntry finds, in a log of JSON lines, the "panic" entry of a request id.
func panicEntry(t *testing.T, log, rid string) (map[string]any, bool) {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(make([]byte, 0, 64<<10), 4<<20) // an entry carries a stack trace
	for sc.Scan() {
		var entry map[string]any
		if err := json.Unmarshal(sc.Bytes(), &entry); err != nil {
			t.Fatalf("the log holds a line that is not JSON: %s", sc.Text())
		}
		if entry["msg"] == "panic" && entry["request_id"] == rid {
			return entry, true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return nil, false
}

// topLevelIs checks that a JSON object's top-level key holds want.
func topLevelIs(body []byte, key string, want any) error {
	var v map[string]any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("%v: %s", err, body)
	}
	if v[key] != want {
		return fmt.Errorf("%s is %v, want %v: %s", key, v[key], want, body)
	}
	return nil
}
