package migration_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"crmgw/core"
	"crmgw/core/dbtest"
	"crmgw/migration"
)

// now is the fixed instant of these tests, after every date of the template.
var now = time.Date(2022, 6, 1, 2, 0, 0, 0, time.UTC)

// store is a service on a fresh database of each engine, with the tenant
// imported into.
func eachEngine(t *testing.T, fn func(t *testing.T, db *gorm.DB, svc *core.Service, tenant core.Tenant)) {
	dbtest.Run(t, core.FixedClock(now), func(t *testing.T, db *gorm.DB) {
		svc := core.NewService(db, core.Options{Clock: core.FixedClock(now)})
		tn, err := svc.EnsureTenant(context.Background(), "acme")
		if err != nil {
			t.Fatal(err)
		}
		fn(t, db, svc, tn)
	})
}

// templateFile writes the template to a file of t's.
func templateFile(t *testing.T) string {
	t.Helper()
	var b bytes.Buffer
	if err := migration.Template(&b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "crmgw-import.xlsx")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// tables are the tables an import writes, to count their rows.
var tables = []string{"departments", "users", "dict_entries", "customers", "customer_tags", "contacts", "contact_histories",
	"contact_plans", "opportunities", "contracts", "payment_plans", "payments", "monthly_targets"}

// rowCounts counts the rows of every table an import writes.
func rowCounts(t *testing.T, db *gorm.DB) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, table := range tables {
		var n int64
		if err := db.Table(table).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

func sameCounts(t *testing.T, what string, got, want map[string]int64) {
	t.Helper()
	for _, table := range tables {
		if got[table] != want[table] {
			t.Errorf("%s: %s has %d rows, want %d", what, table, got[table], want[table])
		}
	}
}

func run(t *testing.T, svc *core.Service, tn core.Tenant, path string, opt migration.Options) migration.Result {
	t.Helper()
	res, err := migration.Import(context.Background(), svc, tn, path, opt)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// totals adds up the counts of every sheet.
func totals(res migration.Result) (c migration.Count) {
	for _, k := range res.Counts {
		c.Read += k.Read
		c.Written += k.Written
		c.Skipped += k.Skipped
		c.Refused += k.Refused
	}
	return c
}

// The template has a sheet per kind with its header and example row, reads
// back as written, and its examples import with their ids, read back through
// core; a second run skips every row and changes nothing.
func TestTemplateRoundTrips(t *testing.T) {
	path := templateFile(t)
	sheets, err := migration.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(sheets) != len(migration.Kinds) {
		t.Fatalf("%d sheets read, want %d", len(sheets), len(migration.Kinds))
	}
	for i, k := range migration.Kinds {
		s := sheets[i]
		if s.Name != k.Sheet || len(s.Header) != len(k.Columns) || len(s.Rows) != 1 || s.Rows[0].Num != 2 {
			t.Fatalf("sheet %d is %s with %d columns and %d rows, want %s with %d and 1", i, s.Name, len(s.Header), len(s.Rows), k.Sheet, len(k.Columns))
		}
		for j, c := range k.Columns {
			cell := ""
			if j < len(s.Rows[0].Cells) {
				cell = s.Rows[0].Cells[j]
			}
			if s.Header[j] != c.Name || cell != c.Example {
				t.Errorf("sheet %s column %d: %q = %q, want %q = %q", k.Sheet, j+1, s.Header[j], cell, c.Name, c.Example)
			}
		}
	}
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service, tn core.Tenant) {
		ctx := context.Background()
		res := run(t, svc, tn, path, migration.Options{})
		if len(res.Problems) > 0 {
			t.Fatalf("problems: %v", res.Problems)
		}
		if got := totals(res); got.Read != len(migration.Kinds) || got.Written != got.Read || got.Skipped+got.Refused != 0 {
			t.Errorf("first run: %+v, want every row written", got)
		}
		c, err := svc.CallerFor(tn, core.User{TenantID: tn.ID, ID: 20})
		if err != nil {
			t.Fatal(err)
		}
		cu, err := svc.GetCustomer(ctx, c, 30)
		if err != nil {
			t.Fatal(err)
		}
		created := time.Date(2020, 3, 4, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai
		if cu.Name != "北京示例科技有限公司" || cu.OwnerID != 20 || cu.StatusID != 3166436 || !cu.CreatedAt.Equal(created) {
			t.Errorf("customer 30: %+v", cu)
		}
		k, err := svc.GetContract(ctx, c, 80)
		if err != nil {
			t.Fatal(err)
		}
		if k.SN != "HT-2021-001" || k.CustomerID != 30 || k.TotalAmount.String() != "48000" || k.SignDate.String() != "2021-02-15" {
			t.Errorf("contract 80: sn %s customer %d amount %s signed %s", k.SN, k.CustomerID, k.TotalAmount, k.SignDate)
		}
		if len(k.Lines) != 1 || k.Lines[0].ID != 85 || k.Lines[0].TotalPrice.String() != "24000" {
			t.Errorf("contract 80's lines: %+v, want line 85 of 24000", k.Lines)
		}
		p, err := svc.GetPayment(ctx, c, 100)
		if err != nil {
			t.Fatal(err)
		}
		if p.ContractID != 80 || p.PlanID != 90 || p.Amount.String() != "24000" {
			t.Errorf("payment 100: contract %d plan %d amount %s", p.ContractID, p.PlanID, p.Amount)
		}
		if h, err := svc.GetContactHistory(ctx, c, 50); err != nil || h.ContactID != 40 || h.UserID != 20 {
			t.Errorf("follow-up 50: %+v, %v", h, err)
		}
		if pl, err := svc.GetContactPlan(ctx, c, 60); err != nil || pl.HistoryID != 50 {
			t.Errorf("contact plan 60: %+v, %v", pl, err)
		}
		if o, err := svc.GetOpportunity(ctx, c, 70); err != nil || o.Amount.String() != "50000" || len(o.Lines) != 1 || o.Lines[0].ID != 75 {
			t.Errorf("opportunity 70: %+v, %v; want its line 75", o, err)
		}
		before := rowCounts(t, db)
		again := run(t, svc, tn, path, migration.Options{})
		if got := totals(again); got.Skipped != got.Read || got.Written+got.Refused != 0 || len(again.Problems) > 0 {
			t.Errorf("second run: %+v %v, want every row skipped", got, again.Problems)
		}
		sameCounts(t, "after the second run", rowCounts(t, db), before)
	})
}

// folder writes CSV files, name to content, into a folder of t's.
func folder(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name+".csv"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// base is a small good file, with a BOM as spreadsheets save CSV: each bad
// case changes one sheet of it.
var base = map[string]string{
	"departments": "\uFEFFid,name\n10,销售部\n",
	"users":       "id,name,department_id\n20,zhangsan,10\n21,lisi,10\n",
	"customers":   "id,name,owner_id,created_at\n30,甲公司,20,2020-01-02 09:00:00\n31,乙公司,21,\n",
	"contracts":   "title,id,customer_id,owner_id,total_amount,sign_date,start_date,end_date\n合同,80,30,20,1000.00,2021-01-01,2021-01-01,2021-12-31\n",
	"payments":    "id,contract_id,direction,amount,paid_on\n100,80,in,500.50,2021-02-01\n",
}

func with(sheet, content string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	out[sheet] = content
	return out
}

// Each kind of bad row is reported by the dry run with its sheet, row and
// column, and nothing is written; a real run of the same file writes nothing
// either.
func TestBadRowsAreReportedWithWhereTheyAre(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"missing column", with("customers", "id,owner_id\n30,20\n"), "sheet customers: missing required columns name"},
		{"unknown column", with("departments", "id,name,colour\n10,销售部,red\n"), "sheet departments, row 1, column colour: no such column"},
		{"bad date", with("contracts", "id,title,customer_id,owner_id,total_amount,sign_date,start_date,end_date\n80,合同,30,20,1000,2021-02-30,2021-03-01,2021-12-31\n"),
			`sheet contracts, row 2, column sign_date: "2021-02-30" is not a date`},
		{"bad datetime", with("customers", "id,name,owner_id,created_at\n30,甲公司,20,2020-01-02\n31,乙公司,21,\n"),
			"sheet customers, row 2, column created_at:"},
		{"unknown reference", with("customers", "id,name,owner_id\n30,甲公司,20\n31,乙公司,42\n"),
			"sheet customers, row 3, column owner_id: no user 42 in the file or the tenant"},
		{"duplicate id", with("users", "id,name\n20,zhangsan\n21,lisi\n\n20,wangwu\n"),
			"sheet users, row 5, column id: id 20 is that of row 2 too"},
		{"amount out of range", with("payments", "id,contract_id,direction,amount,paid_on\n100,80,in,1000000000000,2021-02-01\n"),
			"sheet payments, row 2, column amount: 1000000000000 is too large"},
		{"fraction of a cent", with("payments", "id,contract_id,direction,amount,paid_on\n100,80,in,0.001,2021-02-01\n"),
			"sheet payments, row 2, column amount: 0.001 has fractions of a cent"},
		{"refused by core", with("payments", "id,contract_id,direction,amount,paid_on\n100,80,sideways,5,2021-02-01\n"),
			"sheet payments, row 2, column direction:"},
	}
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service, tn core.Tenant) {
		before := rowCounts(t, db)
		for _, tc := range cases {
			dir := folder(t, tc.files)
			for _, dry := range []bool{true, false} {
				res := run(t, svc, tn, dir, migration.Options{DryRun: dry})
				var said []string
				found := false
				for _, p := range res.Problems {
					said = append(said, p.String())
					found = found || strings.HasPrefix(p.String(), tc.want)
				}
				if !found {
					t.Errorf("%s (dry run %v): problems %q, want one starting %q", tc.name, dry, said, tc.want)
				}
				if got := totals(res); got.Written != 0 || got.Refused == 0 {
					t.Errorf("%s (dry run %v): %+v, want none written and some refused", tc.name, dry, got)
				}
				sameCounts(t, tc.name, rowCounts(t, db), before)
			}
		}
		res := run(t, svc, tn, folder(t, base), migration.Options{DryRun: true})
		if len(res.Problems) > 0 || totals(res).Written != 7 {
			t.Errorf("the good file's dry run: %v %+v, want 7 rows to write", res.Problems, totals(res))
		}
		sameCounts(t, "the good file's dry run", rowCounts(t, db), before)
	})
}

