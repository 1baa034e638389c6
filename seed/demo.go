// Package seed fills a database with example data: the demo tenant that
// README's first look runs on, and the benchmarks' reproducible tenants. It
// writes only through core.Service's use cases, so seeded rows keep every
// invariant that rows written by a client keep.
package seed

import (
	"context"
	"fmt"
	"time"

	"crmgw/core"
)

// DemoTenant is the name of the tenant `crmgw seed demo` fills.
const DemoTenant = "demo"

// Result is who a seeded token belongs to, and the token.
type Result struct {
	Token        string
	TenantID     uint64
	UserID       uint64
	DepartmentID uint64
	Created      bool // false when the tenant already had its data
}

// Demo fills the demo tenant with departments, users, customers, contacts,
// follow-ups, contracts, payments and targets dated in the current month, and
// issues a fresh token for its first user. Run again, it adds no data, only a
// token. progress, when not nil, is told of each contract written.
func Demo(ctx context.Context, svc *core.Service, progress func(string)) (Result, error) {
	tenant, err := svc.EnsureTenant(ctx, DemoTenant)
	if err != nil {
		return Result{}, err
	}
	callers, err := demoPeople(ctx, svc, tenant)
	if err != nil {
		return Result{}, err
	}
	res := Result{TenantID: tenant.ID, UserID: callers[0].UserID, DepartmentID: callers[0].DepartmentID}
	customers, err := svc.CountCustomers(ctx, tenant.ID)
	if err != nil {
		return Result{}, err
	}
	if customers == 0 {
		// All or nothing: a run cut short leaves no customer behind, so the next one fills the tenant.
		if err := svc.InTransaction(ctx, func(tx *core.Service) error { return demoData(ctx, tx, callers, progress) }); err != nil {
			return Result{}, err
		}
		res.Created = true
	}
	if res.Token, err = svc.RegisterToken(ctx, tenant.ID, res.UserID, ""); err != nil {
		return Result{}, err
	}
	return res, nil
}

// demoPeople makes the demo tenant's two departments and three users, and
// returns a caller for each user, zhangsan first.
func demoPeople(ctx context.Context, svc *core.Service, tenant core.Tenant) ([]core.Caller, error) {
	sales, err := svc.EnsureDepartment(ctx, tenant.ID, "销售部")
	if err != nil {
		return nil, err
	}
	market, err := svc.EnsureDepartment(ctx, tenant.ID, "市场部")
	if err != nil {
		return nil, err
	}
	people := []struct {
		name, real string
		dept       uint64
	}{{"zhangsan", "张三", sales.ID}, {"lisi", "李四", sales.ID}, {"wangwu", "王五", market.ID}}
	callers := make([]core.Caller, len(people))
	for i, p := range people {
		u, err := svc.EnsureUser(ctx, tenant.ID, p.name, p.dept)
		if err != nil {
			return nil, err
		}
		if u.RealName != p.real {
			if err := svc.SetRealName(ctx, tenant.ID, u.ID, p.real); err != nil {
				return nil, err
			}
		}
		if callers[i], err = svc.CallerFor(tenant, u); err != nil {
			return nil, err
		}
	}
	return callers, nil
}

// demoData writes this month's targets and six deals, each a customer with a
// contact, a follow-up and a contract with its payments.
func demoData(ctx context.Context, svc *core.Service, callers []core.Caller, progress func(string)) error {
	now := svc.Now().In(callers[0].Location)
	month := core.MonthOf(now)
	today := core.DateOf(now)
	lastMonth := core.DateOf(month.FirstDay().In(time.UTC).AddDate(0, -1, 10))
	for i, c := range callers {
		targets := []string{"300000", "200000", "150000"}
		if err := svc.SetMonthlyTarget(ctx, c, month, mustMoney(targets[i])); err != nil {
			return err
		}
	}
	deals := []struct {
		owner    int
		customer string
		title    string
		amount   string
		signed   core.Date
		received []string
		paidOut  string
		status   string
	}{
		{0, "杭州云帆科技有限公司", "云帆CRM年度订阅", "128000.00", month.FirstDay(), []string{"50000.00", "28000.00"}, "3200.00", core.ContractExecuting},
		{0, "上海星河贸易有限公司", "星河门店系统实施", "86000.50", today, []string{"20000.00"}, "", core.ContractExecuting},
		{0, "北京启明教育集团", "启明校区网络改造", "45000.00", lastMonth, []string{"45000.00"}, "", core.ContractFinished},
		{1, "深圳海川电子有限公司", "海川产线看板", "230000.00", month.FirstDay(), nil, "12000.00", core.ContractExecuting},
		{1, "成都锦城餐饮管理公司", "锦城会员小程序", "19800.00", today, []string{"9900.00"}, "", core.ContractTerminated},
		{2, "南京紫金物流有限公司", "紫金运单平台二期", "150000.00", month.FirstDay(), []string{"60000.00"}, "", core.ContractExecuting},
	}
	for i, d := range deals {
		c := callers[d.owner]
		cu, err := svc.CreateCustomer(ctx, c, core.NewCustomer{Name: d.customer, Tel: fmt.Sprintf("0571-8800%04d", i+1)})
		if err != nil {
			return err
		}
		if _, err := svc.CreateContact(ctx, c, core.NewContact{CustomerID: cu.ID, Name: "联系人" + fmt.Sprint(i+1), Phone: fmt.Sprintf("1380000%04d", i+1), IsMain: true}); err != nil {
			return err
		}
		if _, err := svc.AddContactHistory(ctx, c, core.NewContactHistory{CustomerID: cu.ID, TypeID: 1, RouteID: 1, Title: "电话沟通需求", Content: "确认合同细节", ContactedAt: now}); err != nil {
			return err
		}
		k, err := svc.CreateContract(ctx, c, core.NewContract{Title: d.title, SN: fmt.Sprintf("DEMO-%s-%03d", month, i+1),
			CustomerID: cu.ID, TotalAmount: mustMoney(d.amount), SignDate: d.signed, StartDate: d.signed,
			EndDate: d.signed.AddDays(365), Status: d.status})
		if err != nil {
			return err
		}
		var payments []core.NewPayment
		for _, r := range d.received {
			payments = append(payments, core.NewPayment{ContractID: k.ID, Direction: core.PaymentIn, Amount: mustMoney(r), PaidOn: today})
		}
		if d.paidOut != "" {
			payments = append(payments, core.NewPayment{ContractID: k.ID, Direction: core.PaymentOut, Amount: mustMoney(d.paidOut), PaidOn: today})
		}
		for _, p := range payments {
			if _, err := svc.AddPayment(ctx, c, p); err != nil {
				return err
			}
		}
		if progress != nil {
			progress(fmt.Sprintf("contract %s %s %s", k.SN, d.title, d.amount))
		}
	}
	return nil
}

// mustMoney is an amount written in this file; a typo in one is a bug.
func mustMoney(s string) core.Money {
	m, err := core.ParseMoney(s)
	if err != nil {
		panic(err)
	}
	return m
}
