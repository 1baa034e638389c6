package ikcrm

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

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

// contractEdit is a create or update request, read and checked in full
// before any transaction: applying it only assigns values, so an update
// holds the contract's lock for no parsing and no wire input.
type contractEdit struct {
	sent   map[string]bool  // the keys of the contract object
	values core.NewContract // the values of the contract's own fields sent
	lines  []lineEdit       // product_assets_attributes, in order
	custom map[string]any   // the custom fields sent; nil removes one
	turn   bool             // contract_action_name=turn_to_contract
}

// lineEdit is one product_assets_attributes item: one without an id adds a
// line (unless destroy), one with an id changes that line or, with destroy, removes it.
type lineEdit struct {
	id      uint64
	destroy bool
	sent    map[string]bool
	values  core.NewContractLine
}

// contractRequest reads a create or update request, its dates in loc.
func contractRequest(p params, loc *time.Location, creating bool) (*contractEdit, error) {
	if p.bodyErr != nil {
		return nil, p.bodyErr
	}
	tree := p.body
	f := &fields{m: tree}
	if raw, wrapped := tree["contract"]; wrapped {
		m, ok := object(raw)
		if !ok {
			return nil, invalid("contract 应为对象, 如 {\"contract\":{\"title\":…}}")
		}
		f = &fields{m: m}
	} // else an unwrapped JSON body: Rails' ParamsWrapper reads its top-level keys as the contract
	for _, key := range requiredContractFields {
		if (creating || f.has(key)) && f.scalar(key) == "" {
			f.fail(key, "不能为空")
		}
	}
	// Every field is read, an absent one as its zero value; apply assigns only those sent.
	e := &contractEdit{sent: keys(f.m)}
	v := &e.values
	v.Title, v.SN = f.str("title"), f.str("sn")
	v.CustomerID, v.OwnerID, v.DepartmentID = f.id("customer_id"), f.id("user_id"), f.id("want_department_id")
	v.OpportunityID, v.CustomFieldTemplateID = f.id("opportunity_id"), f.id("custom_field_template_id")
	v.CategoryID, v.PaymentTypeID = f.id("category"), f.id("payment_type")
	v.TotalAmount = f.money("total_amount")
	v.StartDate, v.EndDate, v.SignDate = f.date("start_at", loc), f.date("end_at", loc), f.date("sign_date", loc)
	v.CustomerSigner, v.OurSigner, v.SpecialTerms = f.str("customer_signer"), f.str("our_signer"), f.str("special_terms")
	v.NotifyUserIDs = f.ids("notify_user_ids")
	if code := f.id("status"); code != 0 {
		state, known := core.ContractStatusOfCode(code)
		if !known {
			f.fail("status", "不是合同状态的 id (GET /api/v2/field_maps/contract): %d", code)
		}
		v.Status = state
	}
	// The tenant's approval setting decides a new contract's state; a client
	// can only ask for a valid one, and approval goes through the workflow.
	if s := f.str("approve_status"); s != "" && approveStatusI18n[s] == "" {
		f.fail("approve_status", "应为 applying 或 approved: %q", core.Excerpt(s))
	}
	e.lines = productAssets(f)
	for key, value := range f.m {
		if contractKeys[key] || viewKeys[key] {
			continue
		}
		if e.custom == nil {
			e.custom = map[string]any{}
		}
		e.custom[key] = value
	}
	switch action := (&fields{m: tree}).str("contract_action_name"); action {
	case "":
	case "turn_to_contract":
		e.turn = true
	default:
		f.fail("contract_action_name", "只能为 turn_to_contract: %q", core.Excerpt(action))
	}
	if f.err != nil {
		return nil, f.err
	}
	return e, nil
}

// keys is the set of m's keys.
func keys(m map[string]any) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

// apply makes in, the contract as it is (empty when creating), what the
// request asks for. It reads nothing of the request; it refuses only what
// depends on the contract: a line id it does not hold, turning an
// opportunity when it names none.
func (e *contractEdit) apply(in *core.NewContract) error {
	v, sent := &e.values, e.sent
	for _, field := range []struct {
		key   string
		apply func()
	}{
		{"title", func() { in.Title = v.Title }},
		{"sn", func() { in.SN = v.SN }},
		{"customer_id", func() { in.CustomerID = v.CustomerID }},
		{"user_id", func() { in.OwnerID = v.OwnerID }},
		{"want_department_id", func() { in.DepartmentID = v.DepartmentID }},
		{"opportunity_id", func() { in.OpportunityID = v.OpportunityID }},
		{"custom_field_template_id", func() { in.CustomFieldTemplateID = v.CustomFieldTemplateID }},
		{"category", func() { in.CategoryID = v.CategoryID }},
		{"payment_type", func() { in.PaymentTypeID = v.PaymentTypeID }},
		{"total_amount", func() { in.TotalAmount = v.TotalAmount }},
		{"start_at", func() { in.StartDate = v.StartDate }},
		{"end_at", func() { in.EndDate = v.EndDate }},
		{"sign_date", func() { in.SignDate = v.SignDate }},
		{"customer_signer", func() { in.CustomerSigner = v.CustomerSigner }},
		{"our_signer", func() { in.OurSigner = v.OurSigner }},
		{"special_terms", func() { in.SpecialTerms = v.SpecialTerms }},
		{"notify_user_ids", func() { in.NotifyUserIDs = v.NotifyUserIDs }},
		{"status", func() { in.Status = v.Status }},
	} {
		if sent[field.key] {
			field.apply()
		}
	}
	if sent["product_assets_attributes"] {
		lines, err := applyLines(in.Lines, e.lines)
		if err != nil {
			return err
		}
		in.Lines = lines
	}
	for key, value := range e.custom {
		if in.CustomFields == nil {
			in.CustomFields = map[string]any{}
		}
		if value == nil {
			delete(in.CustomFields, key)
		} else {
			in.CustomFields[key] = value
		}
	}
	if e.turn {
		in.TurnOpportunity = true
		if in.OpportunityID == 0 {
			return invalid(label("opportunity_id") + " 不能为空: 商机转合同需要商机 id")
		}
	}
	return nil
}

