package qcy

import (
	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"crmgw/core"
)

// Token/Get.ashx (org_id, login_name, password): a new token, a GUID as the
// WebApi issued them, that expires after dialects.qcy.login_ttl.
func (a *Adapter) getToken(c echo.Context) error {
	p := paramsOf(c)
	org, err := p.id("org_id")
	if err != nil {
		return err
	}
	name, err := p.str("login_name")
	if err != nil {
		return err
	}
	password, err := p.str("password")
	if err != nil {
		return err
	}
	s, err := a.svc.Login(c.Request().Context(), core.LoginRequest{Tenant: formatID(org), UserName: name,
		Password: password, Address: c.RealIP(), Token: uuid.NewString(), TTL: a.loginTTL})
	switch core.ErrorCode(err) {
	case "":
		return ok(c, s.Token)
	case core.EUNAUTHORIZED:
		return wireError(codeAuthFailed, "机构、用户名或密码不正确") // one answer: no hint which was wrong
	default:
		return err
	}
}
