package core

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// The mirror asks a dialect's upstream (the vendor's own server) the same
// request crmgw answers, compares the two answers and records here how they
// differed: counters per endpoint, a count per differing field, and a few
// examples of each. These tables are the operator's, not a tenant's: the
// gateway compares an answer before it knows which tenant (if any) the
// request was for, so they have no tenant column and no use case here takes a
// Caller.

// A comparison's result.
const (
	MirrorIdentical = "identical"
	MirrorDifferent = "different"
	MirrorError     = "error"
)

// mirrorValueBytes bounds each value stored (an example's sides, an error): a
// huge answer cannot grow the tables without bound. It fits the columns'
// size:512, which counts characters.
const mirrorValueBytes = 512

// mirrorPathBytes bounds a field's path, part of the tables' keys: three key
// columns of 255 characters stay within MySQL's 3072-byte index key.
const mirrorPathBytes = 255

// FieldDiff is one field whose value differs between the upstream's answer and crmgw's.
type FieldDiff struct {
	Path     string // "data.list[].name" (array indices written [] so rows group), "status", "header.Content-Type", "body"
	Upstream string // the value as the upstream answered it (its JSON text), credentials already redacted
	Local    string // crmgw's
}

// Comparison is one request answered by both sides.
type Comparison struct {
	Dialect, Endpoint string      // the endpoint is the route as the metrics label it ("/api/v2/contracts/:id")
	Result            string      // one of the Mirror* constants
	Diffs             []FieldDiff // when different
	Error             string      // when error: what failed (timeout, refused, upstream status 502 …), no credentials
	At                time.Time
}

// mirrorEndpoint counts the comparisons of one endpoint.
type mirrorEndpoint struct {
	Dialect   string `gorm:"primaryKey;size:32"`
	Endpoint  string `gorm:"primaryKey;size:255"`
	Compared  int64  `gorm:"not null"`
	Identical int64  `gorm:"not null"`
	Different int64  `gorm:"not null"`
	Errors    int64  `gorm:"not null"`
	LastError string `gorm:"size:512;not null"`
}

// mirrorField counts the comparisons of one endpoint in which one field differed.
type mirrorField struct {
	Dialect  string    `gorm:"primaryKey;size:32"`
	Endpoint string    `gorm:"primaryKey;size:255"`
	Path     string    `gorm:"primaryKey;size:255"`
	Count    int64     `gorm:"column:differed;not null"` // comparisons
	SeenAt   time.Time `gorm:"not null"`
}

// mirrorExample is one pair of differing values of a field, as answered.
type mirrorExample struct {
	ID       uint64    `gorm:"primaryKey"`
	Dialect  string    `gorm:"size:32;not null;index:ix_mirror_examples_field,priority:1"`
	Endpoint string    `gorm:"size:255;not null;index:ix_mirror_examples_field,priority:2"`
	Path     string    `gorm:"size:255;not null;index:ix_mirror_examples_field,priority:3"`
	Upstream string    `gorm:"column:upstream_value;size:512;not null"`
	Local    string    `gorm:"column:local_value;size:512;not null"`
	At       time.Time `gorm:"column:answered_at;not null;index:ix_mirror_examples_field,priority:4;index:ix_mirror_examples_at"`
}

