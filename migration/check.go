package migration

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"crmgw/core"
)

// Problem is one thing wrong in the file, where it is: a row of 0 is the
// sheet's, a column of "" the row's.
type Problem struct {
	Sheet  string
	Row    int
	Column string
	Reason string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Sheet != "" {
		fmt.Fprintf(&b, "sheet %s", p.Sheet)
	}
	if p.Row > 0 {
		fmt.Fprintf(&b, ", row %d", p.Row)
	}
	if p.Column != "" {
		fmt.Fprintf(&b, ", column %s", p.Column)
	}
	return b.String() + ": " + p.Reason
}

// row is one row of a sheet as checked: its values by column, each of its
// column's type (uint64, string, bool, core.Date, time.Time, core.Month,
// core.Money), absent when the cell was empty.
type row struct {
	num  int
	vals map[string]any
}

func (r row) uint(name string) uint64 { v, _ := r.vals[name].(uint64); return v }
func (r row) text(name string) string { v, _ := r.vals[name].(string); return v }
func (r row) date(name string) core.Date {
	v, _ := r.vals[name].(core.Date)
	return v
}
func (r row) time(name string) time.Time {
	v, _ := r.vals[name].(time.Time)
	return v
}
func (r row) money(name string) core.Money {
	v, _ := r.vals[name].(core.Money)
	return v
}
func (r row) month(name string) core.Month {
	v, _ := r.vals[name].(core.Month)
	return v
}

// updated is the row's updated_at, its created_at when empty: a migrated
// record was last changed before the import.
func (r row) updated() time.Time {
	if t := r.time("updated_at"); !t.IsZero() {
		return t
	}
	return r.time("created_at")
}

// flag is a bool column's value, def when its cell was empty.
func (r row) flag(name string, def bool) bool {
	if v, ok := r.vals[name].(bool); ok {
		return v
	}
	return def
}

// checked is a sheet whose cells were all read as their columns' types.
type checked struct {
	kind *Kind
	read int          // rows read
	rows []row        // rows checked: none when its header is wrong
	bad  map[int]bool // the numbers of its rows with a problem
}

// parseCell reads one cell as its column's type.
func parseCell(c Column, s string, loc *time.Location) (any, error) {
	switch c.Type {
	case TypeID, TypeRef:
		v, err := core.ParseID(s)
		if err != nil || v == 0 {
			return nil, fmt.Errorf("%q is no id (a whole number from 1 to %d)", core.Excerpt(s), core.MaxID)
		}
		return v, nil
	case TypeInt:
		v, err := strconv.ParseUint(s, 10, 63)
		if err != nil {
			return nil, fmt.Errorf("%q is no whole number ≥ 0", core.Excerpt(s))
		}
		return v, nil
	case TypeBool:
		switch strings.ToLower(s) {
		case "1", "true":
			return true, nil
		case "0", "false":
			return false, nil
		}
		return nil, fmt.Errorf("%q is neither 1 nor 0", core.Excerpt(s))
	case TypeDate:
		return core.ParseDate(s)
	case TypeDateTime:
		t, err := time.ParseInLocation(time.DateTime, s, loc)
		if err != nil {
			return nil, fmt.Errorf("%q is no date and time (2006-01-02 15:04:05)", core.Excerpt(s))
		}
		if err := core.CheckTime(core.Field(c.Name), t); err != nil {
			return nil, err
		}
		return t.UTC(), nil
	case TypeMonth:
		return core.ParseMonth(s)
	case TypeMoney:
		return core.ParseMoney(s)
	}
	return s, nil
}

// checkSheets reads every sheet's cells as their columns say, and checks the
// ids and the references among them; references to the tenant are left to
// checkHeld.
func checkSheets(sheets []Sheet, loc *time.Location) ([]*checked, []Problem) {
	var problems []Problem
	bySheet := map[string]*checked{}
	for _, s := range sheets {
		k, ok := kindOf(s.Name)
		if !ok {
			problems = append(problems, Problem{Sheet: s.Name, Reason: "no such kind of record (the sheets are those of `crmgw import template`)"})
			continue
		}
		if bySheet[s.Name] != nil {
			problems = append(problems, Problem{Sheet: s.Name, Reason: "a second sheet of that name"})
			continue
		}
		c, ps := checkSheet(k, s, loc)
		problems = append(problems, ps...)
		bySheet[s.Name] = c
	}
	var out []*checked
	for i := range Kinds {
		if c := bySheet[Kinds[i].Sheet]; c != nil {
			out = append(out, c)
		}
	}
	return out, problems
}

func checkSheet(k *Kind, s Sheet, loc *time.Location) (*checked, []Problem) {
	var problems []Problem
	at := map[string]int{}
	for i, h := range s.Header {
		if h == "" {
			continue
		}
		if _, ok := k.column(h); !ok {
			problems = append(problems, Problem{Sheet: s.Name, Row: 1, Column: h, Reason: "no such column"})
		} else if _, dup := at[h]; dup {
			problems = append(problems, Problem{Sheet: s.Name, Row: 1, Column: h, Reason: "a second column of that name"})
		}
		at[h] = i
	}
	var missing []string
	for _, c := range k.Columns {
		if _, ok := at[c.Name]; c.Required && !ok {
			missing = append(missing, c.Name)
		}
	}
	if len(missing) > 0 {
		problems = append(problems, Problem{Sheet: s.Name, Reason: "missing required columns " + strings.Join(missing, ", ")})
	}
	c := &checked{kind: k, read: len(s.Rows), bad: map[int]bool{}}
	if len(problems) > 0 { // every row refused with its sheet
		for _, l := range s.Rows {
			c.bad[l.Num] = true
		}
		return c, problems
	}
	ids := map[uint64]int{}
	for _, l := range s.Rows {
		r := row{num: l.Num, vals: map[string]any{}}
		bad := func(col, reason string) {
			problems = append(problems, Problem{Sheet: s.Name, Row: l.Num, Column: col, Reason: reason})
			c.bad[l.Num] = true
		}
		for _, col := range k.Columns {
			i, ok := at[col.Name]
			cell := ""
			if ok && i < len(l.Cells) {
				cell = strings.TrimSpace(l.Cells[i])
			}
			if cell == "" {
				if col.Required {
					bad(col.Name, "required, and empty")
				}
				continue
			}
			v, err := parseCell(col, cell, loc)
			if err != nil {
				bad(col.Name, reason(err))
				continue
			}
			r.vals[col.Name] = v
		}
		if k.Record != "" {
			if id := r.uint("id"); id != 0 {
				if first, dup := ids[id]; dup {
					bad("id", fmt.Sprintf("id %d is that of row %d too", id, first))
				} else {
					ids[id] = l.Num
				}
			}
		}
		c.rows = append(c.rows, r)
	}
	return c, problems
}

// reason is an error as a problem says it, without core's code.
func reason(err error) string {
	if e, ok := err.(*core.Error); ok {
		return e.Message
	}
	return err.Error()
}
