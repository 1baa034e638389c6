package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"crmgw/core"
)

// The template goes to standard output as a workbook; imported into a
// tenant it writes its records once, a second run writes nothing more, and a
// bad file or an unknown tenant is refused with nothing written.
func TestImportTemplateThenFile(t *testing.T) {
	dir := t.TempDir()
	dsn := filepath.Join(dir, "crmgw.db")
	if _, err := run(t, dsn, "", "tenant", "add", "--tenant", "acme"); err != nil {
		t.Fatal(err)
	}
	xlsx, err := run(t, dsn, "", "import", "template")
	if err != nil || !strings.HasPrefix(xlsx, "PK") { // a zip, as every .xlsx is
		t.Fatalf("template: %v, %d bytes starting %q", err, len(xlsx), xlsx[:min(len(xlsx), 4)])
	}
	book := filepath.Join(dir, "crmgw-import.xlsx")
	if err := os.WriteFile(book, []byte(xlsx), 0o600); err != nil {
		t.Fatal(err)
	}
	contracts := func() int64 {
		t.Helper()
		db, err := core.OpenDB(core.DriverSQLite, dsn, core.SystemClock{})
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			if sql, err := db.DB(); err == nil {
				_ = sql.Close()
			}
		}()
		var n int64
		if err := db.Table("contracts").Where("id = ?", 80).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	if _, err := run(t, dsn, "", "import", "file", "--tenant", "acme", "--dry-run", book); err != nil || contracts() != 0 {
		t.Fatalf("dry run: %v, %d contracts 80 written", err, contracts())
	}
	for i := range 2 {
		if _, err := run(t, dsn, "", "import", "file", "--tenant", "acme", book); err != nil || contracts() != 1 {
			t.Fatalf("run %d: %v, %d contracts 80", i+1, err, contracts())
		}
	}
	bad := t.TempDir()
	if err := os.WriteFile(filepath.Join(bad, "contracts.csv"), []byte("id,title\n81,x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, dsn, "", "import", "file", "--tenant", "acme", bad); err == nil {
		t.Error("a file with problems was imported")
	}
	if _, err := run(t, dsn, "", "import", "file", "--tenant", "nobody", book); err == nil {
		t.Error("a file was imported into an unknown tenant")
	}
}
