package core

import (
	"context"
	"database/sql"
	"errors"
	"reflect"
	"slices"
	"sync"

	"gorm.io/gorm"
)

// Ids belong to the client. A migrated client holds its old vendor's ids of
// customers, contracts, users …, and two companies moved from two vendors may
// hold the same ones: so the records a client can name are keyed by
// (id, tenant_id), and a record written with an id (an import's) keeps it.
// The id leads the key so that no query of a tenant's rows can take the key
// for an index of the tenant's: MySQL, its statistics stale after a bulk
// load, read every payment of a tenant through a (tenant_id, id) key for each
// contract of a list (ten seconds at 10k contracts) where the index of a
// contract's payments reads a few.
// A new record takes the next id of its kind's sequence, which is above every
// id its table holds in any tenant: ids crmgw makes never collide with kept
// ones, are unique across tenants (as an old vendor's were, so a client that
// saw one tenant's id learns nothing of another's), and are never given twice,
// even after a delete.

// idSequence is the last id given or kept of a kind of record (a table).
type idSequence struct {
	Kind   string `gorm:"primaryKey;size:64"`
	LastID uint64 `gorm:"not null"`
}

// tenantNumbered are the tables whose ids are the tenant's own.
var tenantNumbered = map[string]bool{
	"departments": true, "users": true, "customers": true, "contacts": true, "contact_histories": true,
	"contact_plans": true, "opportunities": true, "opportunity_lines": true, "contracts": true,
	"contract_lines": true, "payments": true, "payment_plans": true,
}

// idSequences numbers every new row of a tenantNumbered table, before the
// column checks and the insert: a gorm plugin, so that the service finds it
// (ReserveIDs). On MySQL, sequences are taken through pool, a few connections
// of their own (see takeIDsApart); pool is nil on SQLite.
type idSequences struct {
	pool *sql.DB
	// reached is, by table, a value MySQL's sequence is known to have reached:
	// it only grows, and its statements commit on their own, never rolled back
	// with a writer's transaction. A row that brings an id at or below it
	// needs no statement of its own (an import's, after ReserveIDs).
	mu      sync.Mutex
	reached map[string]uint64
}

func (q *idSequences) Name() string { return "crmgw:ids" }

func (q *idSequences) Initialize(db *gorm.DB) error {
	q.reached = map[string]uint64{}
	return db.Callback().Create().Before("crmgw:check_columns").Register("crmgw:ids", q.assign)
}

// assign gives the rows of one insert without an id the next ids of their
// kind's sequence, and raises it past the ids that rows bring.
func (q *idSequences) assign(db *gorm.DB) {
	stmt := db.Statement
	if db.Error != nil || stmt.Schema == nil || !tenantNumbered[stmt.Schema.Table] {
		return
	}
	idField := stmt.Schema.LookUpField("ID")
	var fresh []reflect.Value // rows without an id, in order
	var kept uint64           // the largest id a row brings
	add := func(row reflect.Value) {
		if row.Kind() != reflect.Struct {
			return
		}
		if id, _ := idField.ValueOf(stmt.Context, row); id.(uint64) != 0 {
			kept = max(kept, id.(uint64))
		} else {
			fresh = append(fresh, row)
		}
	}
	rows := reflect.Indirect(stmt.ReflectValue)
	switch rows.Kind() {
	case reflect.Struct:
		add(rows)
	case reflect.Slice, reflect.Array:
		for i := range rows.Len() {
			add(reflect.Indirect(rows.Index(i)))
		}
	}
	if kept > maxRecordID {
		db.AddError(Errorf(EINVALID, "%s: id %d is past the largest id kept, %d", stmt.Schema.Table, kept, uint64(maxRecordID)))
		return
	}
	var last uint64
	var err error
	if q.pool != nil {
		last, err = q.takeApart(stmt.Context, stmt.Schema.Table, kept, uint64(len(fresh)))
	} else {
		last, err = takeIDs(db.Session(&gorm.Session{NewDB: true}), stmt.Schema.Table, kept, uint64(len(fresh)))
	}
	if err != nil {
		db.AddError(err)
		return
	}
	for i, row := range fresh {
		if err := idField.Set(stmt.Context, row, last-uint64(len(fresh)-1-i)); err != nil {
			db.AddError(err)
			return
		}
	}
}

