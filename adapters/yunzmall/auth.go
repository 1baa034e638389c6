package yunzmall

import (
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"crmgw/core"
)

// token is the caller's token: the Authorization: Bearer header wins, then a
// token parameter (query or body), then yz_token (a parameter: the framework
// reads it from the request's input, never from a cookie), then the session
// cookie a login set.
func token(c echo.Context, p params) string {
	if h := c.Request().Header.Get(echo.HeaderAuthorization); h != "" {
		if scheme, value, ok := strings.Cut(h, " "); ok && strings.EqualFold(scheme, "Bearer") {
			return strings.TrimSpace(value)
		}
	}
	if t := p.get("token"); t != "" {
		return t
	}
	if t := p.get("yz_token"); t != "" {
		return t
	}
	if ck, err := c.Cookie(sessionCookie); err == nil {
		return ck.Value
	}
	return ""
}

// authenticate resolves the token to the caller and checks that {id} is the
// caller's shop: any other id, existing or not, is "invalid appid", so a
// token learns nothing about other tenants.
func (a *Adapter) authenticate(c echo.Context, p params) (core.Caller, error) {
	caller, err := a.svc.Authenticate(c.Request().Context(), token(c, p))
	if err != nil {
		return core.Caller{}, err
	}
	if id, err := strconv.ParseUint(c.Param("id"), 10, 64); err != nil || id != caller.Dialects.YunzmallShop {
		return core.Caller{}, errAppID
	}
	return caller, nil
}
