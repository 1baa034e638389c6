package test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"crmgw/migration"
)

// A company's workbook imported with its ids is read back through two
// dialects by those ids: the contract its clients know as 80, with its
// customer 30, its line 85 and its payment of 24000.
func TestImportedContractByItsKeptID(t *testing.T) {
	eachEngine(t, func(e *env) {
		ctx := context.Background()
		var b bytes.Buffer
		e.must(migration.Template(&b))
		path := filepath.Join(t.TempDir(), "crmgw-import.xlsx")
		e.must(os.WriteFile(path, b.Bytes(), 0o644))
		tn, err := e.svc.EnsureTenant(ctx, "acme")
		e.must(err)
		res, err := migration.Import(ctx, e.svc, tn, path, migration.Options{})
		e.must(err)
		if len(res.Problems) > 0 {
			t.Fatalf("import: %v", res.Problems)
		}
		_, err = e.svc.RegisterToken(ctx, tn.ID, 20, ikToken) // user 20 of the workbook, the contract's owner
		e.must(err)

		status, body := e.ikSend(http.MethodGet, "/api/v2/contracts/80", "", nil)
		for _, want := range []string{`"id":80,`, `"sn":"HT-2021-001"`, `"customer":{"id":30,`, `"received_payments_amount":"24000.0"`, `"product_assets":[{"id":85,`} {
			if status != http.StatusOK || !strings.Contains(string(body), want) {
				t.Errorf("ikcrm contract 80: HTTP %d, no %s in %s", status, want, body)
			}
		}
		status, body = e.get("/oa/contracts/80?access_token=" + ikToken)
		for _, want := range []string{`"data":{"id":"80",`, `"customer":{"id":"30",`, `"cno":"HT-2021-001"`} {
			if status != http.StatusOK || !strings.Contains(string(body), want) {
				t.Errorf("OA contract 80: HTTP %d, no %s in %s", status, want, body)
			}
		}
	})
}
