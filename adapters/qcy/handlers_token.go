package qcy

import (
	"context"

	"github.com/google/uuid"

	"crmgw/adapters"
	"crmgw/core"
)

// Token/Get.ashx (org_id, login_name, password): a new token, a GUID as the
// WebApi issued them, that expires after dialects.qcy.login_ttl. It has no
// caller yet: the login records the client's address instead.
func (a *Adapter) getToken(ctx context.Context, _ core.Caller, p params) (any, error) {
	org, err := p.id("org_id")
	if err != nil {
		return nil, err
	}
	name, err := p.str("login_name")
	if err != nil {
		return nil, err
	}
	password, err := p.str("password")
	if err != nil {
		return nil, err
	}
	s, err := a.svc.Login(ctx, core.LoginRequest{Tenant: formatID(org), TenantRef: core.ByQcyOrg, UserName: name,
		Password: password, Address: p.address, Token: adapters.TokenToIssue(ctx, uuid.NewString), TTL: a.loginTTL})
	switch core.ErrorCode(err) {
	case "":
		return s.Token, nil
	case core.EUNAUTHORIZED:
		return nil, wireError(codeAuthFailed, "机构、用户名或密码不正确") // one answer: no hint which was wrong
	default:
		return nil, err
	}
}
