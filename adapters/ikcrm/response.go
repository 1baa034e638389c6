package ikcrm

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"crmgw/adapters"
)

// ok answers {"code":0,"data":…}.
func ok(c echo.Context, data any) error {
	adapters.SetWireCode(c, "0")
	return write(c, http.StatusOK, success{0, data})
}

// success is the envelope of every answer but an error.
type success struct {
	Code int `json:"code"`
	Data any `json:"data"`
}

// answerCode is the code an answer of ikcrm carries.
func answerCode(body []byte) string {
	var e struct {
		Code *int `json:"code"`
	}
	if json.Unmarshal(body, &e) != nil || e.Code == nil {
		return ""
	}
	return strconv.Itoa(*e.Code)
}

// marshal is json.Marshal without HTML escaping, as write renders.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// write renders JSON as the Rails server did: UTF-8, no HTML escaping.
func write(c echo.Context, status int, v any) error {
	return adapters.WriteJSON(c, status, "application/json; charset=utf-8", v)
}
