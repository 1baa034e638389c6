package ikcrm

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

// FuzzContractRequest: no body, in any of the three encodings, panics the
// contract binding, and every refusal is the dialect's own error.
func FuzzContractRequest(f *testing.F) {
	for _, seed := range []struct{ contentType, body string }{
		{echo.MIMEApplicationJSON, `{"contract":{"title":"t","customer_id":"1","start_at":"2024-08-26","end_at":"2024-08-28","product_assets_attributes":[{"id":null,"quantity":"200","recommended_unit_price":"2000","total_price":"400000"}],"notify_user_ids":[1,2],"self_x":1}}`},
		{echo.MIMEApplicationJSON, `{"contract":"x"}`},
		{echo.MIMEApplicationJSON, `{"title":["a"],"quantity":{"a":1}}`},
		{echo.MIMEApplicationForm, "contract[title]=t&contract[product_assets_attributes][0][quantity]=2&contract[notify_user_ids][]=1&contract_action_name=turn_to_contract"},
		{echo.MIMEApplicationForm, "contract[product_assets_attributes][][destroy]=maybe&contract[start_at]=2024-13-01"},
		{"multipart/form-data; boundary=X", "--X\r\nContent-Disposition: form-data; name=\"contract[title]\"\r\n\r\nt\r\n--X--\r\n"},
		{"text/plain", "x"},
	} {
		f.Add(seed.contentType, seed.body, true)
	}
	e := echo.New()
	f.Fuzz(func(t *testing.T, contentType, body string, creating bool) {
		req := httptest.NewRequest(http.MethodPost, "/api/v2/contracts", strings.NewReader(body))
		req.Header.Set(echo.HeaderContentType, contentType)
		change, err := contractRequest(bind(e.NewContext(req, httptest.NewRecorder()), req.URL.Query()), time.UTC, creating)
		if err == nil {
			var in core.NewContract
			if err = change.ApplyTo(&in); err != nil {
				err = writeError(err, change)
			}
		}
		var ae *apiError
		var he *echo.HTTPError
		if err != nil && !errors.As(err, &ae) && !errors.As(err, &he) {
			t.Fatalf("%q %q: an error not in the dialect's shape: %T %v", contentType, body, err, err)
		}
	})
}
