package core

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
)

// ImportRun is one run of an import into a tenant, as `crmgw import …`
// records it for the console: what it was, when, and what it did.
type ImportRun struct {
	ID         uint64     `gorm:"primaryKey"`
	TenantID   uint64     `gorm:"not null;index"`
	Kind       string     `gorm:"size:16;not null"` // the import's source: "oa", "qcy", "ikcrm", "file"
	DryRun     bool       `gorm:"not null"`
	StartedAt  time.Time  `gorm:"not null;index"`
	FinishedAt *time.Time // nil while it runs, or for good when the process was stopped
	Counts     string     `gorm:"type:text;not null"` // JSON of []ImportCount
	Error      string     `gorm:"size:1024;not null"` // why it failed, "" if it did not
}

// ImportCount is what a run did with one kind of record (an API import's
// kind, a file import's sheet).
type ImportCount struct {
	Kind string
	ImportStats
}

// ImportCounts are an Import's Stats in ImportKinds' order.
func ImportCounts(stats map[string]*ImportStats) []ImportCount {
	var out []ImportCount
	for _, kind := range ImportKinds {
		if st := stats[kind]; st != nil {
			out = append(out, ImportCount{Kind: kind, ImportStats: *st})
		}
	}
	return out
}

// ImportRunInfo is an ImportRun as the console lists it.
type ImportRunInfo struct {
	ID, TenantID uint64
	TenantName   string
	Kind         string
	DryRun       bool
	StartedAt    time.Time
	FinishedAt   *time.Time
	Counts       []ImportCount
	Error        string
}

// maxImportError bounds the bytes of a run's error kept.
const maxImportError = 1024

// StartImportRun records that an import of kind into the tenant starts now,
// returning the run's id for FinishImportRun.
func (s *Service) StartImportRun(ctx context.Context, tenantID uint64, kind string, dryRun bool) (uint64, error) {
	r := ImportRun{TenantID: tenantID, Kind: kind, DryRun: dryRun, StartedAt: s.now(), Counts: "[]"}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return 0, storeError(err, "import run")
	}
	return r.ID, nil
}

// FinishImportRun records that the run has ended, with what it did and the
// error it ended with ("" for none), cut to maxImportError bytes.
func (s *Service) FinishImportRun(ctx context.Context, id uint64, counts []ImportCount, runErr string) error {
	if counts == nil {
		counts = []ImportCount{}
	}
	b, err := json.Marshal(counts)
	if err != nil {
		return err
	}
	if len(runErr) > maxImportError {
		cut := maxImportError
		for cut > 0 && !utf8.RuneStart(runErr[cut]) {
			cut--
		}
		runErr = runErr[:cut]
	}
	now := s.now()
	res := s.db.WithContext(ctx).Model(&ImportRun{}).Where("id = ?", id).
		Updates(map[string]any{"finished_at": now, "counts": string(b), "error": strings.ToValidUTF8(runErr, "\uFFFD")})
	if res.Error != nil {
		return storeError(res.Error, "import run")
	}
	if res.RowsAffected == 0 {
		return NotFoundf("import run", "no import run %d", id)
	}
	return nil
}

// ImportRuns lists the last limit import runs of every tenant, newest first.
func (s *Service) ImportRuns(ctx context.Context, limit int) ([]ImportRunInfo, error) {
	var rows []struct {
		ImportRun
		TenantName string
	}
	err := s.db.WithContext(ctx).Table("import_runs AS r").
		Select("r.*, n.name AS tenant_name").
		Joins("JOIN tenants n ON n.id = r.tenant_id").
		Order("r.started_at DESC, r.id DESC").Limit(limit).Scan(&rows).Error
	if err != nil {
		return nil, storeError(err, "import run")
	}
	out := make([]ImportRunInfo, 0, len(rows))
	for _, r := range rows {
		info := ImportRunInfo{ID: r.ID, TenantID: r.TenantID, TenantName: r.TenantName, Kind: r.Kind, DryRun: r.DryRun,
			StartedAt: r.StartedAt, FinishedAt: r.FinishedAt, Error: r.Error}
		if err := json.Unmarshal([]byte(r.Counts), &info.Counts); err != nil {
			return nil, Errorf(EINTERNAL, "import run %d: its counts: %v", r.ID, err)
		}
		out = append(out, info)
	}
	return out, nil
}
