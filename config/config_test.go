// The tests read the dialects' keys as their packages declare them.
package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	_ "crmgw/adapters/oa"
	_ "crmgw/adapters/yunzmall"
	"crmgw/config"
)

// nologin is a dialect without a login of its own: it has no login_ttl key.
func init() { config.RegisterDialect("nologin", config.Dialect{Enabled: true}) }

func flags(t *testing.T, args ...string) *pflag.FlagSet {
	t.Helper()
	fs := pflag.NewFlagSet("crmgw", pflag.ContinueOnError)
	config.Flags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestDefaults(t *testing.T) {
	c, err := config.Load(flags(t))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != ":8080" || c.DB.Driver != "sqlite" || c.DB.DSN != "./data/crmgw.db" || c.TimeZone != "Asia/Shanghai" ||
		c.Log.Level != "info" || !c.Dialects["oa"].Enabled || c.Dialects["oa"].Prefix != "/oa" {
		t.Fatalf("defaults = %+v", c)
	}
}

// Defaults < file < environment < flags, key by key.
func TestPrecedence(t *testing.T) {
	file := filepath.Join(t.TempDir(), "crmgw.yaml")
	yaml := "listen: \":7000\"\ndb:\n  driver: mysql\n  dsn: from-file\ntimezone: Europe/Berlin\nlog:\n  level: warn\ndialects:\n  oa:\n    prefix: /legacy/oa\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CRMGW_DB_DSN", "from-env")
	t.Setenv("CRMGW_TIMEZONE", "UTC")
	t.Setenv("CRMGW_LOG_LEVEL", "debug")
	c, err := config.Load(flags(t, "--config", file, "--log-level", "error"))
	if err != nil {
		t.Fatal(err)
	}
	for key, got := range map[string][2]string{
		"listen (file)":              {c.Listen, ":7000"},
		"db.driver (file)":           {c.DB.Driver, "mysql"},
		"db.dsn (env over file)":     {c.DB.DSN, "from-env"},
		"timezone (env over file)":   {c.TimeZone, "UTC"},
		"log.level (flag over env)":  {c.Log.Level, "error"},
		"dialects.oa.prefix (file)":  {c.Dialects["oa"].Prefix, "/legacy/oa"},
		"dialects.oa.enabled (dflt)": {map[bool]string{true: "true", false: "false"}[c.Dialects["oa"].Enabled], "true"},
	} {
		if got[0] != got[1] {
			t.Errorf("%s = %q, want %q", key, got[0], got[1])
		}
	}
}

func TestInvalidConfigurationNamesTheKey(t *testing.T) {
	for env, key := range map[string]string{
		"CRMGW_DB_DRIVER":             "db.driver",
		"CRMGW_LISTEN":                "listen",
		"CRMGW_TIMEZONE":              "timezone",
		"CRMGW_LOG_LEVEL":             "log.level",
		"CRMGW_DIALECTS_OA_PREFIX":    "dialects.oa.prefix",
		"CRMGW_DIALECTS_OA_LOGIN_TTL": "dialects.oa.login_ttl",
	} {
		t.Run(key, func(t *testing.T) {
			t.Setenv(env, "not/valid:x")
			_, err := config.Load(flags(t))
			if err == nil || !strings.Contains(err.Error(), key) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("%s=bad: %v, want one line naming %s", env, err, key)
			}
		})
	}
}