// keptIDFree refuses, as ECONFLICT, an id to keep that the tenant already
// holds for that kind of record (a use case's in.ID); 0 asks for a new one.
func keptIDFree(tx *gorm.DB, c Caller, model any, entity string, id uint64) error {
	return keptIDsFree(tx, c, model, entity, []uint64{id})
}

// keptIDsFree is keptIDFree for several ids (a record's lines), 0s skipped.
func keptIDsFree(tx *gorm.DB, c Caller, model any, entity string, ids []uint64) error {
	ids = slices.DeleteFunc(slices.Clone(ids), func(id uint64) bool { return id == 0 })
	if len(ids) == 0 {
		return nil
	}
	var held []uint64
	if err := tx.Model(model).Scopes(inTenant(c.TenantID)).Where("id IN ?", ids).Limit(1).Pluck("id", &held).Error; err != nil {
		return storeError(err, entity)
	}
	if len(held) > 0 {
		e := Errorf(ECONFLICT, "%s %d exists already", entity, held[0])
		e.Entity, e.held = entity, true
		return e
	}
	return nil
}

// maxRecordID is the largest id kept or given: what a signed 64-bit integer
// holds, the type of ids in the .NET and Java clients of the dialects.
const maxRecordID = 1<<63 - 1

// takeIDs raises the sequence of table to at least kept and then takes n ids
// from it, returning the last one taken, in the insert's own transaction
// (gorm opens one around a lone insert): SQLite's, where one writer at a time
// is all there is, so holding the sequence costs nothing, and an insert
// rolled back gives its ids back. A sequence not made yet starts past the ids
// its table holds (a database from before sequences).
func takeIDs(tx *gorm.DB, table string, kept, n uint64) (uint64, error) {
	var seq idSequence
	err := tx.Where("kind = ?", table).Take(&seq).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		var held uint64
		if err := tx.Table(table).Select("COALESCE(MAX(id), 0)").Scan(&held).Error; err != nil {
			return 0, err
		}
		seq = idSequence{Kind: table, LastID: held}
		err = tx.Create(&seq).Error
	}
	if err != nil {
		return 0, err
	}
	last := max(seq.LastID, kept)
	if n > maxRecordID-last {
		return 0, Errorf(ECONFLICT, "%s: every id there is has been given", table)
	}
	last += n
	if last == seq.LastID {
		return last, nil
	}
	err = tx.Model(&idSequence{}).Where("kind = ?", table).Update("last_id", last).Error
	return last, err
}

// takeApart is takeIDsApart, but none is taken for a row that brings an id
// the sequence has reached already.
func (q *idSequences) takeApart(ctx context.Context, table string, kept, n uint64) (uint64, error) {
	q.mu.Lock()
	reached := q.reached[table]
	q.mu.Unlock()
	if n == 0 && kept <= reached {
		return reached, nil
	}
	last, err := takeIDsApart(ctx, q.pool, table, kept, n)
	if err == nil {
		q.mu.Lock()
		q.reached[table] = max(q.reached[table], last)
		q.mu.Unlock()
	}
	return last, err
}

