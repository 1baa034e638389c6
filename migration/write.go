package migration

import (
	"context"

	"crmgw/core"
)

// writer writes rows through core's use cases, in one transaction when svc is
// one's (core.Service.InTransaction).
type writer struct {
	svc   *core.Service
	base  core.Caller // the tenant's, of no user
	lines *lineBook
}

// lineBook holds the rows of the sheets of product lines by the record they
// are lines of, and which of those records this run wrote.
type lineBook struct {
	rows    map[string]map[uint64][]row // by the parent's sheet and id
	written map[string]map[uint64]bool
}

// newLineBook files the rows of every sheet of lines among all.
func newLineBook(all []*checked) *lineBook {
	b := &lineBook{rows: map[string]map[uint64][]row{}, written: map[string]map[uint64]bool{}}
	for _, c := range all {
		if c.kind.LinesOf == "" {
			continue
		}
		parent := c.kind.parentColumn()
		byID := map[uint64][]row{}
		for _, r := range c.rows {
			byID[r.uint(parent)] = append(byID[r.uint(parent)], r)
		}
		b.rows[c.kind.LinesOf] = byID
		b.written[c.kind.LinesOf] = map[uint64]bool{}
	}
	return b
}

// of is the lines of the record of sheet and id, noted as written with it.
func (b *lineBook) of(sheet string, id uint64) []core.NewContractLine {
	var out []core.NewContractLine
	for _, r := range b.rows[sheet][id] {
		l := core.NewContractLine{ID: r.uint("id"), ProductID: r.uint("product_id"), ProductName: r.text("product_name"),
			ProductNo: r.text("product_no"), Quantity: int64(r.uint("quantity")), UnitPrice: r.money("unit_price"),
			SaleUnit: r.text("sale_unit"), Spec: r.text("spec"), Remark: r.text("remark")}
		if _, ok := r.vals["total_price"]; ok {
			total := r.money("total_price")
			l.TotalPrice = &total
		}
		out = append(out, l)
	}
	return out
}

// withRecord tells whether line r of sheet k was written with its record by this run.
func (b *lineBook) withRecord(k *Kind, r row) bool {
	return b.written[k.LinesOf][r.uint(k.parentColumn())]
}

// wrote notes that the record of sheet and id was written, with its lines.
func (b *lineBook) wrote(sheet string, id uint64) {
	if b.written[sheet] != nil {
		b.written[sheet][id] = true
	}
}

// as is the tenant's caller acting as the user of that id: who made, owns or
// followed up the record a row writes.
func (w *writer) as(userID uint64) core.Caller {
	c := w.base
	c.UserID = userID
	return c
}

func writeDepartment(ctx context.Context, w *writer, r row) (bool, error) {
	_, err := w.svc.AddDepartment(ctx, w.base.TenantID, r.uint("id"), r.text("name"))
	return err == nil, err
}

func writeUser(ctx context.Context, w *writer, r row) (bool, error) {
	_, err := w.svc.AddUser(ctx, w.base.TenantID, core.NewUser{ID: r.uint("id"), Name: r.text("name"), RealName: r.text("real_name"),
		Email: r.text("email"), Phone: r.text("phone"), DepartmentID: r.uint("department_id"), CreatedAt: r.time("created_at")})
	return err == nil, err
}

func writeDictEntry(ctx context.Context, w *writer, r row) (bool, error) {
	_, changed, err := w.svc.PutDictEntry(ctx, w.base, core.DictEntry{Kind: r.text("kind"), Code: r.uint("code"), Name: r.text("name"),
		ParentCode: r.uint("parent_code"), Sort: int(r.uint("sort")), Enabled: r.flag("enabled", true)})
	return changed, err
}

func writeCustomer(ctx context.Context, w *writer, r row) (bool, error) {
	owner := r.uint("owner_id")
	_, err := w.svc.CreateCustomer(ctx, w.as(owner), core.NewCustomer{ID: r.uint("id"), Name: r.text("name"), OwnerID: owner,
		Tel: r.text("tel"), Address: r.text("address"), IndustryID: r.uint("industry_id"), SourceID: r.uint("source_id"),
		ProgressID: r.uint("progress_id"), CategoryID: r.uint("category_id"), StatusID: r.uint("status_id"),
		CreatedAt: r.time("created_at"), UpdatedAt: r.updated()})
	return err == nil, err
}

func writeTag(ctx context.Context, w *writer, r row) (bool, error) {
	return w.svc.AddCustomerTag(ctx, w.base, r.uint("customer_id"), r.uint("tag"))
}

func writeContact(ctx context.Context, w *writer, r row) (bool, error) {
	_, err := w.svc.CreateContact(ctx, w.base, core.NewContact{ID: r.uint("id"), CustomerID: r.uint("customer_id"), Name: r.text("name"),
		Title: r.text("title"), Phone: r.text("phone"), Email: r.text("email"), IsMain: r.flag("is_main", false),
		CreatedAt: r.time("created_at"), UpdatedAt: r.updated()})
	return err == nil, err
}

