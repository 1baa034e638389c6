// Package config reads crmgw's configuration: defaults < config file (YAML) <
// CRMGW_* environment < command-line flags, into one validated Config.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// Config is everything crmgw reads at start.
type Config struct {
	Listen   string   `mapstructure:"listen"`
	DB       DB       `mapstructure:"db"`
	TimeZone string   `mapstructure:"timezone"`
	Log      Log      `mapstructure:"log"`
	Dialects Dialects `mapstructure:"dialects"`
	// ShutdownGrace is how long in-flight requests get to finish on SIGINT/SIGTERM.
	ShutdownGrace time.Duration `mapstructure:"shutdown_grace"`
	Limits        Limits        `mapstructure:"limits"`
	RateLimit     RateLimit     `mapstructure:"rate_limit"`
	Login         Login         `mapstructure:"login"`
	Admin         Admin         `mapstructure:"admin"`
	// TrustedProxies are the addresses (IPs or CIDRs) whose X-Forwarded-*
	// headers count: from anyone else they are ignored.
	TrustedProxies []string `mapstructure:"trusted_proxies"`
	Mirror         Mirror   `mapstructure:"mirror"`
}

// Admin is the operator's listener: /metrics and the health endpoints.
type Admin struct {
	Listen string `mapstructure:"listen"` // host:port; empty serves none
}

// The mirror's modes (mirror.mode): what a request of a dialect with an
// upstream is sent to, and whose answer the client gets.
const (
	MirrorNormal     = "normal"      // crmgw alone
	MirrorProxy      = "proxy"       // the upstream alone, crmgw forwarding
	MirrorDiffProxy  = "diff-proxy"  // the upstream answers; reads run on crmgw too and are compared
	MirrorDiffNormal = "diff-normal" // crmgw answers; reads go to the upstream too and are compared
)

// Mirror is how crmgw runs beside the old vendors during a cut-over
// (docs/migration.md): each dialect's upstream is under dialects.<name>.upstream.
type Mirror struct {
	Mode string `mapstructure:"mode"`
	// ApplyWrites applies, in diff-proxy, each write the upstream accepted to
	// crmgw too, in order and with the ids the upstream gave, so that the two
	// stay in step from the import to the cut-over.
	ApplyWrites bool `mapstructure:"apply_writes"`
	// Timeout bounds the side that does not answer the client: past it the
	// comparison is an error, and the client's answer never waits for it.
	Timeout time.Duration `mapstructure:"timeout"`
	// Concurrency bounds the comparisons running at once: past it one is
	// skipped (counted as such), never queued behind the others.
	Concurrency int `mapstructure:"concurrency"`
	// Retention is how long a difference's examples are kept (crmgw diff
	// report); MaxExamples how many of each field's newest are.
	Retention   time.Duration `mapstructure:"retention"`
	MaxExamples int           `mapstructure:"max_examples"`
}

// Login bounds what failed logins may cost (every dialect's login).
type Login struct {
	// MaxFailures failed logins of one login name from one client address
	// within FailureWindow refuse the name from there until the window ends;
	// MaxFailuresPerName do the same for the name from every address,
	// MaxFailuresPerAddress for the address whatever names it tries.
	MaxFailures           int           `mapstructure:"max_failures"`
	MaxFailuresPerName    int           `mapstructure:"max_failures_per_name"`
	MaxFailuresPerAddress int           `mapstructure:"max_failures_per_address"`
	FailureWindow         time.Duration `mapstructure:"failure_window"`
	// MaxHashing bounds the password comparisons (bcrypt) running at once.
	MaxHashing int `mapstructure:"max_hashing"`
	// RefusalDelay holds each throttled login's answer, slowing a guessing loop.
	RefusalDelay time.Duration `mapstructure:"refusal_delay"`
}

// Limits bound what one request may take from the server.
type Limits struct {
	MaxBodyBytes      int64         `mapstructure:"max_body_bytes"`
	MaxHeaderBytes    int           `mapstructure:"max_header_bytes"` // request line and headers
	ReadHeaderTimeout time.Duration `mapstructure:"read_header_timeout"`
	ReadTimeout       time.Duration `mapstructure:"read_timeout"` // the whole request, body included
	WriteTimeout      time.Duration `mapstructure:"write_timeout"`
	IdleTimeout       time.Duration `mapstructure:"idle_timeout"` // a kept-alive connection between requests
	// RequestTimeout bounds a handler's work (its database queries): past it the
	// request answers 503. It is below WriteTimeout so that the answer can still be written.
	RequestTimeout time.Duration `mapstructure:"request_timeout"`
	MaxPageSize    int           `mapstructure:"max_page_size"` // rows in one page of any list
	// MaxBufferedBodyBytes bounds the bodies held by all requests at once: each
	// is read whole before its request is authenticated.
	MaxBufferedBodyBytes int64 `mapstructure:"max_buffered_body_bytes"`
	MaxConnections       int   `mapstructure:"max_connections"` // open client connections at once
}

