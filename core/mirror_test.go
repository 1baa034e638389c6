package core_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"crmgw/core"
	"crmgw/core/dbtest"
)

const contractsEndpoint = "/api/v2/contracts/:id"

func different(endpoint string, at time.Time, diffs ...core.FieldDiff) core.Comparison {
	return core.Comparison{Dialect: "ikcrm", Endpoint: endpoint, Result: core.MirrorDifferent, Diffs: diffs, At: at}
}

// Identical, different and failed comparisons read back as counters per
// endpoint, with each differing field counted once per comparison (however
// many rows it differed in), the most frequent first, its newest example, and
// the last error's message.
func TestMirrorReportReadsBackComparisons(t *testing.T) {
	dbtest.Run(t, core.FixedClock(now), func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		svc := core.NewService(db, core.Options{Clock: core.FixedClock(now)})
		record := func(c core.Comparison) { must(t, svc.RecordComparison(ctx, c, 5)) }
		record(core.Comparison{Dialect: "ikcrm", Endpoint: contractsEndpoint, Result: core.MirrorIdentical})
		record(different(contractsEndpoint, now.Add(-2*time.Minute),
			core.FieldDiff{Path: "data.total_amount", Upstream: `"100.0"`, Local: `"100.00"`}))
		record(different(contractsEndpoint, now.Add(-time.Minute),
			core.FieldDiff{Path: "data.lines[].name", Upstream: `"a"`, Local: `"A"`},
			core.FieldDiff{Path: "data.lines[].name", Upstream: `"b"`, Local: `"B"`},
			core.FieldDiff{Path: "data.total_amount", Upstream: `"200.0"`, Local: `"200.00"`}))
		record(core.Comparison{Dialect: "ikcrm", Endpoint: contractsEndpoint, Result: core.MirrorError, Error: "timeout after 5s"})
		record(core.Comparison{Dialect: "ikcrm", Endpoint: contractsEndpoint, Result: core.MirrorError, Error: "upstream status 502"})
		record(core.Comparison{Dialect: "oa", Endpoint: "/oa/crm/home", Result: core.MirrorIdentical})

		reports, err := svc.MirrorReport(ctx, "", 10)
		must(t, err)
		if len(reports) != 2 {
			t.Fatalf("%d endpoints reported, want 2: %+v", len(reports), reports)
		}
		ik, oa := reports[0], reports[1]
		if ik.Dialect != "ikcrm" || ik.Endpoint != contractsEndpoint || oa.Dialect != "oa" || oa.Endpoint != "/oa/crm/home" {
			t.Fatalf("endpoints %s %s, %s %s; want ikcrm's then oa's", ik.Dialect, ik.Endpoint, oa.Dialect, oa.Endpoint)
		}
		if ik.Compared != 5 || ik.Identical != 1 || ik.Different != 2 || ik.Errors != 2 {
			t.Errorf("ikcrm counted %d compared, %d identical, %d different, %d errors; want 5, 1, 2, 2",
				ik.Compared, ik.Identical, ik.Different, ik.Errors)
		}
		if ik.LastError != "upstream status 502" {
			t.Errorf("last error %q, want the last one recorded", ik.LastError)
		}
		want := []core.FieldReport{
			{Path: "data.total_amount", Count: 2, Example: core.FieldDiff{Path: "data.total_amount", Upstream: `"200.0"`, Local: `"200.00"`},
				SeenAt: now.Add(-time.Minute)},
			{Path: "data.lines[].name", Count: 1, Example: core.FieldDiff{Path: "data.lines[].name", Upstream: `"a"`, Local: `"A"`},
				SeenAt: now.Add(-time.Minute)},
		}
		if len(ik.Fields) != len(want) {
			t.Fatalf("fields %+v, want %+v", ik.Fields, want)
		}
		for i := range want {
			if g := ik.Fields[i]; g.Path != want[i].Path || g.Count != want[i].Count || g.Example != want[i].Example || !g.SeenAt.Equal(want[i].SeenAt) {
				t.Errorf("field %d: %+v, want %+v", i, g, want[i])
			}
		}
		if oa.Compared != 1 || oa.Identical != 1 || len(oa.Fields) != 0 || oa.LastError != "" {
			t.Errorf("oa: %+v, want one identical comparison and nothing else", oa)
		}

		top, err := svc.MirrorReport(ctx, "ikcrm", 1)
		must(t, err)
		if len(top) != 1 || len(top[0].Fields) != 1 || top[0].Fields[0].Path != "data.total_amount" {
			t.Errorf("ikcrm's top field: %+v, want ikcrm alone with data.total_amount", top)
		}
		none, err := svc.MirrorReport(ctx, "fifth", 10)
		must(t, err)
		if len(none) != 0 {
			t.Errorf("a dialect never compared reported %+v, want nothing", none)
		}

		examples, err := svc.FieldExamples(ctx, "ikcrm", contractsEndpoint, "data.total_amount", 0)
		must(t, err)
		if len(examples) != 2 || examples[0].Upstream != `"200.0"` || !examples[0].At.Equal(now.Add(-time.Minute)) ||
			examples[1].Upstream != `"100.0"` || !examples[1].At.Equal(now.Add(-2*time.Minute)) {
			t.Errorf("examples %+v, want the 200.0 one then the 100.0 one", examples)
		}
		one, err := svc.FieldExamples(ctx, "ikcrm", contractsEndpoint, "data.total_amount", 1)
		must(t, err)
		if len(one) != 1 || one[0].Upstream != `"200.0"` {
			t.Errorf("one example: %+v, want the newest", one)
		}
	})
}

