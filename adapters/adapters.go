// Package adapters is what every dialect shares with the gateway, beside its
// own folder below: no dialect imports another, each may import this.
package adapters

import "github.com/labstack/echo/v4"

// wireCodeKey holds, in a request's echo context, the code its answer carried.
const wireCodeKey = "crmgw.wire_code"

// SetWireCode records the code a dialect's answer carried on the wire
// ("0000", "100422", "10017", "1" …): three dialects answer errors with HTTP
// 200, so the status alone does not tell the gateway's metrics what happened.
func SetWireCode(c echo.Context, code string) { c.Set(wireCodeKey, code) }

// WireCode is the code recorded for c's answer, "" if none was.
func WireCode(c echo.Context) string {
	code, _ := c.Get(wireCodeKey).(string)
	return code
}
