package gateway

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"crmgw/core"
)

func jsonAnswer(body string) *answer {
	return &answer{status: http.StatusOK, header: http.Header{"Content-Type": {"application/json; charset=utf-8"}}, body: []byte(body)}
}

func testCall(t *testing.T, rawQuery string) call {
	t.Helper()
	r := &http.Request{URL: &url.URL{RawQuery: rawQuery}, Header: http.Header{}}
	keys := credentialKeys([]string{"access_token", "password"})
	return call{credentialKeys: keys, secrets: secretsOf(r, nil, keys)}
}

// A number is compared as the wire writes it; rows group under [] while each
// keeps its own example; a field on one side only is a difference with ""
// on the other.
func TestDiffJSONFields(t *testing.T) {
	up := jsonAnswer(`{"code":0,"data":{"list":[{"name":"甲","amount":2.0E7},{"name":"乙","amount":1}],"gone":true}}`)
	local := jsonAnswer(`{"code":0,"data":{"list":[{"name":"甲","amount":20000000},{"name":"丙","amount":1}]}}`)
	got := fmt.Sprint(diff(up, local, testCall(t, "")))
	want := fmt.Sprint([]core.FieldDiff{
		{Path: "data.gone", Upstream: "true", Local: ""},
		{Path: "data.list[].amount", Upstream: "2.0E7", Local: "20000000"},
		{Path: "data.list[].name", Upstream: `"乙"`, Local: `"丙"`},
	})
	if got != want {
		t.Errorf("diff = %s\nwant %s", got, want)
	}
	if d := diff(up, up, testCall(t, "")); len(d) != 0 {
		t.Errorf("an answer differs from itself: %v", d)
	}
}

// The WebApi's XML: elements walked into paths, repeated siblings as rows.
func TestDiffXMLFields(t *testing.T) {
	xmlAnswer := func(body string) *answer {
		return &answer{status: http.StatusOK, header: http.Header{"Content-Type": {"text/xml; charset=utf-8"}}, body: []byte(body)}
	}
	up := xmlAnswer(`<?xml version="1.0"?><value><Customer><PK_ID>1</PK_ID><Name>甲</Name></Customer><Customer><PK_ID>2</PK_ID><Name>乙</Name></Customer></value>`)
	local := xmlAnswer(`<?xml version="1.0"?><value><Customer><PK_ID>1</PK_ID><Name>甲</Name></Customer><Customer><PK_ID>2</PK_ID><Name>丙</Name></Customer></value>`)
	got := fmt.Sprint(diff(up, local, testCall(t, "")))
	if want := fmt.Sprint([]core.FieldDiff{{Path: "value.Customer[].Name", Upstream: "乙", Local: "丙"}}); got != want {
		t.Errorf("diff = %s\nwant %s", got, want)
	}
}

// Status, Content-Type and a body that is neither JSON nor XML are compared whole.
func TestDiffStatusTypeAndBody(t *testing.T) {
	up := &answer{status: http.StatusOK, header: http.Header{"Content-Type": {"text/plain"}}, body: []byte("ok")}
	local := &answer{status: http.StatusBadGateway, header: http.Header{"Content-Type": {"text/html"}}, body: []byte("no")}
	got := fmt.Sprint(diff(up, local, testCall(t, "")))
	want := fmt.Sprint([]core.FieldDiff{{Path: "status", Upstream: "200", Local: "502"},
		{Path: "header.Content-Type", Upstream: "text/plain", Local: "text/html"}, {Path: "body", Upstream: "ok", Local: "no"}})
	if got != want {
		t.Errorf("diff = %s\nwant %s", got, want)
	}
}

// A credential never reaches a stored difference: a field named as one (the
// dialect's, or token- and password-like) is REDACTED, and the request's own
// credentials are cut out of any other value.
func TestDiffRedactsCredentials(t *testing.T) {
	c := testCall(t, "access_token=tok-abcdef-123&size=3")
	up := jsonAnswer(`{"data":{"user_token":"u1","access_token":"a1","note":"sent tok-abcdef-123 here","Password":"x"}}`)
	local := jsonAnswer(`{"data":{"user_token":"u2","access_token":"a2","note":"other","Password":"y"}}`)
	got := fmt.Sprint(diff(up, local, c))
	want := fmt.Sprint([]core.FieldDiff{
		{Path: "data.Password", Upstream: redacted, Local: redacted},
		{Path: "data.access_token", Upstream: redacted, Local: redacted},
		{Path: "data.note", Upstream: `"sent REDACTED here"`, Local: `"other"`},
		{Path: "data.user_token", Upstream: redacted, Local: redacted},
	})
	if got != want {
		t.Errorf("diff = %s\nwant %s", got, want)
	}
}

