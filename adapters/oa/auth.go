package oa

import (
	"github.com/labstack/echo/v4"

	"crmgw/core"
)

const callerKey = "oa.caller"

// authenticate resolves access_token (query string, or a POST's form body) to the caller.
func (a *Adapter) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		caller, err := a.svc.Authenticate(c.Request().Context(), c.FormValue("access_token"))
		if err != nil {
			return err
		}
		c.Set(callerKey, caller)
		return next(c)
	}
}

func callerOf(c echo.Context) core.Caller { return c.Get(callerKey).(core.Caller) }

// login answers POST /users/login (tt, vn, username, password; tenant when a
// login name exists in several tenants) with a token and the user's profile.
func (a *Adapter) login(c echo.Context) error {
	username, err := required(c, "username")
	if err != nil {
		return err
	}
	password, err := required(c, "password")
	if err != nil {
		return err
	}
	s, err := a.svc.Login(c.Request().Context(), core.LoginRequest{Tenant: c.FormValue("tenant"), UserName: username,
		Password: password, Address: c.RealIP(), Token: core.NewTokenValue(), TTL: a.opts.LoginTTL})
	if core.ErrorCode(err) == core.EUNAUTHORIZED {
		return statusError(codeBadPassword, "账号和密码不匹配")
	}
	if err != nil {
		return err
	}
	return ok(c, loginData{
		AccessToken: s.Token,
		ID:          s.Profile.User.ID,
		Username:    s.Profile.User.Name,
		RealName:    s.Profile.User.RealName,
		Dept:        deptData{ID: s.Profile.Department.ID, Name: s.Profile.Department.Name},
	})
}
