package main

import (
	"bytes"
	"io"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"crmgw/app"
	"crmgw/config"
	"crmgw/core"
)

// runStderr is run, answering what the command wrote to standard error too.
func runStderr(t *testing.T, dsn string, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCmd()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(append(args, "--db-dsn", dsn))
	err := cmd.Execute()
	return errOut.String(), err
}

// demoVendor is a crmgw with the demo tenant, standing in for an old vendor.
type demoVendor struct {
	server *httptest.Server
	svc    *core.Service
	token  string // the demo user zhangsan's
}

// newDemoVendor seeds the demo tenant into a database in dir and serves it until t ends.
func newDemoVendor(t *testing.T, dir string) demoVendor {
	t.Helper()
	dsn := filepath.Join(dir, "vendor.db")
	out, err := run(t, dsn, "", "seed", "demo")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	db, err := core.Open(core.DriverSQLite, dsn, core.Pool{}, core.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(nil)
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(cfg, db, app.Seams{Logs: io.Discard})
	server := httptest.NewServer(a.Gateway.Handler())
	t.Cleanup(server.Close)
	return demoVendor{server: server, svc: a.Service, token: lines[len(lines)-1]}
}

// crmgw import oa reads a tenant from a server speaking the OA (here a
// crmgw with the demo tenant), prints its summary per kind, writes nothing
// on a dry run and nothing more on a second run, and asks for a token or a
// login.
func TestImportOACommand(t *testing.T) {
	dir := t.TempDir()
	v := newDemoVendor(t, dir)
	vendor, token := v.server, v.token

	dsn := filepath.Join(dir, "crmgw.db")
	if _, err := run(t, dsn, "", "tenant", "add", "--tenant", "acme"); err != nil {
		t.Fatal(err)
	}
	imp := func(extra ...string) (string, error) {
		return runStderr(t, dsn, append([]string{"import", "oa", "--tenant", "acme", "--url", vendor.URL + "/", "--token", token}, extra...)...)
	}
	summary, err := imp("--dry-run")
	if err != nil || !strings.Contains(summary, "dry run") || !regexpMatch(summary, `contract\s+6\s+6\s+0\s+0`) {
		t.Fatalf("dry run: %v\n%s", err, summary)
	}
	summary, err = imp()
	if err != nil || !regexpMatch(summary, `contract\s+6\s+6\s+0\s+0`) || !regexpMatch(summary, `customer\s+6\s+6\s+0\s+0`) {
		t.Fatalf("import: %v\n%s", err, summary)
	}
	summary, err = imp()
	if err != nil || !regexpMatch(summary, `contract\s+6\s+0\s+6\s+0`) {
		t.Fatalf("second import: %v\n%s", err, summary)
	}
	if _, err := runStderr(t, dsn, "import", "oa", "--tenant", "acme", "--url", vendor.URL); err == nil {
		t.Error("an import without a token or a login ran")
	}
	if _, err := imp("--token", "not-a-token"); err == nil {
		t.Error("an import with a token the OA refuses succeeded")
	}
}

func regexpMatch(s, pattern string) bool { return regexp.MustCompile(pattern).MatchString(s) }

// Each import run is recorded with its tenant, kind, dry run, counts and
// error; a request that failed is recorded without the token of its query.
func TestImportRunsAreRecorded(t *testing.T) {
	dir := t.TempDir()
	v := newDemoVendor(t, dir)
	dsn := filepath.Join(dir, "crmgw.db")
	if _, err := run(t, dsn, "", "tenant", "add", "--tenant", "acme"); err != nil {
		t.Fatal(err)
	}
	if _, err := runStderr(t, dsn, "import", "oa", "--tenant", "acme", "--url", v.server.URL, "--token", v.token, "--dry-run"); err != nil {
		t.Fatal(err)
	}
	dead := httptest.NewServer(nil)
	dead.Close()
	summary, err := runStderr(t, dsn, "import", "oa", "--tenant", "acme", "--url", dead.URL, "--token", "the-vendors-secret")
	if err == nil || strings.Contains(err.Error()+summary, "the-vendors-secret") {
		t.Fatalf("an import from a dead server: %v, printing its token: %s", err, summary)
	}

	db, err := core.Open(core.DriverSQLite, dsn, core.Pool{}, core.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	runs, err := core.NewService(db, core.Options{}).ImportRuns(t.Context(), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 {
		t.Fatalf("%d runs recorded, want 2", len(runs))
	}
	failed, dry := runs[0], runs[1]
	if failed.Kind != "oa" || failed.DryRun || failed.FinishedAt == nil || failed.TenantName != "acme" ||
		!strings.Contains(failed.Error, dead.URL) || strings.Contains(failed.Error, "the-vendors-secret") {
		t.Fatalf("the failed run: %+v", failed)
	}
	contracts := 0
	for _, c := range dry.Counts {
		if c.Kind == core.ImportContract {
			contracts = c.Read
		}
	}
	if !dry.DryRun || dry.Error != "" || dry.FinishedAt == nil || contracts != 6 {
		t.Fatalf("the dry run: %+v", dry)
	}
}
