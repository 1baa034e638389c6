package gateway

import (
	"fmt"
	"log/slog"

	"crmgw/adapters"
	"crmgw/config"
	"crmgw/core"

	// The dialects crmgw serves, one line each: importing a dialect's package
	// registers it (adapters.Register), its config keys and its table.
	_ "crmgw/adapters/ikcrm"
	_ "crmgw/adapters/oa"
	_ "crmgw/adapters/qcy"
	_ "crmgw/adapters/yunzmall"
)

// dialects are the registered dialects that are enabled, as configured.
func dialects(cfg config.Config, svc *core.Service, log *slog.Logger) []adapters.Dialect {
	var out []adapters.Dialect
	for _, r := range adapters.Registered() {
		s := cfg.Dialects[r.Name]
		if !s.Enabled {
			continue
		}
		d := r.New(svc, adapters.Options{Prefix: s.Prefix, LoginTTL: s.LoginTTL, Log: log})
		if d.Name != r.Name {
			// Its metrics label and config key would disagree.
			panic(fmt.Sprintf("gateway: the dialect registered as %q describes itself as %q", r.Name, d.Name))
		}
		out = append(out, d)
	}
	return out
}

// Dialects are the dialects served, as their tables describe them: for the
// tests that walk every endpoint and the docs generated from them.
func (s *Server) Dialects() []adapters.Dialect { return s.dialects }
