package ikcrm

import (
	"context"
	"reflect"
	"strings"
	"time"

	"crmgw/adapters"
	"crmgw/core"
)

// requiredContractFields must be present and non-empty, in the order they are reported.
var requiredContractFields = []string{"title", "customer_id", "start_at", "end_at"}

// contractKeys are the contract's own fields and what the request may carry
// beside them; any other key of the contract object is a custom field.
var contractKeys = map[string]bool{
	"title": true, "sn": true, "approve_status": true, "user_id": true, "custom_field_template_id": true,
	"opportunity_id": true, "customer_id": true, "total_amount": true, "start_at": true, "end_at": true,
	"category": true, "payment_type": true, "customer_signer": true, "our_signer": true, "sign_date": true,
	"status": true, "special_terms": true, "want_department_id": true, "attachments_attributes": true,
	"product_assets_attributes": true, "notify_user_ids": true, "id": true,
	// Sent beside an unwrapped JSON contract, never contract fields.
	"contract_action_name": true, "user_token": true, "device": true, "version_code": true,
}

// viewKeys are the keys the contract object is rendered with. The ones not
// written through contractKeys are computed and read-only: skipped, as a
// client may send back the object it read, and never kept as custom fields
// (which would render the same key twice).
var viewKeys = func() map[string]bool {
	keys := map[string]bool{}
	t := reflect.TypeFor[contractView]()
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			keys[name] = true
		}
	}
	return keys
}()

// contractRequest reads a create or update request, its dates in loc, into
// a change checked in full before any transaction: applying it only assigns
// values, so an update holds the contract's lock for no parsing and no wire input.
func contractRequest(p params, loc *time.Location, creating bool) (core.ContractChange, error) {
	if p.bodyErr != nil {
		return core.ContractChange{}, p.bodyErr
	}
	tree := p.body
	f := &fields{m: tree}
	if raw, wrapped := tree["contract"]; wrapped {
		m, ok := object(raw)
		if !ok {
			return core.ContractChange{}, invalid("contract 应为对象, 如 {\"contract\":{\"title\":…}}")
		}
		f = &fields{m: m}
	} // else an unwrapped JSON body: Rails' ParamsWrapper reads its top-level keys as the contract
	for _, key := range requiredContractFields {
		if (creating || f.has(key)) && f.scalar(key) == "" {
			f.fail(key, "不能为空")
		}
	}
	date := func(key string) core.Date { return f.date(key, loc) }
	var ch core.ContractChange
	ch.Title, ch.SN = sent(f, "title", f.str), sent(f, "sn", f.str)
	ch.CustomerID, ch.OwnerID, ch.DepartmentID = sent(f, "customer_id", f.id), sent(f, "user_id", f.id), sent(f, "want_department_id", f.id)
	ch.OpportunityID, ch.CustomFieldTemplateID = sent(f, "opportunity_id", f.id), sent(f, "custom_field_template_id", f.id)
	ch.CategoryID, ch.PaymentTypeID = sent(f, "category", f.id), sent(f, "payment_type", f.id)
	ch.TotalAmount = sent(f, "total_amount", f.money)
	ch.StartDate, ch.EndDate, ch.SignDate = sent(f, "start_at", date), sent(f, "end_at", date), sent(f, "sign_date", date)
	ch.CustomerSigner, ch.OurSigner, ch.SpecialTerms = sent(f, "customer_signer", f.str), sent(f, "our_signer", f.str), sent(f, "special_terms", f.str)
	ch.NotifyUserIDs = sent(f, "notify_user_ids", f.ids)
	ch.Status = sent(f, "status", func(key string) string {
		code := f.id(key)
		if code == 0 {
			return ""
		}
		state, known := core.ContractStatusOfCode(code)
		if !known {
			f.fail(key, "不是合同状态的 id (GET /api/v2/field_maps/contract): %d", code)
		}
		return state
	})
	// The tenant's approval setting decides a new contract's state; a client
	// can only ask for a valid one, and approval goes through the workflow.
	if s := f.str("approve_status"); s != "" && approveStatusI18n[s] == "" {
		f.fail("approve_status", "应为 applying 或 approved: %q", core.Excerpt(s))
	}
	ch.Lines = productAssets(f)
	for key, value := range f.m {
		if contractKeys[key] || viewKeys[key] {
			continue
		}
		if ch.CustomFields == nil {
			ch.CustomFields = map[string]any{}
		}
		ch.CustomFields[key] = value
	}
	switch action := (&fields{m: tree}).str("contract_action_name"); action {
	case "":
	case "turn_to_contract":
		ch.TurnOpportunity = true
	default:
		f.fail("contract_action_name", "只能为 turn_to_contract: %q", core.Excerpt(action))
	}
	if f.err != nil {
		return core.ContractChange{}, f.err
	}
	return ch, nil
}

