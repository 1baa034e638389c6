package gateway

import (
	"log/slog"

	"crmgw/adapters"
	"crmgw/adapters/ikcrm"
	"crmgw/adapters/oa"
	"crmgw/adapters/qcy"
	"crmgw/adapters/yunzmall"
	"crmgw/config"
	"crmgw/core"
)

// dialects are the enabled dialects, as configured: the one place that names them.
func dialects(cfg config.Config, svc *core.Service, log *slog.Logger) []adapters.Dialect {
	var out []adapters.Dialect
	if d := cfg.Dialects.OA; d.Enabled {
		out = append(out, oa.New(svc, oa.Options{Prefix: d.Prefix, LoginTTL: d.LoginTTL, Log: log}).Dialect())
	}
	if d := cfg.Dialects.IKCRM; d.Enabled {
		out = append(out, ikcrm.New(svc, ikcrm.Options{Prefix: d.Prefix, LoginTTL: d.LoginTTL, Log: log}).Dialect())
	}
	if d := cfg.Dialects.QCY; d.Enabled {
		out = append(out, qcy.New(svc, qcy.Options{Prefix: d.Prefix, LoginTTL: d.LoginTTL, Log: log}).Dialect())
	}
	if d := cfg.Dialects.Yunzmall; d.Enabled {
		out = append(out, yunzmall.New(svc, yunzmall.Options{Prefix: d.Prefix, Log: log}).Dialect())
	}
	return out
}
