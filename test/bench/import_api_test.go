package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"crmgw/adapters/oa"
	"crmgw/app"
	"crmgw/core"
	"crmgw/core/dbtest"
)

// BenchmarkImportOA imports the bench tenant (CRMGW_BENCH_IMPORT_CONTRACTS
// contracts, half as many customers, their payments and users) from a crmgw
// serving it as an OA, over the OA's API, into a fresh database of the same
// engine: the whole `crmgw import oa` but the command line.
func BenchmarkImportOA(b *testing.B) {
	ctx := context.Background()
	n := importSize(b)
	for _, driver := range dbtest.Drivers() {
		b.Run(fmt.Sprintf("%s/contracts=%d", driver, n), func(b *testing.B) {
			vendor := newFixture(b, driver, n)
			var written int
			var spent time.Duration
			for range b.N {
				b.StopTimer()
				db := dbtest.Open(b, driver, core.SystemClock{})
				svc := app.New(defaultConfig(b), db, app.Seams{Logs: io.Discard}).Service
				t, err := svc.AddTenant(ctx, "moved", "", core.TenantIDChange{})
				if err != nil {
					b.Fatal(err)
				}
				im := svc.NewImport(t)
				b.StartTimer()
				start := time.Now()
				if err := (&oa.Crawl{Client: http.DefaultClient, Base: vendor.url, Token: vendor.token}).Run(ctx, im); err != nil {
					b.Fatal(err)
				}
				spent += time.Since(start)
				for _, st := range im.Stats {
					written += st.Written
				}
			}
			b.ReportMetric(spent.Seconds()/float64(b.N), "import-s")
			b.ReportMetric(float64(written)/float64(b.N), "records")
			b.ReportMetric(float64(written)/spent.Seconds(), "records/s")
		})
	}
}