// RateLimit bounds the requests of each token or site key: PerSecond on
// average, Burst at once. PerSecond 0 turns it off.
type RateLimit struct {
	PerSecond float64 `mapstructure:"per_second"`
	Burst     int     `mapstructure:"burst"`
}

// DB says which database to use.
type DB struct {
	Driver string `mapstructure:"driver"` // sqlite or mysql
	DSN    string `mapstructure:"dsn"`    // a file path for sqlite, a go-sql-driver DSN for mysql
	// MaxOpenConns bounds one process's MySQL connections: processes × this
	// must stay below the server's max_connections. SQLite keeps its own 8.
	MaxOpenConns int `mapstructure:"max_open_conns"`
	// ConnMaxLifetime recycles MySQL connections, so that a failover or a
	// proxy in between never leaves a process on a dead server for long.
	ConnMaxLifetime time.Duration `mapstructure:"conn_max_lifetime"`
}

// Log configures the process log.
type Log struct {
	Level  string `mapstructure:"level"`  // debug, info, warn, error
	Format string `mapstructure:"format"` // json or text
}

// Dialects are the registered dialects' settings, by name.
type Dialects map[string]Dialect

// Dialect is one dialect's settings, under dialects.<its name>.
type Dialect struct {
	Enabled bool   `mapstructure:"enabled"`
	Prefix  string `mapstructure:"prefix"` // where its paths start
	// LoginTTL is how long a token issued by the dialect's login works; 0,
	// and no login_ttl key, for a dialect with no login of its own.
	LoginTTL time.Duration `mapstructure:"login_ttl"`
	// Upstream is the old vendor's base URL, where it serves the paths its
	// clients send (https://oa.example.com for /oa/crm/home): what the mirror
	// forwards to and compares with. Empty: served by crmgw alone, whatever
	// mirror.mode says.
	Upstream string `mapstructure:"upstream"`
}

// dialectDefaults are the settings each dialect declares for itself
// (RegisterDialect), by name: its keys are the only ones under dialects.
var dialectDefaults = map[string]Dialect{}

// RegisterDialect declares a dialect's keys and their defaults: enabled,
// prefix, and login_ttl when defaults.LoginTTL is set. A dialect whose
// default prefix is empty has paths of its own from the root (the doc's
// /api/v2/…) and may be served there; one with a default prefix needs one.
// It panics on a name declared twice, as two dialects cannot share keys.
func RegisterDialect(name string, defaults Dialect) {
	if _, dup := dialectDefaults[name]; dup {
		panic("config: dialect " + name + " registered twice")
	}
	dialectDefaults[name] = defaults
}

// defaults are the configuration of a bare `crmgw`.
var defaults = map[string]any{
	"listen":                         ":8080",
	"db.driver":                      "sqlite",
	"db.dsn":                         "./data/crmgw.db",
	"db.max_open_conns":              32,
	"db.conn_max_lifetime":           "5m",
	"timezone":                       "Asia/Shanghai",
	"log.level":                      "info",
	"log.format":                     "text",
	"shutdown_grace":                 "15s",
	"limits.max_body_bytes":          1 << 20,
	"limits.max_header_bytes":        64 << 10,
	"limits.read_header_timeout":     "10s",
	"limits.read_timeout":            "30s",
	"limits.write_timeout":           "60s",
	"limits.idle_timeout":            "120s",
	"limits.request_timeout":         "10s",
	"limits.max_page_size":           1000,
	"rate_limit.per_second":          0,
	"rate_limit.burst":               20,
	"admin.listen":                   "127.0.0.1:8081", // local: metrics are for the operator, not for clients
	"login.max_failures":             5,
	"login.max_failures_per_name":    100,
	"login.max_failures_per_address": 20,
	"login.failure_window":           "15m",
	"login.max_hashing":              2,
	"login.refusal_delay":            "1s",
	"mirror.mode":                    MirrorNormal,
	"mirror.apply_writes":            false,
	"mirror.timeout":                 "5s",
	"mirror.concurrency":             16,
	"mirror.retention":               "168h",
	"mirror.max_examples":            5,

	// What all requests together may hold, and whom to believe about a client's address.
	"limits.max_buffered_body_bytes": 64 << 20,
	"limits.max_connections":         1024,
	"trusted_proxies":                []string{},
}