// sent is read(key) if the request carries key (a JSON null counts: it
// clears), else nil: a change leaves alone what it does not carry.
func sent[T any](f *fields, key string, read func(string) T) *T {
	if !f.has(key) {
		return nil
	}
	v := read(key)
	return &v
}

// productAssets reads product_assets_attributes: an item without an id adds
// a line (unless destroy), one with an id changes that line or, with destroy, removes it.
func productAssets(f *fields) []core.LineChange {
	var changes []core.LineChange
	for i, item := range f.list("product_assets_attributes") {
		m, ok := object(item)
		if !ok {
			f.fail("product_assets_attributes", "第 %d 项应为对象", i+1)
			return nil
		}
		lf := &fields{m: m}
		lc := core.LineChange{ID: lf.id("id")}
		lc.Remove = lf.flag("destroy") || lf.flag("_destroy")
		productAsset(lf, &lc)
		if lf.err != nil {
			f.fail("product_assets_attributes", "第 %d 项: %s", i+1, lf.err.(*apiError).Message)
			return nil
		}
		changes = append(changes, lc)
	}
	return changes
}

// productAsset reads one item's fields into lc. type_name, type_id and
// standard_unit_price are display values the vendor computes; they are not kept.
func productAsset(f *fields, lc *core.LineChange) {
	lc.ProductName = sent(f, "product_name", f.str)
	lc.ProductID = sent(f, "product_id", f.id)
	lc.ProductAttrID = sent(f, "product_attr_id", f.id)
	lc.ProductNo = sent(f, "product_no", f.str)
	lc.Quantity = sent(f, "quantity", f.integer)
	lc.UnitPrice = sent(f, "recommended_unit_price", f.money)
	lc.SaleUnit = sent(f, "sale_unit", f.str)
	lc.Spec = sent(f, "spec", f.str)
	lc.Remark = sent(f, "remark", f.str)
	if f.scalar("total_price") != "" {
		total := f.money("total_price")
		lc.TotalPrice = &total
	}
}

// contractID reads :id; anything but a record's id finds nothing, as Rails' find does.
func contractID(s string) (uint64, error) {
	id, why := parseID(s)
	if why != "" || id == 0 {
		return 0, core.NotFoundf("contract", "contract %q not found", core.Excerpt(s))
	}
	return id, nil
}

// createContract answers POST /api/v2/contracts with the new contract.
func (a *Adapter) createContract(ctx context.Context, caller core.Caller, p params) (any, error) {
	change, err := contractRequest(p, caller.Location, true)
	if err != nil {
		return nil, err
	}
	var in core.NewContract
	if err := change.ApplyTo(&in); err != nil {
		return nil, writeError(err, change)
	}
	in.ID = adapters.KeptID(ctx) // the upstream's, when the mirror applies its create
	k, err := a.svc.CreateContract(ctx, caller, in)
	if err != nil {
		return nil, writeError(err, change)
	}
	return a.contract(ctx, caller, k.ID)
}

// showContract answers GET /api/v2/contracts/:id.
func (a *Adapter) showContract(ctx context.Context, caller core.Caller, p params) (any, error) {
	id, err := contractID(p.id)
	if err != nil {
		return nil, err
	}
	return a.contract(ctx, caller, id)
}

// updateContract answers PUT /api/v2/contracts/:id: the fields sent change, the others stay.
func (a *Adapter) updateContract(ctx context.Context, caller core.Caller, p params) (any, error) {
	id, err := contractID(p.id)
	if err != nil {
		return nil, err
	}
	change, err := contractRequest(p, caller.Location, false)
	if err != nil {
		// Rails finds the record before it reads the parameters: a missing contract is 100100 whatever was sent.
		if missing := a.svc.CheckContract(ctx, caller, id); missing != nil {
			return nil, missing
		}
		return nil, err
	}
	// The change applies to the contract as it is when the update runs, not as an earlier read saw it.
	if _, err := a.svc.UpdateContract(ctx, caller, id, change); err != nil {
		return nil, writeError(err, change)
	}
	return a.contract(ctx, caller, id)
}

// deleteContract answers DELETE /api/v2/contracts/:id with the id removed.
func (a *Adapter) deleteContract(ctx context.Context, caller core.Caller, p params) (any, error) {
	id, err := contractID(p.id)
	if err != nil {
		return nil, err
	}
	if err := a.svc.DeleteContract(ctx, caller, id); err != nil {
		return nil, err
	}
	return deleted{id}, nil
}

// deleted is the delete's answer: the id removed.
type deleted struct {
	ID uint64 `json:"id"`
}

// minuteTime writes a time as the open API does, in the tenant's zone.
func minuteTime(t time.Time, loc *time.Location) string { return t.In(loc).Format(timeLayout) }
