package seed

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"crmgw/core"
)

// BenchSpec sizes `crmgw seed bench`: Users per tenant; customers, contracts
// and follow-ups in all, shared evenly by the tenants.
type BenchSpec struct {
	Tenants, Users, Customers, Contracts, FollowUps int
	Seed                                            uint64 // the same seed gives the same data
}

// BenchSummary counts what Bench wrote.
type BenchSummary struct {
	Tenants, Users, Customers, Contracts, Payments, FollowUps, Opportunities int
}

// chunk is how many rows of a kind one transaction writes: one commit for
// thousands of records, each still checked as its use case checks it (the
// batch use cases, where there is one).
const chunk = 5000

// window is how many follow-ups followUps draws before writing them,
// grouped by author.
const window = 20 * chunk

// Bench fills tenants bench-01 … with reproducible data for the benchmarks:
// customers over the last two years (some lost to the public pool, some
// tagged), contracts signed over the last year with payments, follow-ups,
// opportunities and this month's targets. progress, when not nil, is told how
// many customers, contracts and follow-ups are in. Like Demo, run again it
// adds nothing and only issues a new token for the first tenant's first user.
func Bench(ctx context.Context, svc *core.Service, spec BenchSpec, progress func(rows int)) (Result, BenchSummary, error) {
	if spec.Tenants < 1 || spec.Users < 1 || spec.Customers < spec.Tenants || spec.Contracts < 0 || spec.FollowUps < 0 {
		return Result{}, BenchSummary{}, core.Invalidf("spec", "need at least one tenant, one user per tenant and one customer per tenant")
	}
	if progress == nil {
		progress = func(int) {}
	}
	rng := rand.New(rand.NewPCG(spec.Seed, spec.Seed^0x9e3779b97f4a7c15))
	var sum BenchSummary
	var first Result
	err := svc.BulkLoad(ctx, func() error {
		for t := 1; t <= spec.Tenants; t++ {
			share := func(n int) int { return n/spec.Tenants + btoi(t <= n%spec.Tenants) }
			f := &benchFill{svc: svc, rng: rng, progress: progress, sum: &sum}
			res, err := f.tenant(ctx, fmt.Sprintf("bench-%02d", t), spec.Users, share(spec.Customers), share(spec.Contracts), share(spec.FollowUps))
			if err != nil {
				return err
			}
			if t == 1 {
				first = res
			}
		}
		return nil
	})
	if err != nil {
		return Result{}, BenchSummary{}, err
	}
	return first, sum, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// benchFill fills one bench tenant, step by step, drawing every random
// choice from rng in a fixed order: the same seed gives the same data.
type benchFill struct {
	svc      *core.Service
	rng      *rand.Rand
	progress func(rows int)
	sum      *BenchSummary

	now      time.Time      // to the second, as stored
	loc      *time.Location // the tenant's time zone
	staff    []core.Caller
	customer []benchCustomer // the i-th customer written
}

// benchCustomer is a customer written, and which of the staff owns it (or lost it).
type benchCustomer struct {
	id    uint64
	owner int
}

// tenant fills the named tenant with users and, when it has no customers
// yet, customers, contracts, follow-ups and the rest.
func (f *benchFill) tenant(ctx context.Context, name string, users, customers, contracts, followUps int) (Result, error) {
	tenant, err := f.svc.EnsureTenant(ctx, name)
	if err != nil {
		return Result{}, err
	}
	existing, err := f.svc.CountCustomers(ctx, tenant.ID)
	if err != nil {
		return Result{}, err
	}
	if err := f.people(ctx, tenant, users); err != nil {
		return Result{}, err
	}
	first := f.staff[0]
	token, err := f.svc.RegisterToken(ctx, tenant.ID, first.UserID, "")
	if err != nil {
		return Result{}, err
	}
	res := Result{Token: token, TenantID: tenant.ID, UserID: first.UserID, DepartmentID: first.DepartmentID}
	if existing > 0 {
		return res, nil
	}
	f.sum.Tenants++
	f.sum.Users += users
	f.now = f.svc.Now().UTC().Truncate(time.Second)
	f.loc = first.Location
	if err := f.customers(ctx, customers); err != nil {
		return Result{}, err
	}
	if err := f.tags(ctx); err != nil {
		return Result{}, err
	}
	if err := f.contracts(ctx, contracts); err != nil {
		return Result{}, err
	}
	if err := f.followUps(ctx, followUps); err != nil {
		return Result{}, err
	}
	if err := f.opportunities(ctx, customers/10); err != nil {
		return Result{}, err
	}
	if err := f.targets(ctx); err != nil {
		return Result{}, err
	}
	res.Created = true
	return res, nil
}

// people makes the tenant's users, each department of about ten.
func (f *benchFill) people(ctx context.Context, tenant core.Tenant, users int) error {
	for i := range users {
		d, err := f.svc.EnsureDepartment(ctx, tenant.ID, fmt.Sprintf("部门%02d", i/10+1))
		if err != nil {
			return err
		}
		u, err := f.svc.EnsureUser(ctx, tenant.ID, fmt.Sprintf("user%04d", i+1), d.ID)
		if err != nil {
			return err
		}
		c, err := f.svc.CallerFor(tenant, u)
		if err != nil {
			return err
		}
		f.staff = append(f.staff, c)
	}
	return nil
}

// ago is a second in the last maxDays days.
func (f *benchFill) ago(maxDays int) time.Time {
	return f.now.Add(-time.Duration(f.rng.Int64N(int64(maxDays) * 24 * int64(time.Hour)))).Truncate(time.Second)
}

// inChunks writes n rows, chunk by chunk, each chunk in one transaction:
// write(tx, i) writes the i-th row. done is told each chunk's size.
func (f *benchFill) inChunks(ctx context.Context, n int, done func(rows int), write func(tx *core.Service, i int) error) error {
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		err := f.svc.InTransaction(ctx, func(tx *core.Service) error {
			for i := start; i < end; i++ {
				if err := write(tx, i); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		done(end - start)
	}
	return nil
}

// customers writes n customers created over the last two years, one in
// twenty lost since to the public pool, each made by its owner.
func (f *benchFill) customers(ctx context.Context, n int) error {
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		byOwner := map[int][]core.NewCustomer{}
		for i := start; i < end; i++ {
			owner := f.rng.IntN(len(f.staff))
			created := f.ago(730)
			in := core.NewCustomer{Name: fmt.Sprintf("客户%07d", i+1), Tel: fmt.Sprintf("138%08d", f.rng.IntN(1e8)),
				IndustryID: 1 + f.rng.Uint64N(6), SourceID: 1 + f.rng.Uint64N(5), ProgressID: 1 + f.rng.Uint64N(6),
				CategoryID: 1 + f.rng.Uint64N(2), StatusID: 1 + f.rng.Uint64N(4), CreatedAt: created}
			if f.rng.IntN(20) == 0 {
				in.LostAt = created.Add(time.Duration(f.rng.Int64N(int64(f.now.Sub(created)) + 1))).Truncate(time.Second)
			}
			byOwner[owner] = append(byOwner[owner], in)
		}
		var written []benchCustomer
		err := f.svc.InTransaction(ctx, func(tx *core.Service) error {
			written = written[:0]
			for _, owner := range slices.Sorted(maps.Keys(byOwner)) {
				cus, err := tx.CreateCustomers(ctx, f.staff[owner], byOwner[owner])
				if err != nil {
					return err
				}
				for _, cu := range cus {
					written = append(written, benchCustomer{id: cu.ID, owner: owner})
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		f.customer = append(f.customer, written...)
		f.progress(end - start)
	}
	f.sum.Customers += n
	return nil
}

// tags tags every fifth customer, 重要 and 待跟进 in turn.
func (f *benchFill) tags(ctx context.Context) error {
	return f.inChunks(ctx, (len(f.customer)+4)/5, func(int) {}, func(tx *core.Service, i int) error {
		cu := f.customer[5*i]
		return tx.TagCustomer(ctx, f.staff[cu.owner], cu.id, 1+uint64(i%2))
	})
}

// contracts writes n contracts signed over the last year by the owners of
// random customers, each chunk's followed by none, one or two payments each.
func (f *benchFill) contracts(ctx context.Context, n int) error {
	statuses := []string{core.ContractExecuting, core.ContractExecuting, core.ContractExecuting, core.ContractFinished, core.ContractTerminated}
	today := core.DateOf(f.now.In(f.loc))
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		byOwner := map[int][]core.NewContract{}
		for i := start; i < end; i++ {
			cu := f.customer[f.rng.IntN(len(f.customer))]
			signed := core.DateOf(f.ago(365).In(f.loc))
			created := signed.In(f.loc).Add(time.Duration(f.rng.IntN(9*3600)) * time.Second).UTC()
			amount := core.MoneyFromCents(100_000 + f.rng.Int64N(50_000_000)) // 1,000.00 to 501,000.00
			byOwner[cu.owner] = append(byOwner[cu.owner], core.NewContract{SN: fmt.Sprintf("B%08d", i+1),
				Title: fmt.Sprintf("合同%07d", i+1), CustomerID: cu.id, TotalAmount: amount,
				SignDate: signed, StartDate: signed, EndDate: signed.AddDays(365),
				Status: statuses[f.rng.IntN(len(statuses))], ApproveStatus: core.ApprovalApproved, CreatedAt: created})
		}
		owners := slices.Sorted(maps.Keys(byOwner))
		// None, one or two parts of each contract, each 10 to 49 percent of its
		// amount, paid between its signing and today: drawn before the
		// transaction, so that the same seed gives the same data.
		type part struct {
			contract, percent int // the contract's place in the chunk
			paid              int // days after its signing
		}
		var parts []part
		at := 0
		for _, owner := range owners {
			for _, k := range byOwner[owner] {
				days := int(today.In(time.UTC).Sub(k.SignDate.In(time.UTC)).Hours() / 24)
				for m := f.rng.IntN(3); m > 0; m-- {
					parts = append(parts, part{contract: at, paid: f.rng.IntN(days + 1), percent: 10 + f.rng.IntN(40)})
				}
				at++
			}
		}
		err := f.svc.InTransaction(ctx, func(tx *core.Service) error {
			var written []core.Contract
			for _, owner := range owners {
				ks, err := tx.CreateContracts(ctx, f.staff[owner], byOwner[owner])
				if err != nil {
					return err
				}
				written = append(written, ks...)
			}
			payments := make([]core.NewPayment, 0, len(parts))
			for _, p := range parts {
				k := written[p.contract]
				amount := k.TotalAmount.Mul(decimal.NewFromInt(int64(p.percent))).Div(decimal.NewFromInt(100)).Round(2)
				payments = append(payments, core.NewPayment{ContractID: k.ID, Direction: core.PaymentIn,
					Amount: core.Money{Decimal: amount}, PaidOn: k.SignDate.AddDays(p.paid)})
			}
			_, err := tx.AddPayments(ctx, f.staff[0], payments)
			return err
		})
		if err != nil {
			return err
		}
		f.sum.Payments += len(parts)
		f.progress(end - start)
	}
	f.sum.Contracts += n
	return nil
}

// followUps writes n follow-ups over the last year, nine in ten by the
// customer's owner, the rest by anyone. They are drawn a window at a time
// and written author by author: an author's few thousand follow-ups of a
// window fall on fewer days than there are of them, and the employees' daily
// figures take one upsert a day per batch, not one a follow-up.
func (f *benchFill) followUps(ctx context.Context, n int) error {
	for start := 0; start < n; start += window {
		end := min(start+window, n)
		byAuthor := map[int][]core.NewContactHistory{}
		for range end - start {
			cu := f.customer[f.rng.IntN(len(f.customer))]
			by := cu.owner
			if f.rng.IntN(10) == 0 {
				by = f.rng.IntN(len(f.staff))
			}
			byAuthor[by] = append(byAuthor[by], core.NewContactHistory{CustomerID: cu.id, TypeID: 1 + f.rng.Uint64N(7),
				RouteID: 1 + f.rng.Uint64N(4), Title: "跟进", Content: "电话沟通需求", ContactedAt: f.ago(365)})
		}
		for _, by := range slices.Sorted(maps.Keys(byAuthor)) {
			for rows := byAuthor[by]; len(rows) > 0; {
				batch := rows[:min(chunk, len(rows))]
				rows = rows[len(batch):]
				err := f.svc.InTransaction(ctx, func(tx *core.Service) error {
					_, err := tx.AddContactHistories(ctx, f.staff[by], batch)
					return err
				})
				if err != nil {
					return err
				}
				f.progress(len(batch))
			}
		}
	}
	f.sum.FollowUps += n
	return nil
}

// opportunities writes n open opportunities, each with a random customer's owner.
func (f *benchFill) opportunities(ctx context.Context, n int) error {
	err := f.inChunks(ctx, n, func(int) {}, func(tx *core.Service, _ int) error {
		cu := f.customer[f.rng.IntN(len(f.customer))]
		amount := core.MoneyFromCents(100 * (10000 + f.rng.Int64N(90000)))
		_, err := tx.CreateOpportunity(ctx, f.staff[cu.owner], core.NewOpportunity{CustomerID: cu.id, Title: "商机",
			Amount: amount, Stage: "open", CreatedAt: f.ago(365)})
		return err
	})
	f.sum.Opportunities += n
	return err
}

// targets sets each user's target for this month.
func (f *benchFill) targets(ctx context.Context) error {
	month := core.MonthOf(f.now.In(f.loc))
	for _, c := range f.staff {
		if err := f.svc.SetMonthlyTarget(ctx, c, month, core.MoneyFromCents(100*(100000+f.rng.Int64N(400000)))); err != nil {
			return err
		}
	}
	return nil
}