// An import stopped after its first batch is finished by the next run,
// which skips what the first committed: the totals are a clean run's.
func TestStoppedImportResumes(t *testing.T) {
	var customers strings.Builder
	customers.WriteString("id,name,owner_id\n")
	for i := range 7 {
		fmt.Fprintf(&customers, "%d,客户%d,20\n", 1000+i, i)
	}
	files := map[string]string{"users": "id,name\n20,zhangsan\n", "customers": customers.String()}
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service, tn core.Tenant) {
		dir := folder(t, files)
		before := rowCounts(t, db)
		ctx, cancel := context.WithCancel(context.Background())
		batches := 0
		_, err := migration.Import(ctx, svc, tn, dir, migration.Options{Batch: 3, Progress: func(int) {
			if batches++; batches == 2 { // users, then the first customers
				cancel()
			}
		}})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("stopped run: %v, want context.Canceled", err)
		}
		half := rowCounts(t, db)
		if got := half["customers"] - before["customers"]; got != 3 {
			t.Fatalf("the stopped run wrote %d customers, want its first batch of 3", got)
		}
		res := run(t, svc, tn, dir, migration.Options{Batch: 3})
		if c := res.Counts[1]; c.Sheet != "customers" || c.Written != 4 || c.Skipped != 3 {
			t.Errorf("next run's customers: %+v, want 4 written and 3 skipped", c)
		}
		if c := res.Counts[0]; c.Written != 0 || c.Skipped != 1 {
			t.Errorf("next run's users: %+v, want 1 skipped", c)
		}
		after := rowCounts(t, db)
		if after["customers"]-before["customers"] != 7 || after["users"]-before["users"] != 1 {
			t.Errorf("after both runs: %d customers and %d users more, want 7 and 1",
				after["customers"]-before["customers"], after["users"]-before["users"])
		}
	})
}
