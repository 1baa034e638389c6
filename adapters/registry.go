package adapters

import (
	"log/slog"
	"slices"
	"strings"
	"time"

	"crmgw/config"
	"crmgw/core"
)

// Options are what the gateway hands a dialect it serves: its settings
// (dialects.<name>.*) and the process log.
type Options struct {
	Prefix   string        // where its paths start
	LoginTTL time.Duration // how long a token its login issues works; 0 for a dialect with none
	Log      *slog.Logger
}

// Registration is how a dialect joins crmgw: its package registers one from
// an init function, and importing the package (the gateway's list of
// dialects) is then all it takes for its config keys to exist and for the
// gateway to serve it while dialects.<Name>.enabled.
type Registration struct {
	Name string // its config key and metrics label: New's Dialect carries it too
	// Defaults are its settings before the file, the environment and the
	// flags (config.RegisterDialect says what they mean).
	Defaults config.Dialect
	New      func(svc *core.Service, opts Options) Dialect
}

var registered []Registration

// Register makes a dialect known, as database/sql's drivers are: its
// config keys from now on, and the gateway's to serve. It panics on a name
// registered twice.
func Register(r Registration) {
	config.RegisterDialect(r.Name, r.Defaults)
	registered = append(registered, r)
}

// Registered are the dialects registered, by name.
func Registered() []Registration {
	return slices.SortedFunc(slices.Values(registered), func(a, b Registration) int { return strings.Compare(a.Name, b.Name) })
}
