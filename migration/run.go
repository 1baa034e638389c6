package migration

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"crmgw/core"
)

// Options are an import's choices.
type Options struct {
	DryRun bool
	Batch  int // rows a transaction writes; 0: DefaultBatch
	// Progress, when not nil, is told how many rows each committed batch
	// took care of (written or skipped).
	Progress func(rows int)
}

// DefaultBatch is how many rows one transaction writes: one commit for
// thousands of use cases, each still making all its own checks.
const DefaultBatch = 2000

// Count is what an import did with one sheet's rows.
type Count struct {
	Sheet                           string
	Read, Written, Skipped, Refused int
}

// Result is an import's summary, a Count a sheet read in Kinds' order, and
// every problem found. With any problem nothing was written.
type Result struct {
	Counts   []Count
	Problems []Problem
}

// Rows is how many rows the sheets have in all, for a progress bar.
func (r Result) Rows() int {
	n := 0
	for _, c := range r.Counts {
		n += c.Read
	}
	return n
}

// errRollback ends the dry pass's transaction, so that nothing it wrote is kept.
var errRollback = errors.New("dry run: rolled back")

// Import reads the file or folder at path and writes its records into the
// tenant, kind after kind, keeping their ids. Every row is checked first,
// by the file's rules and then by core's own use cases in one transaction
// that is rolled back; a row with a problem refuses the whole file. Then, but
// for a dry run, the rows are written batch by batch, each batch in one
// transaction; a row whose id the tenant holds is skipped, so a second run
// changes nothing and a run stopped half-way is finished by the next.
func Import(ctx context.Context, svc *core.Service, tenant core.Tenant, path string, opt Options) (Result, error) {
	sheets, err := Read(path)
	if err != nil {
		return Result{}, err
	}
	return ImportSheets(ctx, svc, tenant, sheets, opt)
}

// ImportSheets is Import of sheets already read.
func ImportSheets(ctx context.Context, svc *core.Service, tenant core.Tenant, sheets []Sheet, opt Options) (Result, error) {
	if opt.Batch <= 0 {
		opt.Batch = DefaultBatch
	}
	if opt.Progress == nil {
		opt.Progress = func(int) {}
	}
	base, err := svc.CallerFor(tenant, core.User{TenantID: tenant.ID})
	if err != nil {
		return Result{}, err
	}
	all, problems := checkSheets(sheets, base.Location)
	var res Result
	for _, c := range all {
		res.Counts = append(res.Counts, Count{Sheet: c.kind.Sheet, Read: c.read})
	}
	dangling, err := checkRefs(ctx, svc, tenant.ID, all)
	if err != nil {
		return res, err
	}
	problems = append(problems, dangling...)
	if len(problems) == 0 { // core's own checks, every write rolled back
		err := svc.InTransaction(ctx, func(tx *core.Service) error {
			var err error
			problems, err = writeAll(ctx, &writer{svc: tx, base: base, lines: newLineBook(all)}, all, &res, opt, true)
			if err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			return res, err
		}
	}
	if len(problems) > 0 {
		res.Problems = sortProblems(problems)
		refused(&res, all)
		return res, nil
	}
	if opt.DryRun { // its counts are the rolled-back pass's: what a run would write and skip
		return res, nil
	}
	for i := range res.Counts {
		res.Counts[i].Written, res.Counts[i].Skipped = 0, 0
	}
	_, err = writeAll(ctx, &writer{svc: svc, base: base, lines: newLineBook(all)}, all, &res, opt, false)
	return res, err
}

// sortProblems orders problems as the sheets are written, then by row: as
// one reads the file.
func sortProblems(ps []Problem) []Problem {
	order := map[string]int{}
	for i, k := range Kinds {
		order[k.Sheet] = i + 1
	}
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(order[a.Sheet], order[b.Sheet]), cmp.Compare(a.Row, b.Row))
	})
	return ps
}

// refused counts each sheet's rows with a problem.
func refused(res *Result, all []*checked) {
	rows := map[string]map[int]bool{}
	for _, c := range all {
		rows[c.kind.Sheet] = c.bad
	}
	for _, p := range res.Problems {
		if p.Row > 1 && rows[p.Sheet] != nil {
			rows[p.Sheet][p.Row] = true
		}
	}
	for i := range res.Counts {
		c := &res.Counts[i]
		c.Written, c.Skipped, c.Refused = 0, 0, len(rows[c.Sheet])
	}
}

