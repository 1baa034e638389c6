// Package app builds crmgw from its configuration: the store, the core service
// over it and the gateway that serves it. The crmgw command, the black-box
// tests and the benchmarks all build it here, so what they run cannot drift
// from what serve runs.
package app

import (
	"io"
	"log/slog"
	"os"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"

	"crmgw/config"
	"crmgw/core"
	"crmgw/gateway"
)

// App is crmgw assembled.
type App struct {
	Config  config.Config
	Log     *slog.Logger
	DB      *gorm.DB
	Service *core.Service
	Gateway *gateway.Server
}

// Seams are what a test puts in place of the real thing; the zero value is production.
type Seams struct {
	Clock core.Clock // the service's and the store's; nil for the system clock
	Logs  io.Writer  // where the log goes; nil for standard error
}

// Open opens the configured database, sizes its pool, migrates it and builds
// the app over it. Close closes the database.
func Open(cfg config.Config, seams Seams) (*App, error) {
	seams = seams.withDefaults()
	log := newLogger(cfg, seams.Logs)
	// The MySQL driver reports dropped connections on its own logger: into the process log with them.
	_ = mysql.SetLogger(slog.NewLogLogger(log.Handler(), slog.LevelWarn))
	db, err := core.Open(cfg.DB.Driver, cfg.DB.DSN,
		core.Pool{MaxOpenConns: cfg.DB.MaxOpenConns, ConnMaxLifetime: cfg.DB.ConnMaxLifetime}, seams.Clock)
	if err != nil {
		return nil, err
	}
	return build(cfg, db, log, seams.Clock), nil
}

// New builds the app over db, a database already opened and migrated (a
// test's own, or one behind a fault-injecting proxy). The caller closes db.
func New(cfg config.Config, db *gorm.DB, seams Seams) *App {
	seams = seams.withDefaults()
	return build(cfg, db, newLogger(cfg, seams.Logs), seams.Clock)
}

// Close closes the database.
func (a *App) Close() error {
	sqlDB, err := a.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

func build(cfg config.Config, db *gorm.DB, log *slog.Logger, clock core.Clock) *App {
	svc := core.NewService(db, serviceOptions(cfg, clock))
	return &App{Config: cfg, Log: log, DB: db, Service: svc, Gateway: gateway.New(cfg, svc, log)}
}

// serviceOptions are the configuration in core's terms.
func serviceOptions(cfg config.Config, clock core.Clock) core.Options {
	l := cfg.Login
	return core.Options{Clock: clock, TimeZone: cfg.TimeZone,
		RateLimit: cfg.RateLimit.PerSecond, RateBurst: cfg.RateLimit.Burst, MaxPageSize: cfg.Limits.MaxPageSize,
		Logins: core.LoginLimits{MaxFailures: l.MaxFailures, MaxFailuresPerName: l.MaxFailuresPerName,
			MaxFailuresPerAddress: l.MaxFailuresPerAddress, Window: l.FailureWindow, MaxHashing: l.MaxHashing,
			RefusalDelay: l.RefusalDelay}}
}

func (s Seams) withDefaults() Seams {
	if s.Clock == nil {
		s.Clock = core.SystemClock{}
	}
	if s.Logs == nil {
		s.Logs = os.Stderr
	}
	return s
}

// newLogger logs at the configured level, in the configured format.
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel()}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
