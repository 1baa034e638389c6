package ikcrm

// 回款: a contract's payment plans (received_payment_plans) and the payments
// received (received_payments), vendor-facts-wider.md §1.11. A plan's state
// and received sum are core's; here they are only named as the vendor does.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"crmgw/adapters"
	"crmgw/core"
)

// planStatus names core's plan states as the open API does.
var planStatus = map[string]struct{ wire, i18n string }{
	core.PlanDone:    {"done", "已完成"},
	core.PlanUndone:  {"undone", "未完成"},
	core.PlanOverdue: {"delay_undone", "逾期未完成"},
}

// receivedPaymentPlan is a plan as the contract's sub-list shows it.
type receivedPaymentPlan struct {
	ID             uint64  `json:"id"`
	Title          string  `json:"title"`
	PeriodName     string  `json:"period_name"`
	ReceiveStage   int     `json:"receive_stage"`
	Amount         string  `json:"amount"`
	ReceiveDate    string  `json:"receive_date"`
	ReceivedTypes  *string `json:"received_types"`
	PaidUp         bool    `json:"paid_up"`
	ReceivedAmount string  `json:"received_amount"`
	InvoiceAmount  string  `json:"invoice_amount"`
	Status         string  `json:"status"`
	StatusI18n     string  `json:"status_i18n"`
	ContractID     uint64  `json:"contract_id"`
	ContractTitle  string  `json:"contract_title"`
	CustomerID     uint64  `json:"customer_id"`
	CustomerName   string  `json:"customer_name"`
	Note           string  `json:"note"`
	User           userRef `json:"user"`
}

// receivedPaymentPlanDetail is one plan: the list's fields and what is left to receive.
type receivedPaymentPlanDetail struct {
	receivedPaymentPlan
	UnreceivedAmount  json.Number `json:"unreceived_amount"`
	ApproveStatus     string      `json:"approve_status"`
	ApproveStatusI18n string      `json:"approve_status_i18n"`
	Contract          contractRef `json:"contract"`
}

// contractRef is the contract a plan or payment is on.
type contractRef struct {
	ID          uint64 `json:"id"`
	Title       string `json:"title"`
	SN          string `json:"sn"`
	TotalAmount string `json:"total_amount"`
}

// receivedPaymentPlanPage is a page of plans, keys as the vendor's lists have them.
type receivedPaymentPlanPage struct {
	ReceivedPaymentPlans []receivedPaymentPlan `json:"received_payment_plans"`
	TotalCount           int64                 `json:"total_count"`
	PerPage              int                   `json:"per_page"`
	Page                 int                   `json:"page"`
}

// receivedPayment is a payment received (回款记录).
type receivedPayment struct {
	ID                    uint64      `json:"id"`
	Amount                string      `json:"amount"`
	ReceiveDate           string      `json:"receive_date"`
	ReceivedTypes         *string     `json:"received_types"`
	ReceivedPaymentPlanID uint64      `json:"received_payment_plan_id"`
	ReceiveStage          int         `json:"receive_stage"`
	ContractID            uint64      `json:"contract_id"`
	ContractTitle         string      `json:"contract_title"`
	CustomerID            uint64      `json:"customer_id"`
	CustomerName          string      `json:"customer_name"`
	Note                  string      `json:"note"`
	ApproveStatus         string      `json:"approve_status"`
	ApproveStatusI18n     string      `json:"approve_status_i18n"`
	User                  userRef     `json:"user"`
	Contract              contractRef `json:"contract"`
	CreatedAt             string      `json:"created_at"`
}

type receivedPaymentPage struct {
	ReceivedPayments []receivedPayment `json:"received_payments"`
	TotalCount       int64             `json:"total_count"`
	PerPage          int               `json:"per_page"`
	Page             int               `json:"page"`
}

func contractRefOf(id uint64, on core.PaymentOn) contractRef {
	return contractRef{ID: id, Title: on.ContractTitle, SN: on.ContractSN, TotalAmount: rubyDecimal(on.ContractAmount.Decimal)}
}

func planOf(p core.PlanItem) receivedPaymentPlan {
	st := planStatus[p.Status]
	period := fmt.Sprintf("第%d期", p.Stage)
	return receivedPaymentPlan{ID: p.ID, Title: p.ContractTitle + " " + period, PeriodName: period, ReceiveStage: p.Stage,
		Amount: rubyDecimal(p.Amount.Decimal), ReceiveDate: p.DueOn.String(), ReceivedTypes: code(p.PaymentTypeID),
		PaidUp: p.Status == core.PlanDone, ReceivedAmount: rubyDecimal(p.Received.Decimal),
		InvoiceAmount: rubyDecimal(core.Money{}.Decimal), // crmgw keeps no invoices
		Status:        st.wire, StatusI18n: st.i18n, ContractID: p.ContractID, ContractTitle: p.ContractTitle,
		CustomerID: p.CustomerID, CustomerName: p.CustomerName, Note: p.Remark,
		User: userRef{p.ContractOwnerID, p.OwnerName}}
}

