package dbtest

import (
	"sync"
	"testing"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
)

// Deadlocks makes db answer a statement as MySQL answers the victim of a
// deadlock (error 1213, the transaction rolled back), on either engine: each
// transaction fails at one of its first statements, cycling through the
// positions, until a use case's transaction has failed twice in a row; its
// third attempt runs untouched. Only statements inside transactions fail.
// The tests run one writer at a time while it is installed.
type Deadlocks struct {
	mu     sync.Mutex
	tx     gorm.ConnPool // the transaction of the statements seen last
	n, at  int           // its statements so far; the one to fail, 0 for none
	failed bool          // whether one of them failed
	streak int           // the transactions failed in a row before it
	txs    int
	// Injected counts the statements failed.
	Injected int
}

// InjectDeadlocks installs Deadlocks on db until t ends.
func InjectDeadlocks(t testing.TB, db *gorm.DB) *Deadlocks {
	t.Helper()
	d := &Deadlocks{}
	cb := db.Callback()
	for name, err := range map[string]error{
		"create": cb.Create().Before("gorm:create").Register("test:deadlock_create", d.statement),
		"query":  cb.Query().Before("gorm:query").Register("test:deadlock_query", d.statement),
		"update": cb.Update().Before("gorm:update").Register("test:deadlock_update", d.statement),
		"delete": cb.Delete().Before("gorm:delete").Register("test:deadlock_delete", d.statement),
		"row":    cb.Row().Before("gorm:row").Register("test:deadlock_row", d.statement),
		"raw":    cb.Raw().Before("gorm:raw").Register("test:deadlock_raw", d.statement),
	} {
		if err != nil {
			t.Fatalf("deadlocks on %s: %v", name, err)
		}
	}
	t.Cleanup(func() {
		_ = cb.Create().Remove("test:deadlock_create")
		_ = cb.Query().Remove("test:deadlock_query")
		_ = cb.Update().Remove("test:deadlock_update")
		_ = cb.Delete().Remove("test:deadlock_delete")
		_ = cb.Row().Remove("test:deadlock_row")
		_ = cb.Raw().Remove("test:deadlock_raw")
	})
	return d
}

func (d *Deadlocks) statement(db *gorm.DB) {
	if db.Error != nil {
		return
	}
	if _, inTx := db.Statement.ConnPool.(gorm.TxCommitter); !inTx {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if db.Statement.ConnPool != d.tx {
		if d.failed {
			d.streak++
		} else {
			d.streak = 0
		}
		d.tx, d.n, d.at, d.failed = db.Statement.ConnPool, 0, 0, false
		if d.streak < 2 {
			d.at = 1 + d.txs%4
		}
		d.txs++
	}
	d.n++
	if d.n == d.at {
		d.failed = true
		d.Injected++
		db.AddError(&mysql.MySQLError{Number: 1213, Message: "Deadlock found when trying to get lock; try restarting transaction"})
	}
}
