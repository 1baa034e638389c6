package core_test

import (
	"strings"
	"testing"

	"gorm.io/gorm"

	"crmgw/core"
)

// An upgrade drops the indexes replaced by wider ones. A record's last
// follow-up is then found through its own key: the planner no longer walks
// ix_histories_contacted back through every follow-up of the tenant (one
// contract's page cost a scan of them all); the contracts' newest-first page
// is read from the index alone, in its order.
func TestMigrateReplacesNarrowIndexes(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		m := db.Migrator()
		for _, old := range []string{"CREATE INDEX ix_histories_customer ON contact_histories (tenant_id, customer_id)",
			"CREATE INDEX ix_histories_subject ON contact_histories (tenant_id, subject_kind, subject_id)",
			"CREATE INDEX ix_contracts_created ON contracts (tenant_id, created_at)",
			"CREATE INDEX ix_payments_paid ON payments (tenant_id, direction, paid_on)"} {
			if err := db.Exec(old).Error; err != nil {
				t.Fatal(err)
			}
		}
		if err := core.Migrate(db); err != nil {
			t.Fatal(err)
		}
		for _, idx := range []struct {
			model any
			name  string
			want  bool
		}{{&core.ContactHistory{}, "ix_histories_customer", false}, {&core.ContactHistory{}, "ix_histories_subject", false},
			{&core.ContactHistory{}, "ix_histories_customer_at", true}, {&core.ContactHistory{}, "ix_histories_subject_at", true},
			{&core.Contract{}, "ix_contracts_created", false}, {&core.Contract{}, "ix_contracts_created_id", true},
			{&core.Payment{}, "ix_payments_paid", false}, {&core.Payment{}, "ix_payments_paid_id", true}} {
			if got := m.HasIndex(idx.model, idx.name); got != idx.want {
				t.Errorf("index %s: present %v, want %v", idx.name, got, idx.want)
			}
		}
		if db.Dialector.Name() != core.DriverSQLite { // MySQL plans by its statistics: an empty table tells nothing
			return
		}
		for q, index := range map[string]string{
			"SELECT contacted_at FROM contact_histories WHERE tenant_id = 1 AND customer_id = 5 ORDER BY contacted_at DESC LIMIT 1":   "ix_histories_customer_at",
			"SELECT MAX(contacted_at) FROM contact_histories WHERE tenant_id = 1 AND subject_kind = 'opportunity' AND subject_id = 5": "ix_histories_subject_at",
			"SELECT id FROM contracts WHERE tenant_id = 1 ORDER BY created_at DESC, id DESC LIMIT 100 OFFSET 1000":                    "ix_contracts_created_id",
			"SELECT id FROM payments WHERE tenant_id = 1 AND direction = 'in' ORDER BY paid_on, id LIMIT 100 OFFSET 1000":             "ix_payments_paid_id",
		} {
			var plan []struct{ Detail string }
			if err := db.Raw("EXPLAIN QUERY PLAN " + q).Scan(&plan).Error; err != nil {
				t.Fatal(err)
			}
			if len(plan) != 1 || !strings.Contains(plan[0].Detail, "INDEX "+index+" (") {
				t.Errorf("%s: plan %+v, want a search of %s", q, plan, index)
			}
		}
	})
}