// The credentials a request carries are found wherever a client sends
// them: the query, a form, a multipart form, a JSON body, a header named as
// one (ikcrm's access-token), Authorization's pieces and cookies.
func TestSecretsOfEveryPlace(t *testing.T) {
	keys := credentialKeys([]string{"access_token", "access-token", "user_token", "password"})
	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	_ = w.WriteField("user_token", "multipart-secret")
	_ = w.WriteField("name", "not-a-secret")
	_ = w.Close()
	for _, tc := range []struct {
		name, query, contentType, body string
		header                         http.Header
		want                           string
	}{
		{name: "query", query: "access_token=query-secret&size=30", want: "query-secret"},
		{name: "form", contentType: "application/x-www-form-urlencoded; charset=utf-8", body: "password=form-secret&name=not-a-secret", want: "form-secret"},
		{name: "multipart", contentType: w.FormDataContentType(), body: mp.String(), want: "multipart-secret"},
		{name: "json", contentType: "application/json", body: `{"user":{"login":"not-a-secret","password":"json-secret"}}`, want: "json-secret"},
		{name: "header", header: http.Header{"Access-Token": {"header-secret"}, "User-Agent": {"not-a-secret"}}, want: "header-secret"},
		{name: "authorization", header: http.Header{"Authorization": {`Token token="auth-secret",device="open_api"`}}, want: "auth-secret"},
		{name: "bearer", header: http.Header{"Authorization": {"Bearer bearer-secret"}}, want: "bearer-secret"},
		{name: "bare", header: http.Header{"Authorization": {"bare-secret"}}, want: "bare-secret"},
		{name: "padded bearer", header: http.Header{"Authorization": {"Bearer abcDEF=="}}, want: "abcDEF=="},
		{name: "cookie", header: http.Header{"Cookie": {"sid=cookie-secret"}}, want: "cookie-secret"},
		{name: "cookie beside a malformed one", header: http.Header{"Cookie": {"laravel_session=cookie-secret; x=é;"}}, want: "cookie-secret"},
	} {
		h := http.Header{"Content-Type": {tc.contentType}}
		for k, v := range tc.header {
			h[k] = v
		}
		r := &http.Request{URL: &url.URL{RawQuery: tc.query}, Header: h}
		if got := strings.Join(secretsOf(r, []byte(tc.body), keys), " "); got != tc.want {
			t.Errorf("%s: secrets %q, want %q", tc.name, got, tc.want)
		}
	}
}

// Noise: the fields two upstream answers differed in are dropped from every
// later comparison of that endpoint only; the upstream is asked again for
// the first 20 comparisons, then one in 10.
func TestNoiseIsLearntPerEndpoint(t *testing.T) {
	n := noise{seen: map[string]*endpointNoise{}}
	n.learn("oa", "/oa/crm/home", []core.FieldDiff{{Path: "data.now"}})
	diffs := []core.FieldDiff{{Path: "data.now"}, {Path: "data.monthdeal"}}
	if got := n.without("oa", "/oa/crm/home", append([]core.FieldDiff(nil), diffs...)); len(got) != 1 || got[0].Path != "data.monthdeal" {
		t.Errorf("without noise: %v", got)
	}
	if got := n.without("oa", "/oa/contracts", append([]core.FieldDiff(nil), diffs...)); len(got) != 2 {
		t.Errorf("another endpoint's noise applied: %v", got)
	}
	asked := 0
	for range 100 {
		if n.learning("ikcrm", "/api/v2/contracts") {
			asked++
		}
	}
	if asked != 20+8 { // 1–20, then 30, 40 … 100
		t.Errorf("asked again %d times in 100, want 28", asked)
	}
}

// The id a create's answer carries, as a number or a string.
func TestIDAt(t *testing.T) {
	for body, want := range map[string]uint64{
		`{"code":0,"data":{"id":42}}`:             42,
		`{"statuscode":"0000","data":{"id":"7"}}`: 7,
		`{"code":0,"data":{}}`:                    0,
		`true`:                                    0,
	} {
		if got := idAt([]byte(body), "data.id"); got != want {
			t.Errorf("idAt(%s) = %d, want %d", body, got, want)
		}
	}
}
