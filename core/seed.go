package core

import (
	"context"
	"fmt"
	"time"
)

// DemoTenant is the name of the tenant `crmgw seed demo` fills.
const DemoTenant = "demo"

// SeedResult is who a seeded token belongs to, and the token.
type SeedResult struct {
	Token        string
	TenantID     uint64
	UserID       uint64
	DepartmentID uint64
	Created      bool // false when the tenant already had its data
}

// SeedDemo fills the demo tenant with departments, users, customers, contacts,
// follow-ups, contracts, payments and targets dated in the current month, and
// issues a fresh token for its first user. Run again, it adds no data, only a token.
func (s *Service) SeedDemo(ctx context.Context, progress func(string)) (SeedResult, error) {
	tenant, err := s.EnsureTenant(ctx, DemoTenant)
	if err != nil {
		return SeedResult{}, err
	}
	sales, err := s.EnsureDepartment(ctx, tenant.ID, "销售部")
	if err != nil {
		return SeedResult{}, err
	}
	market, err := s.EnsureDepartment(ctx, tenant.ID, "市场部")
	if err != nil {
		return SeedResult{}, err
	}
	people := []struct {
		name, real string
		dept       uint64
	}{{"zhangsan", "张三", sales.ID}, {"lisi", "李四", sales.ID}, {"wangwu", "王五", market.ID}}
	callers := make([]Caller, len(people))
	loc, err := s.location(tenant.TimeZone)
	if err != nil {
		return SeedResult{}, err
	}
	for i, p := range people {
		u, err := s.EnsureUser(ctx, tenant.ID, p.name, p.dept)
		if err != nil {
			return SeedResult{}, err
		}
		if u.RealName != p.real {
			if err := s.db.WithContext(ctx).Model(&u).Update("real_name", p.real).Error; err != nil {
				return SeedResult{}, storeError(err, "user")
			}
		}
		callers[i] = Caller{TenantID: tenant.ID, UserID: u.ID, DepartmentID: p.dept, Location: loc}
	}
	res := SeedResult{TenantID: tenant.ID, UserID: callers[0].UserID, DepartmentID: sales.ID}

	var customers int64
	if err := s.db.WithContext(ctx).Model(&Customer{}).Scopes(inTenant(tenant.ID)).Count(&customers).Error; err != nil {
		return SeedResult{}, storeError(err, "customer")
	}
	if customers == 0 {
		if err := s.seedDemoData(ctx, callers, progress); err != nil {
			return SeedResult{}, err
		}
		res.Created = true
	}
	if res.Token, err = s.RegisterToken(ctx, tenant.ID, res.UserID, ""); err != nil {
		return SeedResult{}, err
	}
	return res, nil
}

func (s *Service) seedDemoData(ctx context.Context, callers []Caller, progress func(string)) error {
	now := s.clock.Now().In(callers[0].Location)
	month := MonthOf(now)
	today := DateOf(now)
	lastMonth := DateOf(month.FirstDay().In(time.UTC).AddDate(0, -1, 10))
	for i, c := range callers {
		targets := []string{"300000", "200000", "150000"}
		amount, _ := ParseMoney(targets[i])
		if err := s.SetMonthlyTarget(ctx, c, month, amount); err != nil {
			return err
		}
	}
	deals := []struct {
		owner    int
		customer string
		title    string
		amount   string
		signed   Date
		received []string
		paidOut  string
		status   string
	}{
		{0, "杭州云帆科技有限公司", "云帆CRM年度订阅", "128000.00", month.FirstDay(), []string{"50000.00", "28000.00"}, "3200.00", ContractExecuting},
		{0, "上海星河贸易有限公司", "星河门店系统实施", "86000.50", today, []string{"20000.00"}, "", ContractExecuting},
		{0, "北京启明教育集团", "启明校区网络改造", "45000.00", lastMonth, []string{"45000.00"}, "", ContractFinished},
		{1, "深圳海川电子有限公司", "海川产线看板", "230000.00", month.FirstDay(), nil, "12000.00", ContractExecuting},
		{1, "成都锦城餐饮管理公司", "锦城会员小程序", "19800.00", today, []string{"9900.00"}, "", ContractTerminated},
		{2, "南京紫金物流有限公司", "紫金运单平台二期", "150000.00", month.FirstDay(), []string{"60000.00"}, "", ContractExecuting},
	}
	for i, d := range deals {
		c := callers[d.owner]
		cu, err := s.CreateCustomer(ctx, c, NewCustomer{Name: d.customer, Tel: fmt.Sprintf("0571-8800%04d", i+1)})
		if err != nil {
			return err
		}
		if _, err := s.CreateContact(ctx, c, NewContact{CustomerID: cu.ID, Name: "联系人" + fmt.Sprint(i+1), Phone: fmt.Sprintf("1380000%04d", i+1), IsMain: true}); err != nil {
			return err
		}
		if _, err := s.AddContactHistory(ctx, c, NewContactHistory{CustomerID: cu.ID, TypeID: 1, RouteID: 1, Title: "电话沟通需求", Content: "确认合同细节", ContactedAt: now}); err != nil {
			return err
		}
		amount, _ := ParseMoney(d.amount)
		k, err := s.CreateContract(ctx, c, NewContract{Title: d.title, SN: fmt.Sprintf("DEMO-%s-%03d", month, i+1),
			CustomerID: cu.ID, TotalAmount: amount, SignDate: d.signed, StartDate: d.signed,
			EndDate: d.signed.AddDays(365), Status: d.status})
		if err != nil {
			return err
		}
		for _, r := range d.received {
			m, _ := ParseMoney(r)
			if _, err := s.AddPayment(ctx, c, NewPayment{ContractID: k.ID, Direction: PaymentIn, Amount: m, PaidOn: today}); err != nil {
				return err
			}
		}
		if d.paidOut != "" {
			m, _ := ParseMoney(d.paidOut)
			if _, err := s.AddPayment(ctx, c, NewPayment{ContractID: k.ID, Direction: PaymentOut, Amount: m, PaidOn: today}); err != nil {
				return err
			}
		}
		if progress != nil {
			progress(fmt.Sprintf("contract %s %s %s", k.SN, d.title, d.amount))
		}
	}
	return nil
}
