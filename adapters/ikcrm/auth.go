package ikcrm

import (
	"net/url"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"crmgw/core"
)

// deviceOpenAPI is the integration's device, the one the doc names.
const deviceOpenAPI = "open_api"

// Devices are the device values the vendor's editions sent (vendor-facts-wider.md
// §1.3): the open API's own, the DingTalk and WeCom editions', the web
// session's, and the one a client declares. Any other is the doc's 100000.
var Devices = []string{deviceOpenAPI, "dingtalk", "wxwork", "web", "dingtalk_open"}

// headerAccessToken carries the token in the form of the vendor's standalone
// host (with X-LXY-PLATFORM and X-LXY-APP, which tell nothing crmgw needs).
const headerAccessToken = "access-token"

// credentials are what a client sent to identify itself.
type credentials struct {
	token, device string
}

// parseAuthorization reads `Token token="…",device="open_api"` in every form
// real clients send: double, single or no quotes, spaces after commas,
// version_code, any order of the parameters.
func parseAuthorization(h string) (credentials, bool) {
	scheme, rest, found := strings.Cut(strings.TrimSpace(h), " ")
	if !found || !strings.EqualFold(scheme, "Token") {
		return credentials{}, false
	}
	var cr credentials
	for _, part := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "token":
			cr.token = v
		case "device":
			cr.device = v
		}
	}
	return cr, true
}

// credentialsOf takes the Authorization header; with none, the access-token
// header, which names no device: it is the open API's own; with neither,
// user_token and device from the parameters: the query string's q, else the
// body's, as Rails' params hold both, the query string's winning.
func credentialsOf(c echo.Context, q url.Values, body map[string]any) credentials {
	h := c.Request().Header
	if a := h.Get(echo.HeaderAuthorization); a != "" {
		if cr, ok := parseAuthorization(a); ok {
			return cr
		}
		return credentials{}
	}
	if t := strings.TrimSpace(h.Get(headerAccessToken)); t != "" {
		return credentials{token: t, device: deviceOpenAPI}
	}
	param := func(key string) string {
		if q.Has(key) {
			return q.Get(key)
		}
		s, _ := body[key].(string)
		return s
	}
	return credentials{token: param("user_token"), device: param("device")}
}

// authenticate checks the device, resolves the token to the caller, then
// checks that the caller's tenant allows the device.
func (a *Adapter) authenticate(c echo.Context, p params) (core.Caller, error) {
	cr := credentialsOf(c, p.query, p.body)
	if !slices.Contains(Devices, cr.device) {
		return core.Caller{}, errDevice
	}
	caller, err := a.svc.Authenticate(c.Request().Context(), cr.token)
	if err != nil {
		return core.Caller{}, err
	}
	if !caller.AllowsDevice(cr.device) {
		return core.Caller{}, errDevice
	}
	return caller, nil
}