// settings are every key with its default: the fixed ones and the
// registered dialects'.
func settings() map[string]any {
	all := maps.Clone(defaults)
	for name, d := range dialectDefaults {
		key := "dialects." + name + "."
		all[key+"enabled"], all[key+"prefix"], all[key+"upstream"] = d.Enabled, d.Prefix, ""
		if d.LoginTTL > 0 {
			all[key+"login_ttl"] = d.LoginTTL.String()
		}
	}
	return all
}

// Flags are the command-line flags that override configuration keys.
func Flags(fs *pflag.FlagSet) {
	fs.String("config", "", "configuration file (YAML)")
	fs.String("listen", "", "address to serve on (listen)")
	fs.String("db-driver", "", "database driver: sqlite or mysql (db.driver)")
	fs.String("db-dsn", "", "database file (sqlite) or DSN (mysql) (db.dsn)")
	fs.String("timezone", "", "time zone of new tenants (timezone)")
	fs.String("log-level", "", "debug, info, warn or error (log.level)")
	fs.String("admin-listen", "", "address of the admin listener, metrics and health; empty for none (admin.listen)")
}

var flagKeys = map[string]string{
	"listen": "listen", "db-driver": "db.driver", "db-dsn": "db.dsn",
	"timezone": "timezone", "log-level": "log.level", "admin-listen": "admin.listen",
}

// Load reads the configuration. fs may be nil; a flag counts only when set.
func Load(fs *pflag.FlagSet) (Config, error) {
	v := viper.New()
	for k, val := range settings() {
		v.SetDefault(k, val)
	}
	v.SetEnvPrefix("CRMGW")
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	v.AutomaticEnv()
	if fs != nil {
		if f := fs.Lookup("config"); f != nil && f.Value.String() != "" {
			v.SetConfigFile(f.Value.String())
			v.SetConfigType("yaml")
			if err := v.ReadInConfig(); err != nil {
				return Config{}, fmt.Errorf("config file %s: %w", f.Value.String(), err)
			}
		}
		for name, key := range flagKeys {
			if f := fs.Lookup(name); f != nil && f.Changed {
				v.Set(key, f.Value.String())
			}
		}
	}
	if err := strict(v); err != nil {
		return Config{}, err
	}
	var c Config
	if err := v.Unmarshal(&c); err != nil {
		// The decoder's report spans lines and names the key in quotes, a
		// dialect's as dialects[oa].login_ttl: keep it to one line, and name
		// the key as it is written.
		msg := dialectKey.ReplaceAllString(strings.Join(strings.Fields(err.Error()), " "), "dialects.$1")
		return Config{}, fmt.Errorf("config: %s", msg)
	}
	return c, c.Validate()
}

// dialectKey is how the decoder spells a dialect's keys: dialects[oa].
var dialectKey = regexp.MustCompile(`dialects\[([^\]]*)\]`)

// Environment names that are not settings: the test suite's own.
var reservedEnv = []string{"CRMGW_TEST_", "CRMGW_BENCH_"}

// strict refuses a key in the config file, or a CRMGW_ environment name, that
// is no setting: a misspelt one would otherwise be ignored in silence, and
// crmgw run on its default (db: {drvier: mysql} on SQLite).
func strict(v *viper.Viper) error {
	known := map[string]bool{}
	env := map[string]bool{}
	for k := range settings() {
		known[k] = true
		env[envName(k)] = true
	}
	var unknown []string
	for _, k := range v.AllKeys() {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		if name, ok := unknownDialect(unknown[0]); ok {
			return fmt.Errorf("config: dialects.%s: no such dialect (in %s; the dialects are %s)", name, v.ConfigFileUsed(), dialectNames())
		}
		return fmt.Errorf("config: %s: no such setting (in %s)", unknown[0], v.ConfigFileUsed())
	}
	var names []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "CRMGW_") && !env[name] && !slices.ContainsFunc(reservedEnv, func(p string) bool { return strings.HasPrefix(name, p) }) {
			names = append(names, name)
		}
	}
	if len(names) > 0 {
		sort.Strings(names)
		return fmt.Errorf("config: %s: no such setting (the environment's names are CRMGW_ and a key, such as CRMGW_DB_DRIVER)", names[0])
	}
	return nil
}

// unknownDialect is the name under dialects. of a key that names no
// registered dialect: "fivth" for dialects.fivth.prefix.
func unknownDialect(key string) (string, bool) {
	rest, found := strings.CutPrefix(key, "dialects.")
	if !found {
		return "", false
	}
	name, _, _ := strings.Cut(rest, ".")
	_, known := dialectDefaults[name]
	return name, !known
}

