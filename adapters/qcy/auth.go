package qcy

import (
	"context"
	"fmt"

	"crmgw/adapters"
	"crmgw/core"
)

// authenticate resolves the caller as the endpoint's auth kind says: by the
// token parameter, or, for the ECommerce handlers, by siteKey (a token, if
// sent too, is not needed and not checked). Token/Get has no caller yet. Any
// other kind is a row of the table that says no way to know its caller: an
// internal error, never a handler run for nobody.
func (a *Adapter) authenticate(ctx context.Context, auth adapters.Auth, p params) (core.Caller, error) {
	switch auth {
	case adapters.AuthToken:
		return a.svc.Authenticate(ctx, p.get("token"))
	case adapters.AuthSiteKey:
		return a.svc.AuthenticateSite(ctx, p.get("siteKey"))
	case adapters.AuthLogin:
		return core.Caller{}, nil
	}
	return core.Caller{}, fmt.Errorf("qcy: no authentication for auth kind %q", auth)
}
