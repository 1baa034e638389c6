package core

import (
	"sync"
	"testing"

	"gorm.io/gorm/schema"
)

// Every stored string has a bound the column checks enforce: a size in
// characters, or a TEXT column's bytes.
func TestEveryTextColumnIsBounded(t *testing.T) {
	for _, m := range allModels {
		s, err := schema.Parse(m, &sync.Map{}, schema.NamingStrategy{})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range s.Fields {
			if f.DBName != "" && f.DataType == schema.String && f.Size == 0 && f.TagSettings["TYPE"] != "text" {
				t.Errorf("%s.%s: a string column with neither size:N nor type:text", s.Table, f.DBName)
			}
		}
	}
}