// RecordComparison counts one comparison, and for a different one each field
// that differed, keeping the field's maxExamples newest examples (none when
// maxExamples is 0). A field counts once per comparison however many rows of a
// list it differed in, so that a field's count says in how many answers it
// differed; its example is the first of them. An error comparison keeps its
// message as the endpoint's last error. At zero is now.
func (s *Service) RecordComparison(ctx context.Context, c Comparison, maxExamples int) error {
	if c.Dialect == "" {
		return Invalidf(Field("dialect"), "dialect is required")
	}
	if c.Endpoint == "" {
		return Invalidf(Field("endpoint"), "endpoint is required")
	}
	at := c.At.UTC().Truncate(time.Second)
	if c.At.IsZero() {
		at = s.now()
	}
	row := mirrorEndpoint{Dialect: c.Dialect, Endpoint: c.Endpoint, Compared: 1}
	// Increments of the row as it is when the upsert meets it, so that
	// concurrent comparisons each count.
	inc := map[string]any{"compared": gorm.Expr("compared + 1")}
	switch c.Result {
	case MirrorIdentical:
		row.Identical = 1
		inc["identical"] = gorm.Expr("identical + 1")
	case MirrorDifferent:
		row.Different = 1
		inc["different"] = gorm.Expr("different + 1")
	case MirrorError:
		row.Errors, row.LastError = 1, clipText(c.Error, mirrorValueBytes)
		inc["errors"] = gorm.Expr("errors + 1")
		inc["last_error"] = row.LastError
	default:
		return Invalidf(Field("result"), "result %q is not %s, %s or %s", Excerpt(c.Result), MirrorIdentical, MirrorDifferent, MirrorError)
	}
	var fields []FieldDiff // the first diff of each path, in path order
	if c.Result == MirrorDifferent {
		seen := map[string]bool{}
		for _, d := range c.Diffs {
			d = FieldDiff{Path: clipText(d.Path, mirrorPathBytes), Upstream: clipText(d.Upstream, mirrorValueBytes), Local: clipText(d.Local, mirrorValueBytes)}
			if !seen[d.Path] {
				seen[d.Path] = true
				fields = append(fields, d)
			}
		}
		slices.SortFunc(fields, func(a, b FieldDiff) int { return strings.Compare(a.Path, b.Path) })
	}
	// One transaction, its rows locked in one order (the endpoint's, then its
	// fields' by path), so that concurrent comparisons queue on MySQL rather
	// than deadlock, and the counters never disagree with the fields.
	err := s.tx(ctx, func(tx *gorm.DB) error {
		if err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "dialect"}, {Name: "endpoint"}},
			DoUpdates: clause.Assignments(inc),
		}).Create(&row).Error; err != nil {
			return err
		}
		for _, d := range fields {
			if err := tx.Clauses(clause.OnConflict{
				Columns: []clause.Column{{Name: "dialect"}, {Name: "endpoint"}, {Name: "path"}},
				DoUpdates: clause.Assignments(map[string]any{
					"differed": gorm.Expr("differed + 1"),
					// Comparisons may be recorded out of order: the field was last seen at the latest.
					"seen_at": gorm.Expr("CASE WHEN seen_at < ? THEN ? ELSE seen_at END", at, at),
				}),
			}).Create(&mirrorField{Dialect: c.Dialect, Endpoint: c.Endpoint, Path: d.Path, Count: 1, SeenAt: at}).Error; err != nil {
				return err
			}
			if maxExamples <= 0 {
				continue
			}
			ex := mirrorExample{Dialect: c.Dialect, Endpoint: c.Endpoint, Path: d.Path, Upstream: d.Upstream, Local: d.Local, At: at}
			if err := tx.Create(&ex).Error; err != nil {
				return err
			}
			// The field's row, locked above, holds back every other writer of
			// its examples: these are all of them. MySQL takes no LIMIT in a
			// subquery of a DELETE: ids first.
			var stale []uint64
			if err := tx.Model(&mirrorExample{}).Scopes(mirrorFieldOf(c.Dialect, c.Endpoint, d.Path)).
				Order("answered_at DESC, id DESC").Offset(maxExamples).Limit(mirrorPrunePage).Pluck("id", &stale).Error; err != nil {
				return err
			}
			if len(stale) > 0 {
				if err := tx.Where("id IN ?", stale).Delete(&mirrorExample{}).Error; err != nil {
					return err
				}
			}
		}
		return nil
	})
	return storeError(err, "mirror comparison")
}

// mirrorPrunePage is how many rows one DELETE of the mirror's removes: each
// statement holds its locks briefly. A field gains one example at a time, so
// a page is more than one comparison ever leaves beyond the bound (a lowered
// max_examples is caught up with over the next comparisons, and by age).
const mirrorPrunePage = 1000

// mirrorFieldOf scopes a query of mirrorExample to one field of one endpoint.
func mirrorFieldOf(dialect, endpoint, path string) func(*gorm.DB) *gorm.DB {
	return func(db *gorm.DB) *gorm.DB {
		return db.Where("dialect = ? AND endpoint = ? AND path = ?", dialect, endpoint, path)
	}
}

// clipText is s as the mirror stores it: valid UTF-8 (each invalid run one
// U+FFFD) of at most maxBytes bytes, cut between characters and ending in "…"
// when cut.
func clipText(s string, maxBytes int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= maxBytes {
		return s
	}
	const ellipsis = "…"
	cut := maxBytes - len(ellipsis)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}

// FieldReport is one field that differed at an endpoint: in how many
// comparisons, its newest example, and when it was last seen.
type FieldReport struct {
	Path    string
	Count   int64
	Example FieldDiff
	SeenAt  time.Time
}

// EndpointReport is what the mirror saw of one endpoint.
type EndpointReport struct {
	Dialect, Endpoint                      string
	Compared, Identical, Different, Errors int64
	LastError                              string
	Fields                                 []FieldReport // the most frequent first, at most topFields
}

