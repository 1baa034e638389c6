package test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"crmgw/config"
)

// /metrics, on the admin handler only, counts each dialect's answers by
// endpoint (the route), HTTP status and the code the answer carried (three
// dialects answer errors with HTTP 200), times them, counts refusals by limit,
// and carries the Go, process and connection-pool collectors.
func TestMetrics(t *testing.T) {
	eachEngineWith(t, func(c *config.Config) {
		c.RateLimit = config.RateLimit{PerSecond: 1, Burst: 1}
		c.Login = config.Login{MaxFailures: 1, MaxFailuresPerName: 100, MaxFailuresPerAddress: 100, FailureWindow: time.Minute, MaxHashing: 1}
	}, func(e *env) {
		t := e.t
		tn := seedLimits(e, "m-oa", "m-qcy", "m-ikcrm", "m-yunzmall")
		e.must(e.svc.SetPassword(context.Background(), tn.ID, "ann", "s3cret"))
		for i, dialect := range dialectOrder {
			p := authedRequests(tn.ID, "m-"+dialect)[i]
			e.send(p, nil) // answered
			e.send(p, nil) // past the rate: refused
		}
		e.get("/oa/crm/home?access_token=nope")                            // OA's 10501 with HTTP 200
		e.get("/WebApi/Handler/1.0/CRM/Customer/Get.ashx?token=nope&id=1") // the WebApi's 21332
		e.get("/api/v2/nowhere")                                           // unrouted
		for range 2 {
			e.postForm("/api/v2/auth/login", url.Values{"login": {"ann"}, "password": {"nope"}, "device": {"open_api"}})
		}
		if _, body := e.get("/metrics"); strings.Contains(string(body), "crmgw_requests_total") {
			t.Error("/metrics is served on the main listener")
		}

		rec := httptest.NewRecorder()
		e.gw.AdminHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		body, _ := io.ReadAll(rec.Body)
		metrics := string(body)
		for _, want := range []string{
			`crmgw_requests_total{code="0000",dialect="oa",endpoint="/oa/crm/home",status="200"} 1`,
			`crmgw_requests_total{code="10501",dialect="oa",endpoint="/oa/crm/home",status="200"} 1`,
			`crmgw_requests_total{code="10500",dialect="oa",endpoint="/oa/crm/home",status="429"} 1`,
			`crmgw_requests_total{code="value",dialect="qcy",endpoint="/WebApi/Handler/1.0/CRM/Customer/GetAllList.ashx",status="200"} 1`,
			`crmgw_requests_total{code="10023",dialect="qcy",endpoint="/WebApi/Handler/1.0/CRM/Customer/GetAllList.ashx",status="429"} 1`,
			`crmgw_requests_total{code="21332",dialect="qcy",endpoint="/WebApi/Handler/1.0/CRM/Customer/Get.ashx",status="200"} 1`,
			`crmgw_requests_total{code="0",dialect="ikcrm",endpoint="/api/v2/contracts",status="200"} 1`,
			`crmgw_requests_total{code="100429",dialect="ikcrm",endpoint="/api/v2/contracts",status="429"} 1`,
			`crmgw_requests_total{code="100404",dialect="ikcrm",endpoint="unmatched",status="404"} 1`,
			`crmgw_requests_total{code="100400",dialect="ikcrm",endpoint="/api/v2/auth/login",status="200"} 1`,
			`crmgw_requests_total{code="100429",dialect="ikcrm",endpoint="/api/v2/auth/login",status="429"} 1`,
			`crmgw_requests_total{code="1",dialect="yunzmall",endpoint="/business/:id/plugin/CustomerManage/getStatisticsList",status="200"} 1`,
			`crmgw_requests_total{code="0",dialect="yunzmall",endpoint="/business/:id/plugin/CustomerManage/getStatisticsList",status="429"} 1`,
			`crmgw_refusals_total{dialect="oa",reason="rate_limit"} 1`,
			`crmgw_refusals_total{dialect="ikcrm",reason="login"} 1`,
			`crmgw_refusals_total{dialect="ikcrm",reason="rate_limit"} 1`,
			`crmgw_request_duration_seconds_count{dialect="oa",endpoint="/oa/crm/home"} 3`,
			"go_goroutines ", "process_resident_memory_bytes ", "go_sql_max_open_connections{db_name=\"crmgw\"}",
		} {
			if !strings.Contains(metrics, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
		// Each dialect's answers above that succeeded carry its SuccessCode,
		// which the console tells errors from answers by.
		for _, d := range e.gw.Dialects() {
			if d.SuccessCode == "" || !regexp.MustCompile(`crmgw_requests_total\{code="`+regexp.QuoteMeta(d.SuccessCode)+
				`",dialect="`+d.Name+`",endpoint="[^"]+",status="200"\} 1`).MatchString(metrics) {
				t.Errorf("dialect %s: no success answered with its SuccessCode %q", d.Name, d.SuccessCode)
			}
		}
		if t.Failed() {
			t.Logf("/metrics:\n%s", strings.Join(regexp.MustCompile(`(?m)^crmgw_requests_total.*$`).FindAllString(metrics, -1), "\n"))
		}
		for _, path := range []string{"/healthz", "/readyz"} {
			rec := httptest.NewRecorder()
			e.gw.AdminHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			if rec.Code != http.StatusOK {
				t.Errorf("admin %s: HTTP %d", path, rec.Code)
			}
		}
	})
}
