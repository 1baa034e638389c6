package yunzmall

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"crmgw/core"
)

// FuzzBind: no query or body panics the parameter binding or the date range,
// and every refusal is the framework's own error.
func FuzzBind(f *testing.F) {
	for _, seed := range []struct{ contentType, query, body string }{
		{echo.MIMEApplicationForm, "page=1", "search[name]=a&search[date][]=2023-03-01&search[date][]=2023-03-31"},
		{echo.MIMEApplicationForm, "", "search[date][1]=2023-03-31&search[date][0]=2023-03-01&search[date][x]=1"},
		{echo.MIMEApplicationJSON, "", `{"search":{"name":"a","date":["2023-03-01",null,{"a":[1]}]},"page":1}`},
		{"multipart/form-data; boundary=X", "", "--X\r\nContent-Disposition: form-data; name=\"search[date][]\"\r\n\r\n2023-03-01\r\n--X--\r\n"},
		{"", "search[department_id]=x", ""},
	} {
		f.Add(seed.contentType, seed.query, seed.body)
	}
	e := echo.New()
	f.Fuzz(func(t *testing.T, contentType, query, body string) {
		req := httptest.NewRequest(http.MethodPost, "/business/1/plugin/CustomerManage/getStatisticsList", strings.NewReader(body))
		req.URL.RawQuery = query
		req.Header.Set(echo.HeaderContentType, contentType)
		c := e.NewContext(req, httptest.NewRecorder())
		p, err := bind(c)
		if err == nil {
			var q core.EmployeeStatsQuery
			_ = token(c, p)
			_, err = p.id("search[department_id]")
			if err == nil {
				err = dateRange(p.list("search[date]"), time.UTC, &q)
			}
		}
		var fe *failure
		var he *echo.HTTPError
		if err != nil && !errors.As(err, &fe) && !errors.As(err, &he) {
			t.Fatalf("%q %q %q: an error not in the framework's shape: %T %v", contentType, query, body, err, err)
		}
	})
}