// MirrorReport reports every endpoint compared of dialect ("" for every
// dialect), by dialect and endpoint, each with its topFields most frequent
// differing fields (ties by path) and the newest example of each.
func (s *Service) MirrorReport(ctx context.Context, dialect string, topFields int) ([]EndpointReport, error) {
	ofDialect := func(db *gorm.DB) *gorm.DB {
		if dialect == "" {
			return db
		}
		return db.Where("dialect = ?", dialect)
	}
	db := s.db.WithContext(ctx)
	var endpoints []mirrorEndpoint
	if err := db.Scopes(ofDialect).Order("dialect, endpoint").Find(&endpoints).Error; err != nil {
		return nil, storeError(err, "mirror report")
	}
	type key struct{ dialect, endpoint string }
	top := map[key][]FieldReport{}
	if topFields > 0 {
		var fields []mirrorField
		if err := db.Scopes(ofDialect).Order("dialect, endpoint, differed DESC, path").Find(&fields).Error; err != nil {
			return nil, storeError(err, "mirror report")
		}
		var chosen []mirrorField
		for _, f := range fields {
			k := key{f.Dialect, f.Endpoint}
			if len(top[k]) < topFields {
				top[k] = append(top[k], FieldReport{Path: f.Path, Count: f.Count, Example: FieldDiff{Path: f.Path}, SeenAt: f.SeenAt})
				chosen = append(chosen, f)
			}
		}
		examples, err := s.newestExamples(ctx, chosen)
		if err != nil {
			return nil, err
		}
		for k, fs := range top {
			for i := range fs {
				if ex, ok := examples[[3]string{k.dialect, k.endpoint, fs[i].Path}]; ok {
					fs[i].Example = ex
				}
			}
		}
	}
	reports := make([]EndpointReport, len(endpoints))
	for i, e := range endpoints {
		reports[i] = EndpointReport{Dialect: e.Dialect, Endpoint: e.Endpoint, Compared: e.Compared, Identical: e.Identical,
			Different: e.Different, Errors: e.Errors, LastError: e.LastError, Fields: top[key{e.Dialect, e.Endpoint}]}
	}
	return reports, nil
}

// mirrorTuplesPerQuery bounds the (dialect, endpoint, path) tuples one query
// names, keeping its parameters well below either engine's limit.
const mirrorTuplesPerQuery = 200

// newestExamples is the newest example of each field, by (dialect, endpoint,
// path); a field with none kept has no entry.
func (s *Service) newestExamples(ctx context.Context, fields []mirrorField) (map[[3]string]FieldDiff, error) {
	newest := map[[3]string]FieldDiff{}
	for chunk := range slices.Chunk(fields, mirrorTuplesPerQuery) {
		tuples := make([][]any, len(chunk))
		for i, f := range chunk {
			tuples[i] = []any{f.Dialect, f.Endpoint, f.Path}
		}
		var examples []mirrorExample
		// At most max_examples rows a field: reading them all is cheaper than
		// a query per field.
		if err := s.db.WithContext(ctx).Where("(dialect, endpoint, path) IN ?", tuples).
			Order("answered_at DESC, id DESC").Find(&examples).Error; err != nil {
			return nil, storeError(err, "mirror report")
		}
		for _, ex := range examples {
			k := [3]string{ex.Dialect, ex.Endpoint, ex.Path}
			if _, ok := newest[k]; !ok {
				newest[k] = FieldDiff{Path: ex.Path, Upstream: ex.Upstream, Local: ex.Local}
			}
		}
	}
	return newest, nil
}

// FieldExample is one example of a field's difference, with when it was answered.
type FieldExample struct {
	FieldDiff
	At time.Time
}

// FieldExamples are the examples kept of one field of one endpoint, the
// newest first, at most limit (every one kept when limit is 0 or less).
func (s *Service) FieldExamples(ctx context.Context, dialect, endpoint, path string, limit int) ([]FieldExample, error) {
	q := s.db.WithContext(ctx).Scopes(mirrorFieldOf(dialect, endpoint, clipText(path, mirrorPathBytes))).Order("answered_at DESC, id DESC")
	if limit > 0 {
		q = q.Limit(limit)
	}
	var examples []mirrorExample
	if err := q.Find(&examples).Error; err != nil {
		return nil, storeError(err, "mirror examples")
	}
	out := make([]FieldExample, len(examples))
	for i, ex := range examples {
		out[i] = FieldExample{FieldDiff: FieldDiff{Path: ex.Path, Upstream: ex.Upstream, Local: ex.Local}, At: ex.At}
	}
	return out, nil
}

// PruneMirror drops the examples answered before before, and the fields last
// seen before it; the endpoints' counters stay, totals since the first
// comparison.
func (s *Service) PruneMirror(ctx context.Context, before time.Time) error {
	before = before.UTC()
	for {
		var ids []uint64
		if err := s.db.WithContext(ctx).Model(&mirrorExample{}).Where("answered_at < ?", before).
			Limit(mirrorPrunePage).Pluck("id", &ids).Error; err != nil {
			return storeError(err, "mirror examples")
		}
		if len(ids) > 0 {
			if err := s.db.WithContext(ctx).Where("id IN ?", ids).Delete(&mirrorExample{}).Error; err != nil {
				return storeError(err, "mirror examples")
			}
		}
		if len(ids) < mirrorPrunePage {
			break
		}
	}
	return storeError(s.db.WithContext(ctx).Where("seen_at < ?", before).Delete(&mirrorField{}).Error, "mirror fields")
}
