package ikcrm

import (
	"strings"

	"github.com/labstack/echo/v4"

	"crmgw/core"
)

// deviceOpenAPI is the only device the open API accepts.
const deviceOpenAPI = "open_api"

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

// credentialsOf takes the Authorization header, or, with no header, user_token
// and device from the query string.
func credentialsOf(c echo.Context) credentials {
	if h := c.Request().Header.Get(echo.HeaderAuthorization); h != "" {
		if cr, ok := parseAuthorization(h); ok {
			return cr
		}
		return credentials{}
	}
	q := c.Request().URL.Query()
	return credentials{token: q.Get("user_token"), device: q.Get("device")}
}

// authenticate checks the device, then resolves the token to the caller.
func (a *Adapter) authenticate(c echo.Context) (core.Caller, error) {
	cr := credentialsOf(c)
	if cr.device != deviceOpenAPI {
		return core.Caller{}, errDevice
	}
	return a.svc.Authenticate(c.Request().Context(), cr.token)
}
