package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// crmgw import ikcrm reads a tenant from a server speaking the ikcrm's open
// API (here a crmgw with the demo tenant), prints its summary per kind,
// writes nothing on a dry run and nothing more on a second run, and asks for
// a token.
func TestImportIkcrmCommand(t *testing.T) {
	dir := t.TempDir()
	v := newDemoVendor(t, dir)
	vendor, token := v.server, v.token

	dsn := filepath.Join(dir, "crmgw.db")
	if _, err := run(t, dsn, "", "tenant", "add", "--tenant", "acme"); err != nil {
		t.Fatal(err)
	}
	imp := func(extra ...string) (string, error) {
		return runStderr(t, dsn, append([]string{"import", "ikcrm", "--tenant", "acme", "--url", vendor.URL + "/", "--token", token}, extra...)...)
	}
	summary, err := imp("--dry-run")
	if err != nil || !strings.Contains(summary, "dry run") || !regexpMatch(summary, `follow-up\s+6\s+6\s+0\s+0`) {
		t.Fatalf("dry run: %v\n%s", err, summary)
	}
	summary, err = imp()
	if err != nil || !regexpMatch(summary, `contract\s+6\s+6\s+0\s+0`) || !regexpMatch(summary, `customer\s+6\s+6\s+0\s+0`) ||
		!regexpMatch(summary, `user\s+3\s+3\s+0\s+0`) || !regexpMatch(summary, `payment\s+6\s+6\s+0\s+0`) {
		t.Fatalf("import: %v\n%s", err, summary)
	}
	summary, err = imp()
	if err != nil || !regexpMatch(summary, `contract\s+6\s+0\s+6\s+0`) || !regexpMatch(summary, `follow-up\s+6\s+0\s+6\s+0`) {
		t.Fatalf("second import: %v\n%s", err, summary)
	}
	if _, err := runStderr(t, dsn, "import", "ikcrm", "--tenant", "acme", "--url", vendor.URL); err == nil {
		t.Error("an import without a token ran")
	}
	if _, err := imp("--token", "not-a-token"); err == nil {
		t.Error("an import with a token the ikcrm refuses succeeded")
	}
}
