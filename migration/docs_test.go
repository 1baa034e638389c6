package migration_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"crmgw/migration"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the sheets' tables of docs/migration.md from migration.Kinds")

// The marks around the generated tables in docs/migration.md.
const (
	docTableStart = "<!-- sheets: generated from migration.Kinds by `go test ./migration -run TestDocsTable -update-docs` -->\n"
	docTableEnd   = "<!-- end of the generated sheets -->\n"
)

// docs/migration.md lists the sheets and columns as Kinds declares them: the
// doc cannot drift from what the import reads.
func TestDocsTable(t *testing.T) {
	path := filepath.Join("..", "docs", "migration.md")
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	before, rest, found := strings.Cut(string(doc), docTableStart)
	_, after, ended := strings.Cut(rest, docTableEnd)
	if !found || !ended {
		t.Fatalf("%s: no sheets' tables between %q and %q", path, docTableStart, docTableEnd)
	}
	want := before + docTableStart + migration.DocsTable() + docTableEnd + after
	if *updateDocs {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want != string(doc) {
		t.Errorf("%s: its sheets' tables are not migration.Kinds (go test ./migration -run TestDocsTable -update-docs rewrites them)", path)
	}
}