// A comparison without a dialect, an endpoint or a known result is refused,
// and nothing of it is written.
func TestMirrorRefusesBadComparisons(t *testing.T) {
	dbtest.Run(t, core.FixedClock(now), func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		svc := core.NewService(db, core.Options{Clock: core.FixedClock(now)})
		diff := []core.FieldDiff{{Path: "status", Upstream: "200", Local: "500"}}
		for _, c := range []core.Comparison{
			{Endpoint: contractsEndpoint, Result: core.MirrorDifferent, Diffs: diff},
			{Dialect: "ikcrm", Result: core.MirrorDifferent, Diffs: diff},
			{Dialect: "ikcrm", Endpoint: contractsEndpoint, Result: "same", Diffs: diff},
			{Dialect: strings.Repeat("d", 33), Endpoint: contractsEndpoint, Result: core.MirrorDifferent, Diffs: diff},
		} {
			if err := svc.RecordComparison(ctx, c, 5); core.ErrorCode(err) != core.EINVALID {
				t.Errorf("%+v: %v, want invalid", c, err)
			}
		}
		reports, err := svc.MirrorReport(ctx, "", 10)
		must(t, err)
		if len(reports) != 0 {
			t.Errorf("refused comparisons reported: %+v", reports)
		}
	})
}

// A field keeps its maxExamples newest examples, whatever order they are
// recorded in, while its count goes on; maxExamples 0 keeps none.
func TestMirrorKeepsTheNewestExamples(t *testing.T) {
	dbtest.Run(t, core.FixedClock(now), func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		svc := core.NewService(db, core.Options{Clock: core.FixedClock(now)})
		for _, minute := range []int{3, 1, 6, 2, 5, 4} {
			d := core.FieldDiff{Path: "data.name", Upstream: fmt.Sprint(minute), Local: "x"}
			must(t, svc.RecordComparison(ctx, different(contractsEndpoint, now.Add(time.Duration(minute)*time.Minute), d), 3))
			must(t, svc.RecordComparison(ctx, different("/api/v2/customers", now, d), 0))
		}
		examples, err := svc.FieldExamples(ctx, "ikcrm", contractsEndpoint, "data.name", 0)
		must(t, err)
		var got []string
		for _, ex := range examples {
			got = append(got, ex.Upstream)
		}
		if strings.Join(got, ",") != "6,5,4" {
			t.Errorf("examples kept %v, want the three newest: 6,5,4", got)
		}
		none, err := svc.FieldExamples(ctx, "ikcrm", "/api/v2/customers", "data.name", 0)
		must(t, err)
		if len(none) != 0 {
			t.Errorf("maxExamples 0 kept %+v", none)
		}
		reports, err := svc.MirrorReport(ctx, "ikcrm", 5)
		must(t, err)
		for _, r := range reports {
			if len(r.Fields) != 1 || r.Fields[0].Count != 6 {
				t.Errorf("%s: fields %+v, want data.name counted 6 times", r.Endpoint, r.Fields)
			}
		}
		if f := reports[0].Fields[0]; reports[0].Endpoint != contractsEndpoint || f.Example.Upstream != "6" || !f.SeenAt.Equal(now.Add(6*time.Minute)) {
			t.Errorf("%s: field %+v, want the example and time of minute 6", reports[0].Endpoint, f)
		}
		if f := reports[1].Fields[0]; f.Example != (core.FieldDiff{Path: "data.name"}) {
			t.Errorf("a field without examples reported %+v, want its path alone", f.Example)
		}
	})
}