// planDetailOf is one plan. crmgw has no approval of plans or payments: each is approved.
func planDetailOf(p core.PlanItem) receivedPaymentPlanDetail {
	return receivedPaymentPlanDetail{receivedPaymentPlan: planOf(p), UnreceivedAmount: json.Number(p.Unreceived().String()),
		ApproveStatus: core.ApprovalApproved, ApproveStatusI18n: approveStatusI18n[core.ApprovalApproved],
		Contract: contractRefOf(p.ContractID, p.PaymentOn)}
}

func paymentOf(p core.PaymentItem, caller core.Caller) receivedPayment {
	return receivedPayment{ID: p.ID, Amount: rubyDecimal(p.Amount.Decimal), ReceiveDate: p.PaidOn.String(),
		ReceivedTypes: code(p.PaymentTypeID), ReceivedPaymentPlanID: p.PlanID, ReceiveStage: p.PlanStage,
		ContractID: p.ContractID, ContractTitle: p.ContractTitle, CustomerID: p.CustomerID, CustomerName: p.CustomerName,
		Note: p.Remark, ApproveStatus: core.ApprovalApproved, ApproveStatusI18n: approveStatusI18n[core.ApprovalApproved],
		User: userRef{p.ContractOwnerID, p.OwnerName}, Contract: contractRefOf(p.ContractID, p.PaymentOn),
		CreatedAt: minuteTime(p.CreatedAt, caller.Location)}
}

// plans answers a page of plans, the contract's or (contractID 0) the tenant's.
func (a *Adapter) plans(ctx context.Context, caller core.Caller, qp url.Values, contractID uint64) (any, error) {
	page, perPage, err := paging(qp)
	if err != nil {
		return nil, err
	}
	list, err := a.svc.PaymentPlans(ctx, caller, core.PlanQuery{ContractID: contractID, Page: page, PerPage: perPage})
	if err != nil {
		return nil, err
	}
	out := receivedPaymentPlanPage{ReceivedPaymentPlans: make([]receivedPaymentPlan, 0, len(list.Items)),
		TotalCount: list.Total, PerPage: perPage, Page: page}
	for _, p := range list.Items {
		out.ReceivedPaymentPlans = append(out.ReceivedPaymentPlans, planOf(p))
	}
	return out, nil
}

// listContractPlans answers GET /api/v2/contracts/:id/received_payments: the contract's plans.
func (a *Adapter) listContractPlans(ctx context.Context, caller core.Caller, p params) (any, error) {
	id, err := contractID(p.id)
	if err != nil {
		return nil, err
	}
	return a.plans(ctx, caller, p.query, id)
}

// showContractPlan answers GET /api/v2/contracts/:id/received_payments/:sub_id.
func (a *Adapter) showContractPlan(ctx context.Context, caller core.Caller, p params) (any, error) {
	kid, err := contractID(p.id)
	if err != nil {
		return nil, err
	}
	id, why := parseID(p.subID)
	if why != "" || id == 0 {
		return nil, core.NotFoundf("payment plan", "payment plan %q not found", core.Excerpt(p.subID))
	}
	plan, err := a.svc.GetPaymentPlan(ctx, caller, id)
	if err != nil {
		return nil, err
	}
	if plan.ContractID != kid { // another contract's plan is not found under this one
		return nil, core.NotFoundf("payment plan", "contract %d has no payment plan %d", kid, id)
	}
	return planDetailOf(plan), nil
}

// listPlans answers GET /api/v2/received_payment_plans, optionally of one contract_id.
func (a *Adapter) listPlans(ctx context.Context, caller core.Caller, p params) (any, error) {
	kid, err := queryID(p.query, "contract_id")
	if err != nil {
		return nil, err
	}
	return a.plans(ctx, caller, p.query, kid)
}

// paymentFields reads the object a create wraps in key (received_payment or
// received_payment_plan), or an unwrapped JSON body, as Rails' ParamsWrapper does.
func paymentFields(p params, key string) (*fields, error) {
	if p.bodyErr != nil {
		return nil, p.bodyErr
	}
	raw, wrapped := p.body[key]
	if !wrapped {
		return &fields{m: p.body}, nil
	}
	m, ok := object(raw)
	if !ok {
		return nil, invalid(fmt.Sprintf(`%s 应为对象, 如 {"%s":{"contract_id":…}}`, key, key))
	}
	return &fields{m: m}, nil
}

// required fails each of keys that is missing or empty.
func (f *fields) required(keys ...string) {
	for _, key := range keys {
		if f.scalar(key) == "" {
			f.fail(key, "不能为空")
		}
	}
}

