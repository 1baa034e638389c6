package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// crmgw import qcy reads a tenant from a server speaking the WebApi (here a
// crmgw with the demo tenant), logged in through Token/Get or with a token;
// prints its summary per kind, writes nothing on a dry run and nothing more
// on a second run; and asks for a token or a whole login.
func TestImportQCYCommand(t *testing.T) {
	dir := t.TempDir()
	v := newDemoVendor(t, dir)
	vendor, token := v.server, v.token
	demo, err := v.svc.FindTenant(t.Context(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	if err := v.svc.SetPassword(t.Context(), demo.ID, "zhangsan", "s3cret"); err != nil {
		t.Fatal(err)
	}

	dsn := filepath.Join(dir, "crmgw.db")
	if _, err := run(t, dsn, "", "tenant", "add", "--tenant", "acme"); err != nil {
		t.Fatal(err)
	}
	login := []string{"--org-id", strconv.FormatUint(demo.ID, 10), "--login", "zhangsan", "--password", "s3cret"}
	imp := func(extra ...string) (string, error) {
		return runStderr(t, dsn, append([]string{"import", "qcy", "--tenant", "acme", "--url", vendor.URL + "/"}, extra...)...)
	}
	summary, err := imp(append(login, "--dry-run")...)
	if err != nil || !strings.Contains(summary, "dry run") || !regexpMatch(summary, `customer\s+6\s+6\s+0\s+0`) {
		t.Fatalf("dry run: %v\n%s", err, summary)
	}
	summary, err = imp(login...)
	if err != nil || !regexpMatch(summary, `customer\s+6\s+6\s+0\s+0`) || !regexpMatch(summary, `contact\s+6\s+6\s+0\s+0`) {
		t.Fatalf("import: %v\n%s", err, summary)
	}
	summary, err = imp("--token", token)
	if err != nil || !regexpMatch(summary, `customer\s+6\s+0\s+6\s+0`) || !regexpMatch(summary, `contact\s+6\s+0\s+6\s+0`) {
		t.Fatalf("second import: %v\n%s", err, summary)
	}
	for _, args := range [][]string{{}, {"--login", "zhangsan", "--password", "s3cret"}, {"--token", token, "--login", "zhangsan"}} {
		if _, err := imp(args...); err == nil || !strings.Contains(err.Error(), "--token") {
			t.Errorf("an import with %q ran: %v", args, err)
		}
	}
	if _, err := imp("--token", "not-a-token"); err == nil || !strings.Contains(err.Error(), "21332") {
		t.Errorf("an import with a token the WebApi refuses: %v", err)
	}
	if _, err := imp(append(login[:4:4], "--password", "wrong")...); err == nil || !strings.Contains(err.Error(), "21301") {
		t.Errorf("an import with a password the WebApi refuses: %v", err)
	}
}
