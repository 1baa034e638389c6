package oa

import (
	"context"

	"crmgw/adapters"
	"crmgw/core"
)

// login answers POST /users/login (tt, vn, username, password; tenant when a
// login name exists in several tenants) with a token and the user's profile.
// It has no caller yet: the login records the client's address instead.
func (a *Adapter) login(ctx context.Context, p params) (any, error) {
	username, err := p.required("username")
	if err != nil {
		return nil, err
	}
	password, err := p.required("password")
	if err != nil {
		return nil, err
	}
	s, err := a.svc.Login(ctx, core.LoginRequest{Tenant: p.form.Get("tenant"), UserName: username,
		Password: password, Address: p.address, Token: adapters.TokenToIssue(ctx, core.NewTokenValue), TTL: a.opts.LoginTTL})
	if core.ErrorCode(err) == core.EUNAUTHORIZED {
		return nil, statusError(codeBadPassword, "账号和密码不匹配")
	}
	if err != nil {
		return nil, err
	}
	return loginData{
		AccessToken: s.Token,
		ID:          s.Profile.User.ID,
		Username:    s.Profile.User.Name,
		RealName:    s.Profile.User.RealName,
		Dept:        deptData{ID: s.Profile.Department.ID, Name: s.Profile.Department.Name},
	}, nil
}