// Pruning drops the examples older than the cut and the fields not seen
// since; newer ones and every endpoint's counters stay.
func TestPruneMirrorDropsWhatIsOlder(t *testing.T) {
	dbtest.Run(t, core.FixedClock(now), func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		svc := core.NewService(db, core.Options{Clock: core.FixedClock(now)})
		old, recent := now.Add(-10*24*time.Hour), now.Add(-time.Hour)
		record := func(at time.Time, paths ...string) {
			var diffs []core.FieldDiff
			for _, p := range paths {
				diffs = append(diffs, core.FieldDiff{Path: p, Upstream: at.Format(time.RFC3339), Local: "x"})
			}
			must(t, svc.RecordComparison(ctx, different(contractsEndpoint, at, diffs...), 5))
		}
		record(old, "data.gone", "data.kept")
		record(recent, "data.kept")
		must(t, svc.PruneMirror(ctx, now.Add(-7*24*time.Hour)))

		reports, err := svc.MirrorReport(ctx, "", 5)
		must(t, err)
		if len(reports) != 1 || reports[0].Compared != 2 || reports[0].Different != 2 {
			t.Fatalf("reports %+v, want the endpoint's two comparisons still counted", reports)
		}
		if f := reports[0].Fields; len(f) != 1 || f[0].Path != "data.kept" || f[0].Count != 2 {
			t.Errorf("fields %+v, want data.kept alone, counted twice", f)
		}
		for path, want := range map[string]int{"data.gone": 0, "data.kept": 1} {
			examples, err := svc.FieldExamples(ctx, "ikcrm", contractsEndpoint, path, 0)
			must(t, err)
			if len(examples) != want {
				t.Errorf("%s: %d examples after the prune, want %d", path, len(examples), want)
			}
			for _, ex := range examples {
				if !ex.At.Equal(recent) {
					t.Errorf("%s: an example of %s survived the prune", path, ex.At)
				}
			}
		}
	})
}

