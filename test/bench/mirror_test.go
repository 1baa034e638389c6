package bench

import (
	"io"
	"net/http"
	"testing"
	"time"

	"crmgw/app"
	"crmgw/config"
	"crmgw/core"
)

// BenchmarkMirror measures what diff-normal costs crmgw's clients: each
// endpoint's latency on a crmgw in diff-normal, whose reads are also sent to
// an upstream (a third crmgw over the same database, so both answer alike)
// and compared in the background, against a crmgw in normal mode over the
// same data, one request after another. It reports diff-normal's p50 as a
// ratio of normal's: the comparisons share the cores and the database with
// the answers, but never hold one up.
func BenchmarkMirror(b *testing.B) {
	f := newFixture(b, core.DriverSQLite, sizes(b)[0])
	cfg := defaultConfig(b)
	cfg.Mirror.Mode = config.MirrorDiffNormal
	for name, d := range cfg.Dialects {
		d.Upstream = f.url
		cfg.Dialects[name] = d
	}
	mirrored := serve(b, app.New(cfg, f.db, app.Seams{Logs: io.Discard}))
	normal := serve(b, app.New(defaultConfig(b), f.db, app.Seams{Logs: io.Discard}))
	for _, ep := range endpoints {
		var alone time.Duration
		b.Run(ep.name+"/normal", func(b *testing.B) {
			alone = measure(b, func() *http.Request { return ep.request(f, normal) })
		})
		b.Run(ep.name+"/diff-normal", func(b *testing.B) {
			p50 := measure(b, func() *http.Request { return ep.request(f, mirrored) })
			b.ReportMetric(float64(p50)/float64(alone), "p50-ratio")
		})
	}
}