// productAssets reads product_assets_attributes.
func productAssets(f *fields) []lineEdit {
	var edits []lineEdit
	for i, item := range f.list("product_assets_attributes") {
		m, ok := object(item)
		if !ok {
			f.fail("product_assets_attributes", "第 %d 项应为对象", i+1)
			return nil
		}
		lf := &fields{m: m}
		edit := lineEdit{id: lf.id("id"), destroy: lf.flag("destroy") || lf.flag("_destroy"), sent: keys(m)}
		productAsset(lf, &edit.values)
		if lf.err != nil {
			f.fail("product_assets_attributes", "第 %d 项: %s", i+1, lf.err.(*apiError).Message)
			return nil
		}
		edits = append(edits, edit)
	}
	return edits
}

// productAsset reads one item's fields into l. type_name, type_id and
// standard_unit_price are display values the vendor computes; they are not kept.
func productAsset(f *fields, l *core.NewContractLine) {
	l.ProductName = f.str("product_name")
	l.ProductID = f.id("product_id")
	l.ProductAttrID = f.id("product_attr_id")
	l.ProductNo = f.str("product_no")
	l.Quantity = f.integer("quantity")
	l.UnitPrice = f.money("recommended_unit_price")
	l.SaleUnit = f.str("sale_unit")
	l.Spec = f.str("spec")
	l.Remark = f.str("remark")
	if f.scalar("total_price") != "" {
		total := f.money("total_price")
		l.TotalPrice = &total
	}
}

// applyLines applies the items to lines: an item adds a line, or changes
// (only in the keys it carries) or removes the line of its id.
func applyLines(lines []core.NewContractLine, edits []lineEdit) ([]core.NewContractLine, error) {
	for i, edit := range edits {
		if edit.id == 0 {
			if !edit.destroy {
				lines = append(lines, edit.values)
			}
			continue
		}
		at := slices.IndexFunc(lines, func(l core.NewContractLine) bool { return l.ID == edit.id })
		switch {
		case at < 0: // also every id on a new contract, which has no lines yet
			return nil, invalid(fmt.Sprintf("%s 第 %d 项: %s 明细 %d 不属于该合同", label("product_assets_attributes"), i+1, label("id"), edit.id))
		case edit.destroy:
			lines = slices.Delete(lines, at, at+1)
		default:
			l, v := &lines[at], edit.values
			for _, field := range []struct {
				key   string
				apply func()
			}{
				{"product_name", func() { l.ProductName = v.ProductName }},
				{"product_id", func() { l.ProductID = v.ProductID }},
				{"product_attr_id", func() { l.ProductAttrID = v.ProductAttrID }},
				{"product_no", func() { l.ProductNo = v.ProductNo }},
				{"quantity", func() { l.Quantity = v.Quantity }},
				{"recommended_unit_price", func() { l.UnitPrice = v.UnitPrice }},
				{"sale_unit", func() { l.SaleUnit = v.SaleUnit }},
				{"spec", func() { l.Spec = v.Spec }},
				{"remark", func() { l.Remark = v.Remark }},
			} {
				if edit.sent[field.key] {
					field.apply()
				}
			}
			l.TotalPrice = v.TotalPrice // always computed; checked only when sent
		}
	}
	return lines, nil
}

// referenceFields name the request field behind a reference core did not find.
var referenceFields = map[string]string{
	"customer": "customer_id", "user": "user_id", "department": "want_department_id", "opportunity": "opportunity_id",
	core.DictContractCategory: "category", core.DictPaymentType: "payment_type", "contract line": "product_assets_attributes",
}

// writeError words core's answer to a contract write as the vendor does: a
// reference that is not in the tenant is a bad parameter naming its field;
// the contract itself not found stays 100100.
func writeError(err error) error {
	ce := core.AsError(err)
	switch ce.Code {
	case core.ENOTFOUND:
		field := ce.Field
		if field == "" {
			field = referenceFields[ce.Entity]
		}
		if field != "" {
			return invalid(label(field) + " 不存在: " + ce.Message)
		}
	case core.EINVALID:
		return invalid(label(ce.Field) + ": " + ce.Message)
	case core.ECONFLICT:
		return &apiError{http.StatusOK, 100409, label("sn") + " 已经被使用: " + ce.Message, "record_not_unique"}
	}
	return err
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
	edit, err := contractRequest(p, caller.Location, true)
	if err != nil {
		return nil, err
	}
	var in core.NewContract
	if err := edit.apply(&in); err != nil {
		return nil, err
	}
	k, err := a.svc.CreateContract(ctx, caller, in)
	if err != nil {
		return nil, writeError(err)
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
	edit, err := contractRequest(p, caller.Location, false)
	if err != nil {
		// Rails finds the record before it reads the parameters: a missing contract is 100100 whatever was sent.
		if missing := a.svc.CheckContract(ctx, caller, id); missing != nil {
			return nil, missing
		}
		return nil, err
	}
	// The edit applies to the contract as it is when the update runs, not as an earlier read saw it.
	if _, err := a.svc.UpdateContract(ctx, caller, id, edit.apply); err != nil {
		return nil, writeError(err)
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
