package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"crmgw/core"
	"crmgw/core/dbtest"
	"crmgw/migration"
)

// importSize is how many contracts the import benchmark's file has:
// CRMGW_BENCH_IMPORT_CONTRACTS, default 200, small enough for CI to run it
// ten times on MySQL (BENCHMARKS.md ran 100000).
func importSize(b *testing.B) int {
	v := os.Getenv("CRMGW_BENCH_IMPORT_CONTRACTS")
	if v == "" {
		return 200
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 10 {
		b.Fatalf("CRMGW_BENCH_IMPORT_CONTRACTS: %q is not a size of at least 10", v)
	}
	return n
}

// importFile writes a folder of CSV files: a department, 50 users, half as
// many customers as contracts, and one or two payments a contract. It
// answers the number of rows.
func importFile(b *testing.B, contracts int) (string, int) {
	dir := b.TempDir()
	rows := 0
	write := func(name, header string, n int, line func(i int) string) {
		f, err := os.Create(filepath.Join(dir, name+".csv"))
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		fmt.Fprintln(f, header)
		for i := range n {
			fmt.Fprintln(f, line(i))
		}
		rows += n
	}
	customers := max(contracts/2, 1)
	write("departments", "id,name", 1, func(int) string { return "10,销售部" })
	write("users", "id,name,department_id", 50, func(i int) string { return fmt.Sprintf("%d,user%02d,10", 100+i, i) })
	write("customers", "id,name,owner_id,created_at", customers, func(i int) string {
		return fmt.Sprintf("%d,客户%07d,%d,2020-01-02 09:00:00", 1_000_000+i, i, 100+i%50)
	})
	write("contracts", "id,sn,title,customer_id,owner_id,total_amount,sign_date,start_date,end_date,created_at", contracts, func(i int) string {
		cu := i % customers
		return fmt.Sprintf("%d,B%08d,合同%07d,%d,%d,%d.%02d,2021-03-04,2021-03-04,2022-03-03,2021-03-04 10:00:00",
			5_000_000+i, i, i, 1_000_000+cu, 100+cu%50, 1000+i%500000, i%100)
	})
	write("payments", "id,contract_id,direction,amount,paid_on", contracts+contracts/2, func(i int) string {
		return fmt.Sprintf("%d,%d,in,%d.25,2021-04-01", 9_000_000+i, 5_000_000+i%contracts, 100+i%300)
	})
	return dir, rows
}

// BenchmarkImport imports a file of contracts with their customers and
// payments into a fresh tenant per iteration (ids are the tenant's own, so
// every tenant keeps the same ones): a dry run, and a run that writes, whose
// time includes its own checking pass.
func BenchmarkImport(b *testing.B) {
	contracts := importSize(b)
	dir, rows := importFile(b, contracts)
	for _, driver := range dbtest.Drivers() {
		svc := core.NewService(dbtest.Open(b, driver, core.SystemClock{}), core.Options{})
		for _, dry := range []bool{true, false} {
			name := fmt.Sprintf("%s/%d/write", driver, contracts)
			if dry {
				name = fmt.Sprintf("%s/%d/dry-run", driver, contracts)
			}
			b.Run(name, func(b *testing.B) {
				ctx := context.Background()
				var took time.Duration
				for i := range b.N {
					b.StopTimer()
					tn, err := svc.EnsureTenant(ctx, fmt.Sprintf("import-%v-%d", dry, i))
					if err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
					start := time.Now()
					res, err := migration.Import(ctx, svc, tn, dir, migration.Options{DryRun: dry})
					took += time.Since(start)
					if err != nil || len(res.Problems) > 0 {
						b.Fatalf("import: %v %v", err, res.Problems)
					}
				}
				b.ReportMetric(float64(rows*b.N)/took.Seconds(), "rows/s")
			})
		}
	}
}