// takeIDsApart is takeIDs for MySQL, where writers run side by side: each
// statement commits on its own, on a connection of pool's, so the sequence's
// row is locked for one statement, not for the writer's whole transaction
// (which would queue every writer of a kind behind the slowest, and deadlock
// against the locks they take before). An insert rolled back leaves its ids
// unused, as AUTO_INCREMENT does. pool's connections report rows matched, not
// changed, so that a sequence already past kept is found.
func takeIDsApart(ctx context.Context, pool *sql.DB, table string, kept, n uint64) (uint64, error) {
	for range 2 {
		res, err := pool.ExecContext(ctx, "UPDATE id_sequences SET last_id = LAST_INSERT_ID(GREATEST(last_id, ?) + ?) WHERE kind = ? AND GREATEST(last_id, ?) <= ?",
			kept, n, table, kept, maxRecordID-n)
		if err != nil {
			return 0, err
		}
		if matched, err := res.RowsAffected(); err != nil || matched == 1 {
			last, err2 := res.LastInsertId()
			return uint64(last), errors.Join(err, err2)
		}
		// No row yet (or one with no ids left, which the insert leaves as it is).
		if _, err := pool.ExecContext(ctx, "INSERT IGNORE INTO id_sequences (kind, last_id) SELECT ?, COALESCE(MAX(id), 0) FROM "+table, table); err != nil {
			return 0, err
		}
	}
	return 0, Errorf(ECONFLICT, "%s: every id there is has been given", table)
}

// The kinds of record whose ids an import keeps, as HeldIDs names them.
const (
	KindDepartment      = "department"
	KindUser            = "user"
	KindCustomer        = "customer"
	KindContact         = "contact"
	KindFollowUp        = "contact history"
	KindContactPlan     = "contact plan"
	KindOpportunity     = "opportunity"
	KindContract        = "contract"
	KindContractLine    = "contract line"
	KindOpportunityLine = "opportunity line"
	KindPaymentPlan     = "payment plan"
	KindPayment         = "payment"
)

// keptKinds are the tables behind the kinds HeldIDs knows.
var keptKinds = map[string]any{
	KindDepartment: &Department{}, KindUser: &User{}, KindCustomer: &Customer{}, KindContact: &Contact{},
	KindFollowUp: &ContactHistory{}, KindContactPlan: &ContactPlan{}, KindOpportunity: &Opportunity{},
	KindContract: &Contract{}, KindPaymentPlan: &PaymentPlan{}, KindPayment: &Payment{},
	KindContractLine: &ContractLine{}, KindOpportunityLine: &OpportunityLine{},
}

// HeldIDs answers which of ids the tenant already holds for a kind of record,
// in one query: an import asks it once per batch to skip what an earlier run
// wrote, and to tell a reference to the tenant's data from a dangling one.
func (s *Service) HeldIDs(ctx context.Context, tenantID uint64, kind string, ids []uint64) (map[uint64]bool, error) {
	model, ok := keptKinds[kind]
	if !ok {
		return nil, Errorf(EINVALID, "no record kind %q keeps ids", Excerpt(kind))
	}
	held := make(map[uint64]bool)
	if len(ids) == 0 {
		return held, nil
	}
	var found []uint64
	err := s.db.WithContext(ctx).Model(model).Scopes(inTenant(tenantID)).Where("id IN ?", ids).Pluck("id", &found).Error
	if err != nil {
		return nil, storeError(err, kind)
	}
	for _, id := range found {
		held[id] = true
	}
	return held, nil
}

// ReserveIDs raises the sequence of a kind of record to at least upTo, the
// largest id of a batch an import is about to write, so that its rows then
// need no statement of their own on MySQL, where each is a commit of its own
// (a log flush): one statement a batch instead of one a row. On SQLite the
// sequence is raised inside each insert's transaction at no such cost, and
// this does nothing.
func (s *Service) ReserveIDs(ctx context.Context, kind string, upTo uint64) error {
	model, ok := keptKinds[kind]
	if !ok {
		return Errorf(EINVALID, "no record kind %q keeps ids", Excerpt(kind))
	}
	q, _ := s.db.Config.Plugins["crmgw:ids"].(*idSequences)
	if q == nil || q.pool == nil || upTo == 0 {
		return nil
	}
	if upTo > maxRecordID {
		return Errorf(EINVALID, "%s: id %d is past the largest id kept, %d", kind, upTo, uint64(maxRecordID))
	}
	stmt := &gorm.Statement{DB: s.db}
	if err := stmt.Parse(model); err != nil {
		return err
	}
	_, err := q.takeApart(ctx, stmt.Schema.Table, upTo, 0)
	return err
}
