package gateway_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"crmgw/adapters"
	"crmgw/config"
	"crmgw/core"
	"crmgw/core/dbtest"
	"crmgw/gateway"
)

// fifth is the smallest dialect there is, registered as the four are
// (docs/adding-a-dialect.md): this file is all it takes, nothing outside it
// changes, and the gateway serves it, renders its errors, redacts its
// credentials and counts it, while its config keys exist on their own.
func init() {
	adapters.Register(adapters.Registration{Name: "fifth",
		Defaults: config.Dialect{Enabled: true, Prefix: "/fifth", LoginTTL: time.Hour},
		New:      newFifth})
}

func newFifth(_ *core.Service, opts adapters.Options) adapters.Dialect {
	return adapters.Dialect{
		Name:        "fifth",
		Prefixes:    []string{opts.Prefix},
		Credentials: []string{"fifth_key"},
		HandleError: func(err error, c echo.Context) {
			if c.Response().Committed { // rendered already, before the access log
				return
			}
			status := http.StatusInternalServerError
			if he := (*echo.HTTPError)(nil); errors.As(err, &he) {
				status = he.Code
			} else if core.ErrorCode(err) == core.EUNAVAILABLE { // the gateway's limits too
				status = http.StatusServiceUnavailable
			}
			adapters.SetWireCode(c, "F"+strconv.Itoa(status))
			_ = c.JSON(status, map[string]string{"fifth_error": http.StatusText(status)})
		},
		Endpoints: []adapters.Endpoint{{Methods: []string{http.MethodGet}, Path: opts.Prefix + "/ping", Auth: adapters.AuthToken,
			Summary: "pong",
			Params:  []adapters.Param{{Name: "fifth_key", In: adapters.InQuery, Type: "string", Required: true, Doc: "the caller's key"}},
			Handler: func(c echo.Context) error {
				adapters.SetWireCode(c, "F0")
				return c.String(http.StatusOK, "pong")
			}}},
	}
}

func TestAFifthDialectIsOneFile(t *testing.T) {
	t.Setenv("CRMGW_DIALECTS_FIFTH_PREFIX", "/v5")
	t.Setenv("CRMGW_DIALECTS_FIFTH_LOGIN_TTL", "2h")
	cfg, err := config.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := cfg.Dialects["fifth"]; !d.Enabled || d.Prefix != "/v5" || d.LoginTTL != 2*time.Hour {
		t.Fatalf("dialects.fifth = %+v", d)
	}
	var log bytes.Buffer
	s := gateway.New(cfg, core.NewService(dbtest.Open(t, core.DriverSQLite, core.SystemClock{}), core.Options{}), slog.New(slog.NewTextHandler(&log, nil)))
	get := func(h http.Handler, path string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Code, rec.Body.String()
	}

	if status, body := get(s.Handler(), "/v5/ping?fifth_key=s3cret"); status != http.StatusOK || body != "pong" {
		t.Errorf("its endpoint: HTTP %d %s", status, body)
	}
	if status, body := get(s.Handler(), "/v5/nothing"); status != http.StatusNotFound || body != `{"fifth_error":"Not Found"}`+"\n" {
		t.Errorf("an unknown path under its prefix: HTTP %d %s, want its own 404", status, body)
	}
	if strings.Contains(log.String(), "s3cret") || !strings.Contains(log.String(), "fifth_key=REDACTED") {
		t.Errorf("its credential in the log:\n%s", log.String())
	}
	_, metrics := get(s.AdminHandler(), "/metrics")
	for _, want := range []string{`code="F0",dialect="fifth",endpoint="/v5/ping"`, `code="F404",dialect="fifth"`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics holds no %s", want)
		}
	}

	t.Setenv("CRMGW_DIALECTS_FIFTH_ENABLED", "false")
	if cfg, err = config.Load(nil); err != nil {
		t.Fatal(err)
	}
	s = gateway.New(cfg, core.NewService(dbtest.Open(t, core.DriverSQLite, core.SystemClock{}), core.Options{}), slog.New(slog.DiscardHandler))
	if status, body := get(s.Handler(), "/v5/ping"); status != http.StatusNotFound || strings.Contains(body, "fifth") {
		t.Errorf("disabled: HTTP %d %s, want the gateway's own 404", status, body)
	}
}
