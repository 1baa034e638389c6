package qcy

import (
	"github.com/labstack/echo/v4"

	"crmgw/core"
)

const callerKey = "qcy.caller"

// authenticate resolves the token parameter to the caller.
func (a *Adapter) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		caller, err := a.svc.Authenticate(c.Request().Context(), paramsOf(c).get("token"))
		if err != nil {
			return err
		}
		c.Set(callerKey, caller)
		return next(c)
	}
}

func callerOf(c echo.Context) core.Caller { return c.Get(callerKey).(core.Caller) }

// authenticateSite resolves siteKey, which the ECommerce handlers take instead
// of a token (a token, if sent too, is not needed and not checked).
func (a *Adapter) authenticateSite(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		caller, err := a.svc.AuthenticateSite(c.Request().Context(), paramsOf(c).get("siteKey"))
		if err != nil {
			return err
		}
		c.Set(callerKey, caller)
		return next(c)
	}
}