// dialectNames lists the registered dialects, for a message.
func dialectNames() string {
	return strings.Join(slices.Sorted(maps.Keys(dialectDefaults)), ", ")
}

// envName is the environment variable of a key: db.max_open_conns is CRMGW_DB_MAX_OPEN_CONNS.
func envName(key string) string {
	return "CRMGW_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// Validate reports the first invalid key, naming it.
func (c Config) Validate() error {
	if _, port, err := net.SplitHostPort(c.Listen); err != nil || !validPort(port) {
		return fmt.Errorf("config: listen: %q is not host:port", c.Listen)
	}
	if a := c.Admin.Listen; a != "" {
		if _, port, err := net.SplitHostPort(a); err != nil || !validPort(port) {
			return fmt.Errorf("config: admin.listen: %q is not host:port", a)
		} else if a == c.Listen && port != "0" {
			return fmt.Errorf("config: admin.listen: %q is listen's address too", a)
		}
	}
	switch c.DB.Driver {
	case "sqlite", "mysql":
	default:
		return fmt.Errorf("config: db.driver: %q is not sqlite or mysql", c.DB.Driver)
	}
	if c.DB.DSN == "" {
		return errors.New("config: db.dsn: is empty")
	}
	if c.DB.MaxOpenConns < 1 {
		return fmt.Errorf("config: db.max_open_conns: %d is less than 1", c.DB.MaxOpenConns)
	}
	if c.DB.ConnMaxLifetime <= 0 {
		return fmt.Errorf("config: db.conn_max_lifetime: %s is not a positive duration", c.DB.ConnMaxLifetime)
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "" {
		return fmt.Errorf("config: timezone: %q is not a time zone", c.TimeZone)
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.Log.Level)); err != nil {
		return fmt.Errorf("config: log.level: %q is not debug, info, warn or error", c.Log.Level)
	}
	if c.Log.Format != "json" && c.Log.Format != "text" {
		return fmt.Errorf("config: log.format: %q is not json or text", c.Log.Format)
	}
	if c.ShutdownGrace <= 0 {
		return fmt.Errorf("config: shutdown_grace: %s is not a positive duration", c.ShutdownGrace)
	}
	if err := c.Limits.validate(); err != nil {
		return err
	}
	if _, err := c.parseTrustedProxies(); err != nil {
		return err
	}
	if c.RateLimit.PerSecond < 0 {
		return fmt.Errorf("config: rate_limit.per_second: %v is negative", c.RateLimit.PerSecond)
	}
	if c.RateLimit.PerSecond > 0 && c.RateLimit.Burst < 1 {
		return fmt.Errorf("config: rate_limit.burst: %d is less than 1", c.RateLimit.Burst)
	}
	for _, n := range []struct {
		key string
		n   int
	}{{"max_failures", c.Login.MaxFailures}, {"max_failures_per_name", c.Login.MaxFailuresPerName},
		{"max_failures_per_address", c.Login.MaxFailuresPerAddress}, {"max_hashing", c.Login.MaxHashing}} {
		if n.n < 1 {
			return fmt.Errorf("config: login.%s: %d is less than 1", n.key, n.n)
		}
	}
	if c.Login.FailureWindow <= 0 {
		return fmt.Errorf("config: login.failure_window: %s is not a positive duration", c.Login.FailureWindow)
	}
	if c.Login.RefusalDelay < 0 || c.Login.RefusalDelay >= c.Limits.RequestTimeout {
		return fmt.Errorf("config: login.refusal_delay: %s is not between 0 and limits.request_timeout", c.Login.RefusalDelay)
	}
	if err := c.Mirror.validate(); err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(dialectDefaults)) {
		if err := c.Dialects[name].validate(name); err != nil {
			return err
		}
	}
	return nil
}

func (m Mirror) validate() error {
	switch m.Mode {
	case MirrorNormal, MirrorProxy, MirrorDiffProxy, MirrorDiffNormal:
	default:
		return fmt.Errorf("config: mirror.mode: %q is not normal, proxy, diff-proxy or diff-normal", m.Mode)
	}
	if m.Timeout <= 0 {
		return fmt.Errorf("config: mirror.timeout: %s is not a positive duration", m.Timeout)
	}
	if m.Concurrency < 1 {
		return fmt.Errorf("config: mirror.concurrency: %d is less than 1", m.Concurrency)
	}
	if m.Retention <= 0 {
		return fmt.Errorf("config: mirror.retention: %s is not a positive duration", m.Retention)
	}
	if m.MaxExamples < 0 {
		return fmt.Errorf("config: mirror.max_examples: %d is negative", m.MaxExamples)
	}
	return nil
}