func writeFollowUp(ctx context.Context, w *writer, r row) (bool, error) {
	_, err := w.svc.AddContactHistory(ctx, w.as(r.uint("user_id")), core.NewContactHistory{ID: r.uint("id"),
		CustomerID: r.uint("customer_id"), ContactID: r.uint("contact_id"), TypeID: r.uint("type_id"), RouteID: r.uint("route_id"),
		Title: r.text("title"), Content: r.text("content"), ContactedAt: r.time("contacted_at"), CreatedAt: r.time("created_at")})
	return err == nil, err
}

func writeContactPlan(ctx context.Context, w *writer, r row) (bool, error) {
	_, err := w.svc.AddContactPlan(ctx, w.as(r.uint("user_id")), core.NewContactPlan{ID: r.uint("id"),
		CustomerID: r.uint("customer_id"), ContactID: r.uint("contact_id"), TypeID: r.uint("type_id"), RouteID: r.uint("route_id"),
		HistoryID: r.uint("follow_up_id"), Title: r.text("title"), PlannedAt: r.time("planned_at"), DoneAt: r.time("done_at"),
		CreatedAt: r.time("created_at")})
	return err == nil, err
}

func writeOpportunity(ctx context.Context, w *writer, r row) (bool, error) {
	owner, id := r.uint("owner_id"), r.uint("id")
	_, err := w.svc.CreateOpportunity(ctx, w.as(owner), core.NewOpportunity{ID: id, CustomerID: r.uint("customer_id"),
		OwnerID: owner, Title: r.text("title"), Amount: r.money("amount"), StageID: r.uint("stage_id"),
		Probability: int(r.uint("probability")), Lines: w.lines.of("opportunities", id),
		CreatedAt: r.time("created_at"), UpdatedAt: r.time("updated_at")})
	if err == nil {
		w.lines.wrote("opportunities", id)
	}
	return err == nil, err
}

func writeContract(ctx context.Context, w *writer, r row) (bool, error) {
	owner, id := r.uint("owner_id"), r.uint("id")
	_, err := w.svc.CreateContract(ctx, w.as(owner), core.NewContract{ID: id, SN: r.text("sn"), Title: r.text("title"), Lines: w.lines.of("contracts", id),
		CustomerID: r.uint("customer_id"), OwnerID: owner, OpportunityID: r.uint("opportunity_id"),
		TotalAmount: r.money("total_amount"), SignDate: r.date("sign_date"), StartDate: r.date("start_date"),
		EndDate: r.date("end_date"), Status: r.text("status"), ApproveStatus: r.text("approve_status"),
		CategoryID: r.uint("category_id"), PaymentTypeID: r.uint("payment_type_id"),
		CreatedAt: r.time("created_at"), UpdatedAt: r.time("updated_at")})
	if err == nil {
		w.lines.wrote("contracts", id)
	}
	return err == nil, err
}

// writeLine writes nothing: a line was written with its record, in its
// transaction. A line whose record this run did not write (the tenant held
// it, or core refused it) would be left out, and is refused.
func writeLine(w *writer, r row, k *Kind) (bool, error) {
	if parent := k.parentColumn(); !w.lines.withRecord(k, r) {
		return false, core.Invalidf(core.Field(parent), "%s %d was not written by this import (the tenant held it already, or it was refused): a line is written with its record only",
			parent, r.uint(parent))
	}
	return true, nil
}

func writePaymentPlan(ctx context.Context, w *writer, r row) (bool, error) {
	_, err := w.svc.AddPaymentPlan(ctx, w.base, core.NewPaymentPlan{ID: r.uint("id"), ContractID: r.uint("contract_id"),
		Amount: r.money("amount"), DueOn: r.date("due_on"), PaymentTypeID: r.uint("payment_type_id"), Remark: r.text("remark"),
		CreatedAt: r.time("created_at")})
	return err == nil, err
}

func writePayment(ctx context.Context, w *writer, r row) (bool, error) {
	_, err := w.svc.AddPayment(ctx, w.base, core.NewPayment{ID: r.uint("id"), ContractID: r.uint("contract_id"),
		Direction: r.text("direction"), Amount: r.money("amount"), PaidOn: r.date("paid_on"), PlanID: r.uint("plan_id"),
		PaymentTypeID: r.uint("payment_type_id"), Remark: r.text("remark"), CreatedAt: r.time("created_at")})
	return err == nil, err
}

func writeTarget(ctx context.Context, w *writer, r row) (bool, error) {
	return w.svc.PutMonthlyTarget(ctx, w.as(r.uint("user_id")), r.month("month"), r.money("amount"))
}
