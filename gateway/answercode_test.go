package gateway_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"crmgw/config"
	"crmgw/core"
	"crmgw/core/dbtest"
	"crmgw/gateway"
	"crmgw/seed"
)

// Each dialect's AnswerCode reads back from an answer's body the wire code
// its handler set (the metrics' code label): for answers, for errors
// answered with HTTP 200, for refusals, in JSON and the WebApi's XML. The
// mirror applies a write to crmgw only when the upstream's answer reads as
// its SuccessCode.
func TestAnswerCodeReadsBackTheWireCode(t *testing.T) {
	cfg, err := config.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := core.NewService(dbtest.Open(t, core.DriverSQLite, core.SystemClock{}), core.Options{})
	demo, err := seed.Demo(context.Background(), svc, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := gateway.New(cfg, svc, slog.New(slog.DiscardHandler))
	tok := url.QueryEscape(demo.Token)
	shop := strconv.FormatUint(demo.TenantID, 10)
	ikcrm := `Token token="` + demo.Token + `",device="open_api"`
	form := "application/x-www-form-urlencoded"
	type request struct{ method, path, contentType, body, auth string }
	requests := map[string][]request{
		"oa": {
			{method: http.MethodGet, path: "/oa/crm/home?access_token=" + tok},
			{method: http.MethodGet, path: "/oa/crm/home"},
			{method: http.MethodPost, path: "/oa/customers?access_token=" + tok, contentType: form, body: "name="},
		},
		"ikcrm": {
			{method: http.MethodGet, path: "/api/v2/contracts?per_page=2", auth: ikcrm},
			{method: http.MethodGet, path: "/api/v2/contracts?per_page=2"},
			{method: http.MethodPost, path: "/api/v2/customers", auth: ikcrm, contentType: "application/json", body: `{"customer":{}}`},
		},
		"qcy": {
			{method: http.MethodGet, path: "/WebApi/Handler/1.0/CRM/Customer/GetAllList.ashx?pageIndex=1&token=" + tok},
			{method: http.MethodGet, path: "/WebApi/Handler/1.0/CRM/Customer/GetAllList.ashx?pageIndex=1&format=xml&token=" + tok},
			{method: http.MethodGet, path: "/WebApi/Handler/1.0/CRM/Customer/GetAllList.ashx?pageIndex=1"},
			{method: http.MethodGet, path: "/WebApi/Handler/1.0/CRM/Customer/GetAllList.ashx?pageIndex=1&format=xml"},
			{method: http.MethodPost, path: "/WebApi/Handler/1.0/CRM/Customer/Save.ashx", contentType: form, body: "token=" + tok + "&json=%7B"},
		},
		"yunzmall": {
			{method: http.MethodPost, path: "/business/" + shop + "/plugin/CustomerManage/getStatisticsList", auth: "Bearer " + demo.Token},
			{method: http.MethodPost, path: "/business/" + shop + "/plugin/CustomerManage/getStatisticsList"},
		},
	}
	counts := func() map[string]float64 {
		rec := httptest.NewRecorder()
		s.AdminHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		seen := map[string]float64{}
		for _, line := range strings.Split(rec.Body.String(), "\n") {
			if rest, ok := strings.CutPrefix(line, "crmgw_requests_total{"); ok {
				labels, value, _ := strings.Cut(rest, " ")
				seen[labels], _ = strconv.ParseFloat(value, 64)
			}
		}
		return seen
	}
	codeLabel := regexp.MustCompile(`code="([^"]*)"`)
	for _, d := range s.Dialects() {
		if d.SuccessCode == "" {
			continue
		}
		if d.AnswerCode == nil {
			t.Errorf("%s has a SuccessCode but no AnswerCode", d.Name)
			continue
		}
		succeeded, failed := false, false
		for _, r := range requests[d.Name] {
			before := counts()
			req := httptest.NewRequest(r.method, r.path, strings.NewReader(r.body))
			if r.contentType != "" {
				req.Header.Set("Content-Type", r.contentType)
			}
			if r.auth != "" {
				req.Header.Set("Authorization", r.auth)
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			var set []string // the code of the one series the request counted in
			for labels, n := range counts() {
				if n > before[labels] {
					set = append(set, codeLabel.FindStringSubmatch(labels)[1])
				}
			}
			if len(set) != 1 {
				t.Fatalf("%s %s: counted in %d series, want 1", r.method, r.path, len(set))
			}
			if got := d.AnswerCode(rec.Body.Bytes()); got != set[0] {
				t.Errorf("%s %s: AnswerCode %q, the handler set %q: HTTP %d %s", r.method, r.path, got, set[0], rec.Code, rec.Body)
			}
			succeeded = succeeded || set[0] == d.SuccessCode
			failed = failed || set[0] != d.SuccessCode
		}
		if !succeeded || !failed {
			t.Errorf("%s: the requests answered success %v, an error %v: want both", d.Name, succeeded, failed)
		}
	}
}