// minPageSize is the largest page a dialect serves when the client names none
// (the OA's 20): a smaller max_page_size would fail every such request.
const minPageSize = 20

func (l Limits) validate() error {
	for _, n := range []struct {
		key string
		n   int64
	}{{"max_body_bytes", l.MaxBodyBytes}, {"max_header_bytes", int64(l.MaxHeaderBytes)}, {"max_page_size", int64(l.MaxPageSize)},
		{"max_buffered_body_bytes", l.MaxBufferedBodyBytes}, {"max_connections", int64(l.MaxConnections)}} {
		if n.n <= 0 {
			return fmt.Errorf("config: limits.%s: %d is not positive", n.key, n.n)
		}
	}
	for _, d := range []struct {
		key string
		d   time.Duration
	}{{"read_header_timeout", l.ReadHeaderTimeout}, {"read_timeout", l.ReadTimeout}, {"write_timeout", l.WriteTimeout},
		{"idle_timeout", l.IdleTimeout}, {"request_timeout", l.RequestTimeout}} {
		if d.d <= 0 {
			return fmt.Errorf("config: limits.%s: %s is not a positive duration", d.key, d.d)
		}
	}
	if l.MaxPageSize < minPageSize {
		return fmt.Errorf("config: limits.max_page_size: %d is below %d, the page size the dialects' clients get by default", l.MaxPageSize, minPageSize)
	}
	if l.MaxBufferedBodyBytes < l.MaxBodyBytes {
		return fmt.Errorf("config: limits.max_buffered_body_bytes: %d is below limits.max_body_bytes (%d), so a body within that limit could never be read",
			l.MaxBufferedBodyBytes, l.MaxBodyBytes)
	}
	// The write deadline runs from the end of the headers: the body (up to
	// read_timeout) and the handler (up to request_timeout) must fit in it with
	// time to write the answer.
	if l.ReadTimeout+l.RequestTimeout >= l.WriteTimeout {
		return fmt.Errorf("config: limits.write_timeout: %s must exceed limits.read_timeout + limits.request_timeout (%s), or an answer could not be written",
			l.WriteTimeout, l.ReadTimeout+l.RequestTimeout)
	}
	return nil
}

// validate checks the settings of the dialect registered as name.
func (d Dialect) validate(name string) error {
	key, defaults := "dialects."+name, dialectDefaults[name]
	if d.Prefix != "" || defaults.Prefix != "" { // empty: the dialect's own paths, from the root
		if !strings.HasPrefix(d.Prefix, "/") || strings.HasSuffix(d.Prefix, "/") || strings.ContainsAny(d.Prefix, " ?#:*") {
			return fmt.Errorf("config: %s.prefix: %q must start with / and not end with one", key, d.Prefix)
		}
	}
	if defaults.LoginTTL > 0 && d.LoginTTL <= 0 {
		return fmt.Errorf("config: %s.login_ttl: %s is not a positive duration", key, d.LoginTTL)
	}
	if d.Upstream != "" {
		// The client's path and query are appended as sent: a base with a
		// query, a fragment or a trailing slash would garble them.
		u, err := url.Parse(d.Upstream)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" ||
			strings.HasSuffix(u.Path, "/") || u.User != nil {
			return fmt.Errorf("config: %s.upstream: %q is not an http(s) base URL without credentials, query or trailing slash", key, d.Upstream)
		}
	}
	return nil
}

// LogLevel is the configured slog level.
func (c Config) LogLevel() slog.Level {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.Log.Level)) // checked by Validate
	return lvl
}

// TrustedProxyNets are the trusted_proxies as networks, an IP its own one.
func (c Config) TrustedProxyNets() []*net.IPNet {
	nets, _ := c.parseTrustedProxies() // checked by Validate
	return nets
}

func (c Config) parseTrustedProxies() ([]*net.IPNet, error) {
	nets := make([]*net.IPNet, 0, len(c.TrustedProxies))
	for _, p := range c.TrustedProxies {
		p = strings.TrimSpace(p)
		if ip := net.ParseIP(p); ip != nil {
			if ip4 := ip.To4(); ip4 != nil {
				ip = ip4
			}
			bits := 8 * len(ip)
			nets = append(nets, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			continue
		}
		_, n, err := net.ParseCIDR(p)
		if err != nil {
			return nil, fmt.Errorf("config: trusted_proxies: %q is not an IP address or CIDR", p)
		}
		nets = append(nets, n)
	}
	return nets, nil
}

func validPort(p string) bool {
	n, err := strconv.Atoi(p)
	return err == nil && n >= 0 && n <= 65535
}