func TestLimitsAreChecked(t *testing.T) {
	for _, c := range []struct{ env, value, key string }{
		{"CRMGW_LIMITS_MAX_BODY_BYTES", "0", "limits.max_body_bytes"},
		{"CRMGW_LIMITS_MAX_PAGE_SIZE", "19", "limits.max_page_size"},
		{"CRMGW_LIMITS_IDLE_TIMEOUT", "0s", "limits.idle_timeout"},
		{"CRMGW_LIMITS_READ_TIMEOUT", "55s", "limits.write_timeout"}, // 55s + 10s leaves no time to answer within 60s
		{"CRMGW_RATE_LIMIT_PER_SECOND", "-1", "rate_limit.per_second"},
		{"CRMGW_DB_MAX_OPEN_CONNS", "0", "db.max_open_conns"},
		{"CRMGW_ADMIN_LISTEN", "8081", "admin.listen"},
		{"CRMGW_ADMIN_LISTEN", ":8080", "admin.listen"}, // listen's
		{"CRMGW_LOGIN_MAX_FAILURES", "0", "login.max_failures"},
		{"CRMGW_LOGIN_MAX_FAILURES_PER_NAME", "0", "login.max_failures_per_name"},
		{"CRMGW_LOGIN_MAX_FAILURES_PER_ADDRESS", "0", "login.max_failures_per_address"},
		{"CRMGW_LOGIN_FAILURE_WINDOW", "0s", "login.failure_window"},
		{"CRMGW_LOGIN_MAX_HASHING", "0", "login.max_hashing"},
		{"CRMGW_LOGIN_REFUSAL_DELAY", "-1s", "login.refusal_delay"},
		{"CRMGW_LIMITS_MAX_CONNECTIONS", "0", "limits.max_connections"},
		{"CRMGW_LIMITS_MAX_BUFFERED_BODY_BYTES", "0", "limits.max_buffered_body_bytes"},
		{"CRMGW_LIMITS_MAX_BUFFERED_BODY_BYTES", "1000000", "limits.max_buffered_body_bytes"}, // below max_body_bytes
		{"CRMGW_TRUSTED_PROXIES", "10.0.0.0/33", "trusted_proxies"},
		{"CRMGW_TRUSTED_PROXIES", "10.0.0.1,proxy.internal", "trusted_proxies"},
		{"CRMGW_MIRROR_MODE", "shadow", "mirror.mode"},
		{"CRMGW_MIRROR_TIMEOUT", "0s", "mirror.timeout"},
		{"CRMGW_MIRROR_CONCURRENCY", "0", "mirror.concurrency"},
		{"CRMGW_MIRROR_RETENTION", "0s", "mirror.retention"},
		{"CRMGW_MIRROR_MAX_EXAMPLES", "-1", "mirror.max_examples"},
		{"CRMGW_DIALECTS_OA_UPSTREAM", "oa.example.com", "dialects.oa.upstream"},          // no scheme
		{"CRMGW_DIALECTS_OA_UPSTREAM", "https://oa.example.com/", "dialects.oa.upstream"}, // the path would be //oa/…
		{"CRMGW_DIALECTS_OA_UPSTREAM", "https://u:p@oa.example.com", "dialects.oa.upstream"},
	} {
		t.Run(c.env, func(t *testing.T) {
			t.Setenv(c.env, c.value)
			_, err := config.Load(flags(t))
			if err == nil || !strings.Contains(err.Error(), c.key) {
				t.Fatalf("%s=%s: %v, want an error naming %s", c.env, c.value, err, c.key)
			}
		})
	}
}

// trusted_proxies takes IPs and CIDRs, comma-separated in the environment;
// none are trusted by default.
func TestTrustedProxies(t *testing.T) {
	c, err := config.Load(flags(t))
	if err != nil {
		t.Fatal(err)
	}
	if nets := c.TrustedProxyNets(); len(nets) != 0 {
		t.Fatalf("trusted by default: %v", nets)
	}
	t.Setenv("CRMGW_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.7,::1")
	if c, err = config.Load(flags(t)); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, n := range c.TrustedProxyNets() {
		got = append(got, n.String())
	}
	if strings.Join(got, " ") != "10.0.0.0/8 192.168.1.7/32 ::1/128" {
		t.Fatalf("trusted_proxies = %v", got)
	}
}

// The limits on what all requests hold together default to 64 MiB of bodies and 1024 connections.
func TestSharedLimitsDefaults(t *testing.T) {
	c, err := config.Load(flags(t))
	if err != nil {
		t.Fatal(err)
	}
	if c.Limits.MaxBufferedBodyBytes != 64<<20 || c.Limits.MaxConnections != 1024 {
		t.Fatalf("limits = %+v", c.Limits)
	}
}

// The mirror is off by default; its keys and each dialect's upstream are read
// from the environment as any other.
func TestMirrorSettings(t *testing.T) {
	c, err := config.Load(flags(t))
	if err != nil {
		t.Fatal(err)
	}
	if c.Mirror.Mode != config.MirrorNormal || c.Mirror.ApplyWrites || c.Mirror.Timeout != 5*time.Second ||
		c.Mirror.Concurrency != 16 || c.Mirror.Retention != 7*24*time.Hour || c.Mirror.MaxExamples != 5 || c.Dialects["oa"].Upstream != "" {
		t.Fatalf("mirror defaults = %+v, oa %+v", c.Mirror, c.Dialects["oa"])
	}
	t.Setenv("CRMGW_MIRROR_MODE", "diff-proxy")
	t.Setenv("CRMGW_MIRROR_APPLY_WRITES", "true")
	t.Setenv("CRMGW_DIALECTS_OA_UPSTREAM", "https://oa.example.com/base")
	if c, err = config.Load(flags(t)); err != nil {
		t.Fatal(err)
	}
	if c.Mirror.Mode != config.MirrorDiffProxy || !c.Mirror.ApplyWrites || c.Dialects["oa"].Upstream != "https://oa.example.com/base" {
		t.Fatalf("mirror = %+v, oa %+v", c.Mirror, c.Dialects["oa"])
	}
}