// createPlan answers POST /api/v2/received_payment_plans with the new plan.
func (a *Adapter) createPlan(ctx context.Context, caller core.Caller, p params) (any, error) {
	f, err := paymentFields(p, "received_payment_plan")
	if err != nil {
		return nil, err
	}
	f.required("contract_id", "amount", "receive_date")
	in := core.NewPaymentPlan{ContractID: f.id("contract_id"), Amount: f.money("amount"),
		DueOn: f.date("receive_date", caller.Location), PaymentTypeID: f.id("received_types"), Remark: f.str("note")}
	if f.err != nil {
		return nil, f.err
	}
	in.ID = adapters.KeptID(ctx) // the upstream's, when the mirror applies its create
	plan, err := a.svc.AddPaymentPlan(ctx, caller, in)
	if err != nil {
		return nil, paymentWriteError(err)
	}
	item, err := a.svc.GetPaymentPlan(ctx, caller, plan.ID)
	if err != nil {
		return nil, err
	}
	return planDetailOf(item), nil
}

// listPayments answers GET /api/v2/received_payments: the payments received,
// newest first, optionally of one contract_id.
func (a *Adapter) listPayments(ctx context.Context, caller core.Caller, p params) (any, error) {
	kid, err := queryID(p.query, "contract_id")
	if err != nil {
		return nil, err
	}
	page, perPage, err := paging(p.query)
	if err != nil {
		return nil, err
	}
	list, err := a.svc.Payments(ctx, caller, core.PaymentQuery{ContractID: kid, Direction: core.PaymentIn, Newest: true,
		Page: page, PerPage: perPage})
	if err != nil {
		return nil, err
	}
	out := receivedPaymentPage{ReceivedPayments: make([]receivedPayment, 0, len(list.Items)),
		TotalCount: list.Total, PerPage: perPage, Page: page}
	for _, pay := range list.Items {
		out.ReceivedPayments = append(out.ReceivedPayments, paymentOf(pay, caller))
	}
	return out, nil
}

// createPayment answers POST /api/v2/received_payments with the payment
// recorded: money received on a contract, settling one of its plans when
// received_payment_plan_id names one.
func (a *Adapter) createPayment(ctx context.Context, caller core.Caller, p params) (any, error) {
	f, err := paymentFields(p, "received_payment")
	if err != nil {
		return nil, err
	}
	f.required("contract_id", "amount")
	in := core.NewPayment{ContractID: f.id("contract_id"), Direction: core.PaymentIn, Amount: f.money("amount"),
		PaidOn: f.date("receive_date", caller.Location), PlanID: f.id("received_payment_plan_id"),
		PaymentTypeID: f.id("received_types"), Remark: f.str("note")}
	if f.err != nil {
		return nil, f.err
	}
	in.ID = adapters.KeptID(ctx) // the upstream's, when the mirror applies its create
	pay, err := a.svc.AddPayment(ctx, caller, in)
	if err != nil {
		return nil, paymentWriteError(err)
	}
	item, err := a.svc.GetPayment(ctx, caller, pay.ID)
	if err != nil {
		return nil, err
	}
	return paymentOf(item, caller), nil
}

// showPayment answers GET /api/v2/received_payments/:id.
func (a *Adapter) showPayment(ctx context.Context, caller core.Caller, p params) (any, error) {
	id, why := parseID(p.id)
	if why != "" || id == 0 {
		return nil, core.NotFoundf("payment", "payment %q not found", core.Excerpt(p.id))
	}
	item, err := a.svc.GetPayment(ctx, caller, id)
	if err != nil {
		return nil, err
	}
	if item.Direction != core.PaymentIn { // a payment out is no received payment
		return nil, core.NotFoundf("payment", "payment %d not found", id)
	}
	return paymentOf(item, caller), nil
}

// paymentReferences name the request field behind a reference of a payment
// or plan that core did not find in the tenant.
var paymentReferences = map[string]string{
	"contract": "contract_id", "payment plan": "received_payment_plan_id", core.DictPaymentType: "received_types",
}

// paymentNames are the names of a payment's or plan's fields that core's
// errors name, where the other endpoints name the same fields otherwise.
var paymentNames = map[core.Field]string{
	core.FieldContractID: "contract_id", core.FieldAmount: "amount", core.FieldDueOn: "receive_date", core.FieldRemark: "note",
}

// paymentWriteError words core's refusal of a payment or plan as the vendor
// does: a reference not in the tenant, or a bad value, is a bad parameter naming its field.
func paymentWriteError(err error) error {
	ce := core.AsError(err)
	switch ce.Code {
	case core.ENOTFOUND:
		if field := paymentReferences[ce.Entity]; field != "" {
			return invalid(label(field) + " 不存在: " + message(ce))
		}
	case core.EINVALID:
		name := func(f core.Field) string {
			if n := paymentNames[f]; n != "" {
				return n
			}
			return paramNames.Name(f)
		}
		return invalid(label(name(ce.Field)) + ": " + ce.Worded(name))
	}
	return err
}
