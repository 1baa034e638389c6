package core

import (
	"reflect"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// maxTextBytes is what a TEXT column holds on MySQL; SQLite would hold more,
// but one rule serves both engines.
const maxTextBytes = 65535

// registerColumnChecks makes every write check the values it stores, whichever
// use case wrote them: text within its column (size:N characters, TEXT's
// bytes) and valid UTF-8, dates within MinDate to MaxDate, times within what
// DATETIME holds. So a
// value one engine would store and the other refuse, or that could be stored
// but never read back, is bad input on both, named by its column.
func registerColumnChecks(db *gorm.DB) error {
	if err := db.Callback().Create().Before("gorm:create").Register("crmgw:check_columns", checkColumns); err != nil {
		return err
	}
	return db.Callback().Update().Before("gorm:update").Register("crmgw:check_columns", checkColumns)
}

func checkColumns(db *gorm.DB) {
	stmt := db.Statement
	if db.Error != nil || stmt.Schema == nil {
		return
	}
	if values, ok := stmt.Dest.(map[string]any); ok { // Update(column, value), Updates(map)
		for name, v := range values {
			if f := stmt.Schema.LookUpField(name); f != nil {
				if err := checkColumn(f, v); err != nil {
					db.AddError(err)
					return
				}
			}
		}
		return
	}
	rows := reflect.Indirect(stmt.ReflectValue)
	switch rows.Kind() {
	case reflect.Struct:
		db.AddError(checkRow(db, stmt.Schema, rows))
	case reflect.Slice, reflect.Array:
		for i := range rows.Len() {
			if err := checkRow(db, stmt.Schema, reflect.Indirect(rows.Index(i))); err != nil {
				db.AddError(err)
				return
			}
		}
	}
}

func checkRow(db *gorm.DB, s *schema.Schema, row reflect.Value) error {
	if row.Kind() != reflect.Struct {
		return nil
	}
	for _, f := range s.Fields {
		if f.DBName == "" {
			continue
		}
		v, zero := f.ValueOf(db.Statement.Context, row)
		if zero {
			continue
		}
		if err := checkColumn(f, v); err != nil {
			return err
		}
	}
	return nil
}

func checkColumn(f *schema.Field, v any) error {
	switch v := v.(type) {
	case string:
		return checkText(f, v)
	case time.Time:
		return checkInstant(f.DBName, v)
	case *time.Time:
		if v != nil {
			return checkInstant(f.DBName, *v)
		}
	case Date:
		return CheckDate(Field(f.DBName), v)
	}
	return nil
}

// The instants both engines' DATETIME hold. Times reach storage in UTC; the
// edge checked their day in the zone they were read in (CheckTime), which
// keeps them within these, so this only stops what no edge checked.
var minInstant, maxInstant = time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)

func checkInstant(column string, t time.Time) error {
	if t.Before(minInstant) || t.After(maxInstant) {
		return Invalidf(Field(column), "%s %s is outside %s to %s", column, t.UTC().Format(time.DateTime), MinDate, MaxDate)
	}
	return nil
}

func checkText(f *schema.Field, v string) error {
	if !utf8.ValidString(v) {
		return Invalidf(Field(f.DBName), "%s is not valid UTF-8 text", f.DBName)
	}
	if f.Size > 0 {
		if n := utf8.RuneCountInString(v); n > f.Size {
			return Invalidf(Field(f.DBName), "%s is %d characters long, longer than %d", f.DBName, n, f.Size)
		}
		return nil
	}
	if len(v) > maxTextBytes {
		return Invalidf(Field(f.DBName), "%s is %d bytes long, longer than %d", f.DBName, len(v), maxTextBytes)
	}
	return nil
}