// A value longer than the bound is cut between characters, marked, and stored
// as valid UTF-8, as is an error's message; a path too.
func TestMirrorClipsStoredValues(t *testing.T) {
	dbtest.Run(t, core.FixedClock(now), func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		svc := core.NewService(db, core.Options{Clock: core.FixedClock(now)})
		huge := strings.Repeat("合同", 100_000)
		longPath := "data." + strings.Repeat("字段", 200)
		must(t, svc.RecordComparison(ctx, different(contractsEndpoint, now,
			core.FieldDiff{Path: longPath, Upstream: huge, Local: "bad \xff\xfe byte"}), 5))
		must(t, svc.RecordComparison(ctx, core.Comparison{Dialect: "ikcrm", Endpoint: contractsEndpoint,
			Result: core.MirrorError, Error: huge}, 5))

		examples, err := svc.FieldExamples(ctx, "ikcrm", contractsEndpoint, longPath, 0)
		must(t, err)
		if len(examples) != 1 {
			t.Fatalf("%d examples of the long path, want 1", len(examples))
		}
		ex := examples[0]
		if len(ex.Path) > 255 || !utf8.ValidString(ex.Path) || !strings.HasPrefix(longPath, strings.TrimSuffix(ex.Path, "…")) {
			t.Errorf("path stored as %d bytes %q, want at most 255 of the path's first characters", len(ex.Path), ex.Path)
		}
		if len(ex.Upstream) > 512 || !utf8.ValidString(ex.Upstream) || !strings.HasSuffix(ex.Upstream, "…") ||
			!strings.HasPrefix(huge, strings.TrimSuffix(ex.Upstream, "…")) {
			t.Errorf("upstream value stored as %d bytes, want at most 512 of its first characters and …", len(ex.Upstream))
		}
		if ex.Local != "bad \uFFFD byte" {
			t.Errorf("local value stored as %q, want its invalid bytes replaced", ex.Local)
		}
		reports, err := svc.MirrorReport(ctx, "ikcrm", 1)
		must(t, err)
		if e := reports[0].LastError; len(e) > 512 || !utf8.ValidString(e) || !strings.HasSuffix(e, "…") {
			t.Errorf("last error stored as %d bytes, want at most 512 ending in …", len(e))
		}
	})
}

// Comparisons recorded at once, by many writers on one endpoint and field,
// are each counted, and the examples stay within their bound.
func TestMirrorCountsConcurrentComparisons(t *testing.T) {
	dbtest.Run(t, core.FixedClock(now), func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		svc := core.NewService(db, core.Options{Clock: core.FixedClock(now)})
		const writers, each = 8, 25
		results := []string{core.MirrorIdentical, core.MirrorDifferent, core.MirrorError}
		var wg sync.WaitGroup
		errs := make(chan error, writers*each)
		for w := range writers {
			wg.Go(func() {
				for i := range each {
					c := core.Comparison{Dialect: "qcy", Endpoint: "/WebApi/Handler/1.0/CRM/Customer/GetList.ashx",
						Result: results[(w+i)%len(results)], Error: "refused", At: now.Add(time.Duration(i) * time.Second),
						Diffs: []core.FieldDiff{{Path: "value[].name", Upstream: "a", Local: "b"}, {Path: "value[].tel", Upstream: "1", Local: "2"}}}
					errs <- svc.RecordComparison(ctx, c, 3)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			must(t, err)
		}
		var identical, diff, failed int64
		for w := range writers {
			for i := range each {
				switch results[(w+i)%len(results)] {
				case core.MirrorIdentical:
					identical++
				case core.MirrorDifferent:
					diff++
				default:
					failed++
				}
			}
		}
		reports, err := svc.MirrorReport(ctx, "qcy", 5)
		must(t, err)
		if len(reports) != 1 {
			t.Fatalf("reports %+v, want one endpoint", reports)
		}
		r := reports[0]
		if r.Compared != writers*each || r.Identical != identical || r.Different != diff || r.Errors != failed {
			t.Errorf("counted %d compared, %d identical, %d different, %d errors; want %d, %d, %d, %d",
				r.Compared, r.Identical, r.Different, r.Errors, writers*each, identical, diff, failed)
		}
		if len(r.Fields) != 2 || r.Fields[0].Count != diff || r.Fields[1].Count != diff {
			t.Errorf("fields %+v, want both counted %d times", r.Fields, diff)
		}
		for _, path := range []string{"value[].name", "value[].tel"} {
			examples, err := svc.FieldExamples(ctx, "qcy", r.Endpoint, path, 0)
			must(t, err)
			if len(examples) != 3 {
				t.Errorf("%s: %d examples kept, want 3", path, len(examples))
			}
		}
	})
}