// checkRefs finds the references to ids neither in the file nor in the
// tenant: one query a referenced kind and batch of ids.
func checkRefs(ctx context.Context, svc *core.Service, tenantID uint64, all []*checked) ([]Problem, error) {
	inFile := map[string]map[uint64]bool{}
	for _, c := range all {
		if c.kind.Record == "" {
			continue
		}
		ids := map[uint64]bool{}
		for _, r := range c.rows {
			ids[r.uint("id")] = true
		}
		inFile[c.kind.Sheet] = ids
	}
	type use struct {
		sheet, column string
		row           int
		id            uint64
	}
	wanted := map[string][]use{} // by the sheet referenced
	for _, c := range all {
		for _, col := range c.kind.Columns {
			if col.Type != TypeRef {
				continue
			}
			for _, r := range c.rows {
				if id := r.uint(col.Name); id != 0 && !inFile[col.Ref][id] {
					wanted[col.Ref] = append(wanted[col.Ref], use{c.kind.Sheet, col.Name, r.num, id})
				}
			}
		}
	}
	var problems []Problem
	for i := range Kinds {
		k := &Kinds[i]
		uses := wanted[k.Sheet]
		for start := 0; start < len(uses); start += DefaultBatch {
			batch := uses[start:min(start+DefaultBatch, len(uses))]
			ids := make([]uint64, len(batch))
			for j, u := range batch {
				ids[j] = u.id
			}
			held, err := svc.HeldIDs(ctx, tenantID, k.Record, ids)
			if err != nil {
				return nil, err
			}
			for _, u := range batch {
				if !held[u.id] {
					problems = append(problems, Problem{Sheet: u.sheet, Row: u.row, Column: u.column,
						Reason: fmt.Sprintf("no %s %d in the file or the tenant", k.Record, u.id)})
				}
			}
		}
	}
	return problems, nil
}

// writeAll writes every sheet in Kinds' order, batch by batch. In the dry
// pass (all in the caller's transaction) a row core refuses is a problem and
// the rest go on; in the real pass each batch is a transaction of its own and
// any error stops the import, what was committed staying for the next run.
func writeAll(ctx context.Context, w *writer, all []*checked, res *Result, opt Options, dry bool) ([]Problem, error) {
	var problems []Problem
	for i, c := range all {
		count := &res.Counts[i]
		for start := 0; start < len(c.rows); start += opt.Batch {
			batch := c.rows[start:min(start+opt.Batch, len(c.rows))]
			run := func(tx *core.Service) error {
				bw := &writer{svc: tx, base: w.base, lines: w.lines}
				held := map[uint64]bool{}
				if c.kind.Record != "" {
					ids := make([]uint64, len(batch))
					for j, r := range batch {
						ids[j] = r.uint("id")
					}
					var err error
					if held, err = tx.HeldIDs(ctx, w.base.TenantID, c.kind.Record, ids); err != nil {
						return err
					}
					if err := tx.ReserveIDs(ctx, c.kind.Record, slices.Max(ids)); err != nil {
						return err
					}
				}
				written, skipped := 0, 0
				for _, r := range batch {
					// A line written with its record this run is held by now.
					if held[r.uint("id")] && !(c.kind.LinesOf != "" && bw.lines.withRecord(c.kind, r)) {
						skipped++
						continue
					}
					var changed bool
					var err error
					if c.kind.LinesOf != "" {
						changed, err = writeLine(bw, r, c.kind)
					} else {
						changed, err = c.kind.write(ctx, bw, r)
					}
					switch {
					case err != nil && (!dry || !isRefusal(err)):
						return fmt.Errorf("sheet %s, row %d: %w", c.kind.Sheet, r.num, err)
					case err != nil:
						problems = append(problems, refusal(c.kind, r, err))
					case changed:
						written++
					default:
						skipped++
					}
				}
				count.Written += written
				count.Skipped += skipped
				return nil
			}
			var err error
			if dry {
				err = run(w.svc)
			} else {
				err = w.svc.InTransaction(ctx, run)
			}
			if err != nil {
				return problems, err
			}
			if !dry {
				opt.Progress(len(batch))
			}
		}
	}
	return problems, nil
}

// isRefusal tells an error of the row's data (core refused it) from one of
// the database or the run (a lost connection, a cancelled context).
func isRefusal(err error) bool {
	switch core.ErrorCode(err) {
	case core.EINVALID, core.ENOTFOUND, core.ECONFLICT:
		return true
	}
	return false
}

// refusal is core's error for a row as a problem, at the column core names
// when it is one of the sheet's.
func refusal(k *Kind, r row, err error) Problem {
	p := Problem{Sheet: k.Sheet, Row: r.num, Reason: reason(err)}
	if e := core.AsError(err); e.Field != "" {
		if _, ok := k.column(string(e.Field)); ok {
			p.Column = string(e.Field)
		}
	}
	return p
}