// A misspelt key, in the file or the environment, stops start-up naming it:
// ignored, it would leave crmgw on the default it was meant to change.
func TestUnknownSettingsAreRefused(t *testing.T) {
	file := filepath.Join(t.TempDir(), "crmgw.yaml")
	if err := os.WriteFile(file, []byte("db:\n  drvier: mysql\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := config.Load(flags(t, "--config", file))
	if err == nil || !strings.Contains(err.Error(), "db.drvier") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("db.drvier in the file: %v, want one line naming it", err)
	}

	t.Setenv("CRMGW_DB_DRIVR", "mysql")
	_, err = config.Load(flags(t))
	if err == nil || !strings.Contains(err.Error(), "CRMGW_DB_DRIVR") {
		t.Fatalf("CRMGW_DB_DRIVR: %v, want an error naming it", err)
	}
	os.Unsetenv("CRMGW_DB_DRIVR")

	// Every setting's own name is known, and the test suite's are left alone.
	t.Setenv("CRMGW_LIMITS_MAX_BUFFERED_BODY_BYTES", "2097152")
	t.Setenv("CRMGW_TEST_MYSQL_DSN", "root@tcp(127.0.0.1:3306)/")
	t.Setenv("CRMGW_BENCH_CONTRACTS", "100")
	if _, err := config.Load(flags(t)); err != nil {
		t.Fatal(err)
	}
}

// A dialect's keys are those its package declares: a dialect that is not
// registered, or a key it has not, stops start-up naming it, in the file and
// in the environment.
func TestDialectKeysAreTheDialects(t *testing.T) {
	c, err := config.Load(flags(t))
	if err != nil {
		t.Fatal(err)
	}
	if yz := c.Dialects["yunzmall"]; !yz.Enabled || yz.Prefix != "" || yz.LoginTTL != 7*24*time.Hour {
		t.Fatalf("yunzmall = %+v, want enabled, from the root, its logins' tokens working a week", yz)
	}
	if nl := c.Dialects["nologin"]; !nl.Enabled || nl.LoginTTL != 0 {
		t.Fatalf("nologin = %+v, want enabled, with no login", nl)
	}
	for yaml, want := range map[string]string{
		"dialects:\n  fivth:\n    prefix: /x\n":      "config: dialects.fivth: no such dialect",
		"dialects:\n  nologin:\n    login_ttl: 1h\n": "config: dialects.nologin.login_ttl: no such setting",
		"dialects:\n  oa:\n    prefx: /x\n":          "config: dialects.oa.prefx: no such setting",
	} {
		file := filepath.Join(t.TempDir(), "crmgw.yaml")
		if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := config.Load(flags(t, "--config", file)); err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%q: %v, want %s", yaml, err, want)
		}
	}
	for _, name := range []string{"CRMGW_DIALECTS_FIVTH_PREFIX", "CRMGW_DIALECTS_NOLOGIN_LOGIN_TTL"} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, "1h")
			if _, err := config.Load(flags(t)); err == nil || !strings.HasPrefix(err.Error(), "config: "+name+": no such setting") {
				t.Fatalf("%s: %v, want an error naming it", name, err)
			}
		})
	}
}

// A dialect with paths of its own from the root may be served there; the OA,
// whose default prefix is all its paths have in common, may not.
func TestEmptyPrefixIsTheDialectsChoice(t *testing.T) {
	for yaml, want := range map[string]string{
		"dialects:\n  yunzmall:\n    prefix: \"\"\n": "",
		"dialects:\n  oa:\n    prefix: \"\"\n":       `config: dialects.oa.prefix: "" must start with /`,
	} {
		file := filepath.Join(t.TempDir(), "crmgw.yaml")
		if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := config.Load(flags(t, "--config", file))
		if want == "" && err != nil || want != "" && (err == nil || !strings.HasPrefix(err.Error(), want)) {
			t.Errorf("%q: %v, want %q", yaml, err, want)
		}
	}
}
