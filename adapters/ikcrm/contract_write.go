package ikcrm

import (
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

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

// contractRequest reads a create or update request into in, which holds the
// contract as it is (empty when creating).
func contractRequest(c echo.Context, in *core.NewContract, creating bool) error {
	tree, err := requestTree(c)
	if err != nil {
		return err
	}
	f := &fields{m: tree}
	if raw, wrapped := tree["contract"]; wrapped {
		m, ok := object(raw)
		if !ok {
			return invalid("contract 应为对象, 如 {\"contract\":{\"title\":…}}")
		}
		f = &fields{m: m}
	} // else an unwrapped JSON body: Rails' ParamsWrapper reads its top-level keys as the contract
	for _, key := range requiredContractFields {
		if (creating || f.has(key)) && f.scalar(key) == "" {
			f.fail(key, "不能为空")
		}
	}
	loc := callerOf(c).Location
	set := func(key string, apply func()) {
		if f.has(key) {
			apply()
		}
	}
	set("title", func() { in.Title = f.str("title") })
	set("sn", func() { in.SN = f.str("sn") })
	set("customer_id", func() { in.CustomerID = f.id("customer_id") })
	set("user_id", func() { in.OwnerID = f.id("user_id") })
	set("want_department_id", func() { in.DepartmentID = f.id("want_department_id") })
	set("opportunity_id", func() { in.OpportunityID = f.id("opportunity_id") })
	set("custom_field_template_id", func() { in.CustomFieldTemplateID = f.id("custom_field_template_id") })
	set("category", func() { in.CategoryID = f.id("category") })
	set("payment_type", func() { in.PaymentTypeID = f.id("payment_type") })
	set("total_amount", func() { in.TotalAmount = f.money("total_amount") })
	set("start_at", func() { in.StartDate = f.date("start_at", loc) })
	set("end_at", func() { in.EndDate = f.date("end_at", loc) })
	set("sign_date", func() { in.SignDate = f.date("sign_date", loc) })
	set("customer_signer", func() { in.CustomerSigner = f.str("customer_signer") })
	set("our_signer", func() { in.OurSigner = f.str("our_signer") })
	set("special_terms", func() { in.SpecialTerms = f.str("special_terms") })
	set("notify_user_ids", func() { in.NotifyUserIDs = f.ids("notify_user_ids") })
	set("status", func() {
		in.Status = ""
		if code := f.id("status"); code != 0 {
			state, known := core.ContractStatusOfCode(code)
			if !known {
				f.fail("status", "不是合同状态的 id (GET /api/v2/field_maps/contract): %d", code)
			}
			in.Status = state
		}
	})
	set("approve_status", func() {
		// The tenant's approval setting decides a new contract's state; a client
		// can only ask for a valid one, and approval goes through the workflow.
		if s := f.str("approve_status"); s != "" && approveStatusI18n[s] == "" {
			f.fail("approve_status", "应为 applying 或 approved: %q", core.Excerpt(s))
		}
	})
	set("product_assets_attributes", func() { in.Lines = productAssets(f, in.Lines, creating) })
	for key, v := range f.m {
		if contractKeys[key] || viewKeys[key] {
			continue
		}
		if in.CustomFields == nil {
			in.CustomFields = map[string]any{}
		}
		if v == nil {
			delete(in.CustomFields, key)
		} else {
			in.CustomFields[key] = v
		}
	}
	switch action := (&fields{m: tree}).str("contract_action_name"); action {
	case "":
	case "turn_to_contract":
		in.TurnOpportunity = true
		if in.OpportunityID == 0 {
			f.fail("opportunity_id", "不能为空: 商机转合同需要商机 id")
		}
	default:
		f.fail("contract_action_name", "只能为 turn_to_contract: %q", core.Excerpt(action))
	}
	return f.err
}

// productAssets applies product_assets_attributes to lines: an item with an
// id changes that line (or, with destroy, removes it), one without adds a line.
func productAssets(f *fields, lines []core.NewContractLine, creating bool) []core.NewContractLine {
	for i, item := range f.list("product_assets_attributes") {
		m, ok := object(item)
		if !ok {
			f.fail("product_assets_attributes", "第 %d 项应为对象", i+1)
			return lines
		}
		lf := &fields{m: m}
		id := lf.id("id")
		destroy := lf.flag("destroy") || lf.flag("_destroy")
		if id == 0 {
			if !destroy {
				line := core.NewContractLine{}
				productAsset(lf, &line)
				lines = append(lines, line)
			}
		} else if at := slices.IndexFunc(lines, func(l core.NewContractLine) bool { return l.ID == id }); at < 0 || creating {
			lf.fail("id", "明细 %d 不属于该合同", id)
		} else if destroy {
			lines = slices.Delete(lines, at, at+1)
		} else {
			productAsset(lf, &lines[at])
		}
		if lf.err != nil {
			f.fail("product_assets_attributes", "第 %d 项: %s", i+1, lf.err.(*apiError).Message)
			return lines
		}
	}
	return lines
}

// productAsset applies one item's fields to a line. type_name, type_id and
// standard_unit_price are display values the vendor computes; they are not kept.
func productAsset(f *fields, l *core.NewContractLine) {
	if f.has("product_name") {
		l.ProductName = f.str("product_name")
	}
	if f.has("product_id") {
		l.ProductID = f.id("product_id")
	}
	if f.has("product_attr_id") {
		l.ProductAttrID = f.id("product_attr_id")
	}
	if f.has("product_no") {
		l.ProductNo = f.str("product_no")
	}
	if f.has("quantity") {
		l.Quantity = f.integer("quantity")
	}
	if f.has("recommended_unit_price") {
		l.UnitPrice = f.money("recommended_unit_price")
	}
	if f.has("sale_unit") {
		l.SaleUnit = f.str("sale_unit")
	}
	if f.has("spec") {
		l.Spec = f.str("spec")
	}
	if f.has("remark") {
		l.Remark = f.str("remark")
	}
	l.TotalPrice = nil
	if f.scalar("total_price") != "" {
		total := f.money("total_price")
		l.TotalPrice = &total
	}
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
func contractID(c echo.Context) (uint64, error) {
	id, why := parseID(c.Param("id"))
	if why != "" || id == 0 {
		return 0, core.NotFoundf("contract", "contract %q not found", core.Excerpt(c.Param("id")))
	}
	return id, nil
}

// createContract answers POST /api/v2/contracts with the new contract.
func (a *Adapter) createContract(c echo.Context) error {
	var in core.NewContract
	if err := contractRequest(c, &in, true); err != nil {
		return err
	}
	k, err := a.svc.CreateContract(c.Request().Context(), callerOf(c), in)
	if err != nil {
		return writeError(err)
	}
	return a.renderContract(c, k.ID)
}

// showContract answers GET /api/v2/contracts/:id.
func (a *Adapter) showContract(c echo.Context) error {
	id, err := contractID(c)
	if err != nil {
		return err
	}
	return a.renderContract(c, id)
}

// updateContract answers PUT /api/v2/contracts/:id: the fields sent change, the others stay.
func (a *Adapter) updateContract(c echo.Context) error {
	id, err := contractID(c)
	if err != nil {
		return err
	}
	// The keys sent change the contract as it is when the update runs, not as an earlier read saw it.
	change := func(in *core.NewContract) error { return contractRequest(c, in, false) }
	if _, err := a.svc.UpdateContract(c.Request().Context(), callerOf(c), id, change); err != nil {
		return writeError(err)
	}
	return a.renderContract(c, id)
}

// deleteContract answers DELETE /api/v2/contracts/:id with the id removed.
func (a *Adapter) deleteContract(c echo.Context) error {
	id, err := contractID(c)
	if err != nil {
		return err
	}
	if err := a.svc.DeleteContract(c.Request().Context(), callerOf(c), id); err != nil {
		return err
	}
	return ok(c, struct {
		ID uint64 `json:"id"`
	}{id})
}

// minuteTime writes a time as the open API does, in the tenant's zone.
func minuteTime(t time.Time, loc *time.Location) string { return t.In(loc).Format(timeLayout) }
