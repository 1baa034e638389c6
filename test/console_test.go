package test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"crmgw/core"
)

// browserEnv is set where the browser test must run (CI): then a missing
// node, chromium or playwright-core fails it instead of skipping it. It is
// a CRMGW_TEST_ name, which the configuration leaves to the test suite.
const browserEnv = "CRMGW_TEST_BROWSER"

// chromiumPath is Debian's chromium, which the browser test drives.
const chromiumPath = "/usr/bin/chromium"

// needBrowser skips (or, under CRMGW_TEST_BROWSER=1, fails) a test that
// has no node, chromium or playwright-core (npm ci in test/console) to run.
func needBrowser(t *testing.T) {
	t.Helper()
	var missing []string
	if _, err := exec.LookPath("node"); err != nil {
		missing = append(missing, "node")
	}
	if _, err := os.Stat(chromiumPath); err != nil {
		missing = append(missing, chromiumPath)
	}
	if _, err := os.Stat("console/node_modules/playwright-core/package.json"); err != nil {
		missing = append(missing, "playwright-core (npm ci in test/console)")
	}
	switch {
	case len(missing) == 0:
	case os.Getenv(browserEnv) == "1":
		t.Fatalf("%s=1, and the browser test lacks %s", browserEnv, strings.Join(missing, ", "))
	default:
		t.Skipf("no %s: the browser test is skipped (%s=1 makes that a failure)", strings.Join(missing, ", "), browserEnv)
	}
}

// The console in chromium: log in, read the diff report of a mirrored run
// and one field's examples, revoke a token, read every other page, log out;
// a screenshot of each page is kept in the test's artifact directory.
func TestConsoleInABrowser(t *testing.T) {
	needBrowser(t)
	eachEngine(t, func(e *env) {
		t := e.t
		ctx := context.Background()
		admin, _, err := e.svc.AddAdminToken(ctx, "ops", "")
		e.must(err)
		tenant, err := e.svc.EnsureTenant(ctx, "acme")
		e.must(err)
		user, err := e.svc.EnsureUser(ctx, tenant.ID, "zhangsan", 0)
		e.must(err)
		kept, err := e.svc.RegisterToken(ctx, tenant.ID, user.ID, "console-kept-token")
		e.must(err)
		revoked, err := e.svc.RegisterToken(ctx, tenant.ID, user.ID, "console-revoked-token")
		e.must(err)
		tokens, err := e.svc.ListTokens(ctx, tenant.ID)
		e.must(err)
		if len(tokens) != 2 {
			t.Fatalf("tokens: %+v", tokens)
		}
		e.get("/oa/crm/home?access_token=" + kept) // traffic for its page

		const endpoint, field = "/oa/crm/home", "data.monthdeal"
		for i, c := range []core.Comparison{
			{Result: core.MirrorIdentical},
			{Result: core.MirrorDifferent, Diffs: []core.FieldDiff{{Path: field, Upstream: "214000.5", Local: "214001.5"}}},
			{Result: core.MirrorError, Error: "upstream status 502"},
		} {
			c.Dialect, c.Endpoint, c.At = "oa", endpoint, now.Add(time.Duration(i)*time.Second)
			e.must(e.svc.RecordComparison(ctx, c, 10))
		}

		admin0 := httptest.NewServer(e.gw.AdminHandler())
		defer admin0.Close()
		check, err := json.Marshal(map[string]any{
			"tenant": tenant.ID, "revoke": tokens[1].ID, "secrets": []string{admin, kept, revoked},
			"diff": map[string]string{"dialect": "oa", "endpoint": endpoint, "path": field, "upstream": "214000.5", "local": "214001.5"},
		})
		e.must(err)
		shots := t.ArtifactDir()
		runCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(runCtx, "node", "console/console.mjs")
		cmd.Env = append(os.Environ(), "CONSOLE_URL="+admin0.URL, "CONSOLE_TOKEN="+admin, "CONSOLE_SHOTS="+shots, "CONSOLE_CHECK="+string(check))
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		runErr := cmd.Run()
		sc := bufio.NewScanner(&stdout)
		for sc.Scan() {
			if shot, ok := strings.CutPrefix(sc.Text(), "screenshot: "); ok {
				t.Log("screenshot:", shot)
			}
		}
		if runErr != nil {
			t.Fatalf("console.mjs: %v\n%s%s", runErr, stdout.String(), stderr.String())
		}
		if _, err := e.svc.Authenticate(ctx, revoked); core.ErrorCode(err) != core.EUNAUTHORIZED {
			t.Errorf("the token revoked in the browser: %v, want unauthorized", err)
		}
		if _, err := e.svc.Authenticate(ctx, kept); err != nil {
			t.Errorf("the other token: %v", err)
		}
	})
}
