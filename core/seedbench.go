package core

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/shopspring/decimal"
	"gorm.io/gorm"
)

// BenchSpec sizes `crmgw seed bench`: Users per tenant; customers, contracts
// and follow-ups in all, shared evenly by the tenants.
type BenchSpec struct {
	Tenants, Users, Customers, Contracts, FollowUps int
	Seed                                            uint64 // the same seed gives the same data
}

// BenchSummary counts what SeedBench wrote.
type BenchSummary struct {
	Tenants, Users, Customers, Contracts, Payments, FollowUps, Opportunities int
}

// benchTenant names the i-th (from 1) tenant `seed bench` fills.
func benchTenant(i int) string { return fmt.Sprintf("bench-%02d", i) }

// benchBatch is how many rows one INSERT carries, well under both engines' placeholder limits.
const benchBatch = 500

// SeedBench fills tenants bench-01 … with reproducible data for the benchmarks:
// customers over the last two years (some lost to the public pool, some
// tagged), contracts signed over the last year with payments, follow-ups,
// opportunities and this month's targets; batched inserts, one transaction per
// chunk. progress is told how many customers, contracts and follow-ups are in.
// Like SeedDemo, run again it adds nothing and only issues a new token for the
// first tenant's first user.
func (s *Service) SeedBench(ctx context.Context, spec BenchSpec, progress func(rows int)) (SeedResult, BenchSummary, error) {
	if spec.Tenants < 1 || spec.Users < 1 || spec.Customers < spec.Tenants || spec.Contracts < 0 || spec.FollowUps < 0 {
		return SeedResult{}, BenchSummary{}, Invalidf("spec", "need at least one tenant, one user per tenant and one customer per tenant")
	}
	rng := rand.New(rand.NewPCG(spec.Seed, spec.Seed^0x9e3779b97f4a7c15))
	var sum BenchSummary
	var res SeedResult
	for t := 1; t <= spec.Tenants; t++ {
		share := func(n int) int { return n/spec.Tenants + btoi(t <= n%spec.Tenants) }
		r, created, err := s.seedBenchTenant(ctx, rng, benchTenant(t), spec.Users, share(spec.Customers), share(spec.Contracts), share(spec.FollowUps), progress, &sum)
		if err != nil {
			return SeedResult{}, BenchSummary{}, err
		}
		if t == 1 {
			res = r
			res.Created = created
		}
	}
	return res, sum, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *Service) seedBenchTenant(ctx context.Context, rng *rand.Rand, name string, users, customers, contracts, followUps int,
	progress func(int), sum *BenchSummary) (SeedResult, bool, error) {
	tenant, err := s.EnsureTenant(ctx, name)
	if err != nil {
		return SeedResult{}, false, err
	}
	loc, err := s.location(tenant.TimeZone)
	if err != nil {
		return SeedResult{}, false, err
	}
	db := s.db.WithContext(ctx)
	var existing int64
	if err := db.Model(&Customer{}).Scopes(inTenant(tenant.ID)).Count(&existing).Error; err != nil {
		return SeedResult{}, false, storeError(err, "customer")
	}
	// The people, each department of about ten.
	var staff []User
	for i := 0; i < users; i++ {
		d, err := s.EnsureDepartment(ctx, tenant.ID, fmt.Sprintf("部门%02d", i/10+1))
		if err != nil {
			return SeedResult{}, false, err
		}
		u, err := s.EnsureUser(ctx, tenant.ID, fmt.Sprintf("user%04d", i+1), d.ID)
		if err != nil {
			return SeedResult{}, false, err
		}
		staff = append(staff, u)
	}
	first := Caller{TenantID: tenant.ID, UserID: staff[0].ID, DepartmentID: staff[0].DepartmentID, Location: loc}
	token, err := s.RegisterToken(ctx, tenant.ID, first.UserID, "")
	if err != nil {
		return SeedResult{}, false, err
	}
	res := SeedResult{Token: token, TenantID: tenant.ID, UserID: first.UserID, DepartmentID: first.DepartmentID}
	if existing > 0 {
		return res, false, nil
	}
	sum.Tenants++
	sum.Users += users
	now := s.now()
	today := DateOf(now.In(loc))
	ago := func(maxDays int) time.Time { // a second in the last maxDays days
		return now.Add(-time.Duration(rng.Int64N(int64(maxDays) * 24 * int64(time.Hour)))).Truncate(time.Second)
	}
	insert := func(rows any, n int) error {
		err := db.Session(&gorm.Session{SkipHooks: true, CreateBatchSize: benchBatch}).Create(rows).Error
		if err == nil && progress != nil {
			progress(n)
		}
		return storeError(err, "bench data")
	}

	// Customers, in chunks; their owners are remembered by name to match the ids read back.
	owner := make([]uint64, customers)
	const chunk = 10 * benchBatch
	for start := 0; start < customers; start += chunk {
		var rows []Customer
		for i := start; i < min(start+chunk, customers); i++ {
			u := staff[rng.IntN(len(staff))]
			created := ago(730)
			cu := Customer{TenantID: tenant.ID, OwnerID: u.ID, CreatorID: u.ID, Name: fmt.Sprintf("客户%07d", i+1),
				Tel: fmt.Sprintf("138%08d", rng.IntN(1e8)), IndustryID: 1 + rng.Uint64N(6), SourceID: 1 + rng.Uint64N(5),
				ProgressID: 1 + rng.Uint64N(6), CategoryID: 1 + rng.Uint64N(2), StatusID: 1 + rng.Uint64N(4),
				CreatedAt: created, UpdatedAt: created}
			if rng.IntN(20) == 0 { // lost to the public pool
				lost := created.Add(time.Duration(rng.Int64N(int64(now.Sub(created)) + 1))).Truncate(time.Second)
				cu.OwnerID, cu.IsPublic, cu.LostByID, cu.LostAt = 0, true, u.ID, &lost
			}
			owner[i] = u.ID
			rows = append(rows, cu)
		}
		if err := insert(&rows, len(rows)); err != nil {
			return SeedResult{}, false, err
		}
	}
	sum.Customers += customers
	var ids []struct {
		ID   uint64
		Name string
	}
	if err := db.Model(&Customer{}).Scopes(inTenant(tenant.ID)).Select("id", "name").Order("id").Find(&ids).Error; err != nil {
		return SeedResult{}, false, storeError(err, "customer")
	}
	customerID := make([]uint64, customers)
	for _, c := range ids {
		var i int
		if _, err := fmt.Sscanf(c.Name, "客户%07d", &i); err == nil && i >= 1 && i <= customers {
			customerID[i-1] = c.ID
		}
	}
	var tags []CustomerTag
	for i, id := range customerID {
		if i%5 == 0 {
			tags = append(tags, CustomerTag{TenantID: tenant.ID, CustomerID: id, TagID: 1 + uint64(i/5%2)})
		}
	}
	if len(tags) > 0 {
		if err := insert(&tags, 0); err != nil {
			return SeedResult{}, false, err
		}
	}
	department := map[uint64]uint64{}
	for _, u := range staff {
		department[u.ID] = u.DepartmentID
	}

	// Contracts signed over the last year, then their payments.
	statuses := []string{ContractExecuting, ContractExecuting, ContractExecuting, ContractFinished, ContractTerminated}
	for start := 0; start < contracts; start += chunk {
		var rows []Contract
		for i := start; i < min(start+chunk, contracts); i++ {
			c := rng.IntN(customers)
			signed := DateOf(ago(365).In(loc))
			created := signed.In(loc).Add(time.Duration(rng.IntN(9*3600)) * time.Second).UTC()
			amount := Money{decimal.New(100_000+rng.Int64N(50_000_000), -2)} // 1,000.00 to 501,000.00
			rows = append(rows, Contract{TenantID: tenant.ID, SN: fmt.Sprintf("B%08d", i+1), Title: fmt.Sprintf("合同%07d", i+1),
				CustomerID: customerID[c], OwnerID: owner[c], DepartmentID: department[owner[c]], CreatorID: owner[c],
				TotalAmount: amount, SignDate: signed, StartDate: signed, EndDate: signed.AddDays(365),
				Status: statuses[rng.IntN(len(statuses))], ApproveStatus: ApprovalApproved, CustomFields: "{}",
				CreatedAt: created, UpdatedAt: created})
		}
		if err := insert(&rows, 0); err != nil {
			return SeedResult{}, false, err
		}
		var kids []Contract
		if err := db.Scopes(inTenant(tenant.ID)).Select("id", "owner_id", "total_amount", "sign_date").
			Where("sn >= ? AND sn <= ?", rows[0].SN, rows[len(rows)-1].SN).Find(&kids).Error; err != nil {
			return SeedResult{}, false, storeError(err, "contract")
		}
		var pays []Payment
		for _, k := range kids {
			for n := rng.IntN(3); n > 0; n-- { // none, one or two payments
				days := int(today.In(time.UTC).Sub(k.SignDate.In(time.UTC)).Hours() / 24)
				paid := k.SignDate.AddDays(rng.IntN(days + 1))
				part := Money{k.TotalAmount.Mul(decimalOf(10 + rng.Int64N(40))).Div(decimalOf(100)).Round(2)}
				pays = append(pays, Payment{TenantID: tenant.ID, ContractID: k.ID, OwnerID: k.OwnerID, Direction: PaymentIn, Amount: part, PaidOn: paid, CreatedAt: now})
			}
		}
		if len(pays) > 0 {
			if err := insert(&pays, 0); err != nil {
				return SeedResult{}, false, err
			}
		}
		sum.Payments += len(pays)
		if progress != nil {
			progress(len(rows))
		}
	}
	sum.Contracts += contracts

	// Follow-ups over the last year, mostly by the customer's owner.
	for start := 0; start < followUps; start += chunk {
		var rows []ContactHistory
		for i := start; i < min(start+chunk, followUps); i++ {
			c := rng.IntN(customers)
			by := owner[c]
			if rng.IntN(10) == 0 {
				by = staff[rng.IntN(len(staff))].ID
			}
			at := ago(365)
			rows = append(rows, ContactHistory{TenantID: tenant.ID, UserID: by, CustomerID: customerID[c], TypeID: 1 + rng.Uint64N(7),
				RouteID: 1 + rng.Uint64N(4), Title: "跟进", Content: "电话沟通需求", ContactedAt: at, CreatedAt: at})
		}
		if err := insert(&rows, len(rows)); err != nil {
			return SeedResult{}, false, err
		}
	}
	sum.FollowUps += followUps

	// An opportunity for about one customer in ten; this month's targets.
	var opps []Opportunity
	for i := 0; i < customers/10; i++ {
		c := rng.IntN(customers)
		opps = append(opps, Opportunity{TenantID: tenant.ID, OwnerID: owner[c], CustomerID: customerID[c], Title: "商机",
			Amount: Money{decimalOf(10000 + rng.Int64N(90000))}, Stage: "open", CreatedAt: ago(365)})
	}
	if len(opps) > 0 {
		if err := insert(&opps, 0); err != nil {
			return SeedResult{}, false, err
		}
	}
	sum.Opportunities += len(opps)
	month := MonthOf(now.In(loc))
	for _, u := range staff {
		c := Caller{TenantID: tenant.ID, UserID: u.ID, DepartmentID: u.DepartmentID, Location: loc}
		if err := s.SetMonthlyTarget(ctx, c, month, Money{decimalOf(100000 + rng.Int64N(400000))}); err != nil {
			return SeedResult{}, false, err
		}
	}
	return res, true, nil
}
