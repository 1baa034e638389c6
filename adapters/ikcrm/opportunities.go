package ikcrm

// Opportunities (商机), as vendor-facts-wider.md §1.8 gives what clients send and read.

import (
	"context"
	"encoding/json"
	"maps"
	"reflect"
	"strconv"
	"strings"
	"time"

	"crmgw/adapters"
	"crmgw/core"
)

// opportunityItem is an opportunity in GET /api/v2/opportunities.
type opportunityItem struct {
	ID                     uint64          `json:"id"`
	Title                  string          `json:"title"`
	CustomerID             uint64          `json:"customer_id"`
	CustomerName           string          `json:"customer_name"`
	UserID                 uint64          `json:"user_id"`
	UserName               string          `json:"user_name"`
	ExpectAmount           string          `json:"expect_amount"`
	ExpectSignDate         *string         `json:"expect_sign_date"`
	Stage                  string          `json:"stage"`
	StageMapped            string          `json:"stage_mapped"`
	SignPossibility        int             `json:"sign_possibility"`
	SignPossibilityDisplay string          `json:"sign_possibility_display"`
	Source                 *string         `json:"source"`
	SourceMapped           *string         `json:"source_mapped"`
	Kind                   *string         `json:"kind"`
	KindMapped             *string         `json:"kind_mapped"`
	ApproveStatus          string          `json:"approve_status"` // crmgw approves no opportunities: each is approved
	ApproveStatusI18n      string          `json:"approve_status_i18n"`
	RealRevisitAt          *string         `json:"real_revisit_at"`
	CreatedAt              string          `json:"created_at"`
	UpdatedAt              string          `json:"updated_at"`
	IsUserSelf             bool            `json:"is_user_self"`
	Customer               opportunityCust `json:"customer"`
}

// opportunityPage is the list's data.
type opportunityPage struct {
	Opportunities []opportunityListed `json:"opportunities"`
	TotalCount    int64               `json:"total_count"`
	PerPage       int                 `json:"per_page"`
	Page          int                 `json:"page"`
	HasNextPage   bool                `json:"has_next_page"`
}

// opportunityListed is a list item with its custom fields after the vendor's.
type opportunityListed struct {
	opportunityItem
	custom    map[string]any
	catalogue []core.CustomField
}

func (v opportunityListed) MarshalJSON() ([]byte, error) {
	return marshalWithCustom(v.opportunityItem, v.custom, v.catalogue)
}

// opportunityView is the opportunity that show, create and update answer.
type opportunityView struct {
	opportunityItem
	Note                string             `json:"note"`
	CustomerRequirement string             `json:"customer_requirement"`
	User                userRef            `json:"user"`
	Creator             any                `json:"creator" jsontype:"object"`
	OwnedDepartment     any                `json:"owned_department" jsontype:"object"`
	ProductAssets       []opportunityAsset `json:"product_assets"`
	Contacts            []userRef          `json:"contacts"`
	custom              map[string]any
	catalogue           []core.CustomField
}

func (v opportunityView) MarshalJSON() ([]byte, error) {
	type plain opportunityView // without this method
	return marshalWithCustom(plain(v), v.custom, v.catalogue)
}

// opportunityCust is the opportunity's customer. The full view adds
// before_user: the owner it was lost by to the public pool, {} when none.
type opportunityCust struct {
	ID         uint64 `json:"id"`
	Name       string `json:"name"`
	BeforeUser any    `json:"before_user,omitempty" jsontype:"object"`
}

type opportunityAsset struct {
	ID                   uint64 `json:"id"`
	ProductID            uint64 `json:"product_id"`
	ProductName          string `json:"product_name"`
	Quantity             int64  `json:"quantity"`
	RecommendedUnitPrice string `json:"recommended_unit_price"`
	TotalPrice           string `json:"total_price"`
	Remark               string `json:"remark"`
}

// marshalWithCustom writes v, an object, then custom's keys in key order,
// each custom field's with its <key>_display.
func marshalWithCustom(v any, custom map[string]any, catalogue []core.CustomField) ([]byte, error) {
	b, err := marshal(v)
	if err != nil {
		return nil, err
	}
	return AppendCustomFields(b, custom, catalogue)
}

// opportunityFields are the opportunity's option fields and the tenant
// dictionaries behind them.
var opportunityFields = []struct{ field, kind string }{
	{"stage", core.DictOpportunityStage},
	{"source", core.DictSource},
	{"kind", core.DictOpportunityKind},
}

// opportunityFieldMaps answers GET /api/v2/field_maps/opportunity: where a
// client finds the stage, source and kind ids it sends.
func (a *Adapter) opportunityFieldMaps(ctx context.Context, caller core.Caller, _ params) (any, error) {
	return a.fieldMaps(ctx, caller, "opportunity", opportunityFields)
}

// opportunityDicts are the dictionaries an opportunity's codes name.
var opportunityDicts = []string{core.DictOpportunityStage, core.DictSource, core.DictOpportunityKind}

// opportunityItemOf renders o with its names.
func opportunityItemOf(caller core.Caller, o core.Opportunity, owner, customer string, last *time.Time,
	names map[string]map[uint64]string) opportunityItem {
	loc := caller.Location
	stage := o.StageCode()
	v := opportunityItem{ID: o.ID, Title: o.Title, CustomerID: o.CustomerID, CustomerName: customer,
		UserID: o.OwnerID, UserName: owner, ExpectAmount: rubyDecimal(o.Amount.Decimal),
		Stage: strconv.FormatUint(stage, 10), StageMapped: names[core.DictOpportunityStage][stage],
		SignPossibility: o.Probability, SignPossibilityDisplay: strconv.Itoa(o.Probability) + "%",
		Source: code(o.SourceID), SourceMapped: mapped(names[core.DictSource], o.SourceID),
		Kind: code(o.KindID), KindMapped: mapped(names[core.DictOpportunityKind], o.KindID),
		ApproveStatus: core.ApprovalApproved, ApproveStatusI18n: approveStatusI18n[core.ApprovalApproved],
		CreatedAt: minuteTime(o.CreatedAt, loc), UpdatedAt: minuteTime(o.CreatedAt, loc),
		IsUserSelf: o.OwnerID == caller.UserID, Customer: opportunityCust{ID: o.CustomerID, Name: customer}}
	if !o.UpdatedAt.IsZero() {
		v.UpdatedAt = minuteTime(o.UpdatedAt, loc)
	}
	if o.ExpectSignDate != nil {
		s := o.ExpectSignDate.String()
		v.ExpectSignDate = &s
	}
	if last != nil {
		s := minuteTime(*last, loc)
		v.RealRevisitAt = &s
	}
	return v
}

// listOpportunities answers GET /api/v2/opportunities.
func (a *Adapter) listOpportunities(ctx context.Context, caller core.Caller, p params) (any, error) {
	qp := p.query
	q := core.OpportunityListQuery{Query: strings.TrimSpace(qp.Get("query")), Sort: "created_at", Desc: true}
	var err error
	if q.Page, q.PerPage, err = paging(qp); err != nil {
		return nil, err
	}
	f := &fields{m: map[string]any{}}
	for _, k := range []string{"stage", "customer_id", "entity", "entity_id"} {
		if v := qp.Get(k); v != "" {
			f.m[k] = v
		}
	}
	q.StageID, q.CustomerID = f.id("stage"), f.id("customer_id")
	switch entity := f.str("entity"); entity {
	case "":
		if f.has("entity_id") {
			f.fail("entity_id", "需与 entity 一起给出")
		}
	case "customer":
		id := f.id("entity_id")
		switch {
		case id == 0:
			f.fail("entity_id", "应为客户 id")
		case q.CustomerID != 0 && q.CustomerID != id:
			f.fail("entity_id", "与 customer_id 不是同一客户")
		}
		q.CustomerID = id
	default:
		f.fail("entity", "应为 customer: %q", core.Excerpt(entity))
	}
	if f.err != nil {
		return nil, f.err
	}
	if v := qp.Get("sort"); v != "" {
		q.Sort = v
	}
	if q.Desc, err = descending(qp); err != nil {
		return nil, err
	}
	list, err := a.svc.ListOpportunities(ctx, caller, q)
	if err != nil {
		return nil, err
	}
	names, err := a.svc.DictionaryNames(ctx, caller, opportunityDicts...)
	if err != nil {
		return nil, err
	}
	catalogue, err := a.svc.CustomFields(ctx, caller, core.EntityOpportunity)
	if err != nil {
		return nil, err
	}
	page := opportunityPage{Opportunities: make([]opportunityListed, 0, len(list.Items)), TotalCount: list.Total,
		PerPage: q.PerPage, Page: q.Page, HasNextPage: int64(q.Page*q.PerPage) < list.Total}
	for _, o := range list.Items {
		custom, err := o.CustomFieldValues()
		if err != nil {
			return nil, err
		}
		page.Opportunities = append(page.Opportunities, opportunityListed{
			opportunityItemOf(caller, o.Opportunity, o.OwnerName, o.CustomerName, o.LastContactAt, names), custom, catalogue})
	}
	return page, nil
}

// opportunityKeys are the opportunity's own fields and what the request may
// carry beside them; any other key of the opportunity object is a custom field.
var opportunityKeys = map[string]bool{
	"user_id": true, "title": true, "customer_id": true, "expect_amount": true, "expect_sign_date": true,
	"want_department_id": true, "stage": true, "source": true, "kind": true, "note": true,
	"customer_requirement": true, "sign_possibility": true, "product_assets_attributes": true,
	"contact_assetships_attributes": true, "id": true,
	"user_token": true, "device": true, "version_code": true,
}

// opportunityViewKeys are the keys an opportunity is rendered with: sent
// back by a client that read them, they are never custom fields.
var opportunityViewKeys = jsonKeys(reflect.TypeFor[opportunityView]())

// jsonKeys are the JSON keys of struct t's fields, embedded structs' included.
func jsonKeys(t reflect.Type) map[string]bool {
	keys := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			for k := range jsonKeys(f.Type) {
				keys[k] = true
			}
			continue
		}
		if name, _, _ := strings.Cut(f.Tag.Get("json"), ","); name != "" && name != "-" {
			keys[name] = true
		}
	}
	return keys
}

// opportunityLabels are the vendor's names for the opportunity's fields, used in messages.
var opportunityLabels = map[string]string{
	"title": "商机标题", "stage": "销售阶段", "source": "来源", "kind": "商机类型", "expect_amount": "预计金额",
	"expect_sign_date": "预计签单日期", "sign_possibility": "赢率", "note": "备注", "customer_requirement": "客户需求",
	"contact_assetships_attributes": "联系人",
}

// opportunityLabel names an opportunity's field as the vendor does, with its key.
func opportunityLabel(key string) string {
	if l, ok := opportunityLabels[key]; ok {
		return l + "(" + key + ")"
	}
	return label(key)
}

// requiredOpportunityFields must be present and non-empty on a create.
var requiredOpportunityFields = []string{"title", "customer_id"}

// opportunityRequest reads a create or update into a change checked in full
// before any transaction.
func opportunityRequest(p params, loc *time.Location, creating bool) (core.OpportunityChange, error) {
	if p.bodyErr != nil {
		return core.OpportunityChange{}, p.bodyErr
	}
	f := &fields{m: p.body, names: opportunityLabels}
	if raw, wrapped := p.body["opportunity"]; wrapped {
		m, ok := object(raw)
		if !ok {
			return core.OpportunityChange{}, invalid("opportunity 应为对象, 如 {\"opportunity\":{\"title\":…}}")
		}
		f.m = m
	}
	for _, key := range requiredOpportunityFields {
		if (creating || f.has(key)) && f.scalar(key) == "" {
			f.fail(key, "不能为空")
		}
	}
	var ch core.OpportunityChange
	ch.Title, ch.Note, ch.CustomerRequirement = sent(f, "title", f.str), sent(f, "note", f.str), sent(f, "customer_requirement", f.str)
	ch.CustomerID, ch.OwnerID, ch.DepartmentID = sent(f, "customer_id", f.id), sent(f, "user_id", f.id), sent(f, "want_department_id", f.id)
	ch.StageID, ch.SourceID, ch.KindID = sent(f, "stage", f.id), sent(f, "source", f.id), sent(f, "kind", f.id)
	ch.Amount = sent(f, "expect_amount", f.money)
	ch.ExpectSignDate = sent(f, "expect_sign_date", func(key string) *core.Date {
		if d := f.date(key, loc); !d.IsZero() {
			return &d
		}
		return nil
	})
	ch.Probability = sent(f, "sign_possibility", func(key string) int {
		// "10%" as one page shows it, or the number.
		one := &fields{m: map[string]any{key: strings.TrimSuffix(f.scalar(key), "%")}, names: opportunityLabels}
		n := one.integer(key)
		if one.err != nil {
			f.fail(key, "应为 0 到 100 的整数: %q", core.Excerpt(f.scalar(key)))
		} else if n < 0 || n > 100 {
			f.fail(key, "应在 0 到 100 之间: %d", n)
		}
		return int(n)
	})
	for i, item := range f.list("product_assets_attributes") {
		m, ok := object(item)
		if !ok {
			f.fail("product_assets_attributes", "第 %d 项应为对象", i+1)
			break
		}
		lf := &fields{m: m}
		lc := core.LineChange{ID: lf.id("id"), Remove: lf.flag("destroy") || lf.flag("_destroy")}
		productAsset(lf, &lc)
		if lf.err != nil {
			f.fail("product_assets_attributes", "第 %d 项: %s", i+1, lf.err.(*apiError).Message)
			break
		}
		ch.Lines = append(ch.Lines, lc)
	}
	for i, item := range f.list("contact_assetships_attributes") {
		m, ok := object(item)
		if !ok {
			f.fail("contact_assetships_attributes", "第 %d 项应为对象", i+1)
			break
		}
		cf := &fields{m: m}
		id, remove := cf.id("contact_id"), cf.flag("destroy") || cf.flag("_destroy")
		if cf.err == nil && id == 0 {
			cf.fail("contact_id", "不能为空")
		}
		if cf.err != nil {
			f.fail("contact_assetships_attributes", "第 %d 项: %s", i+1, cf.err.(*apiError).Message)
			break
		}
		if remove {
			ch.RemoveContacts = append(ch.RemoveContacts, id)
		} else {
			ch.AddContacts = append(ch.AddContacts, id)
		}
	}
	for key, value := range f.m {
		if opportunityKeys[key] || opportunityViewKeys[key] {
			continue
		}
		if ch.CustomFields == nil {
			ch.CustomFields = map[string]any{}
		}
		ch.CustomFields[key] = value
	}
	if f.err != nil {
		return core.OpportunityChange{}, f.err
	}
	return ch, nil
}

// opportunityReferences name the request field behind a reference core did not find.
var opportunityReferences = map[string]string{
	"customer": "customer_id", "user": "user_id", "department": "want_department_id",
	core.DictOpportunityStage: "stage", core.DictSource: "source", core.DictOpportunityKind: "kind",
	"contact": "contact_assetships_attributes", "opportunity line": "product_assets_attributes",
}

// opportunityWriteError words core's answer to an opportunity write as the
// vendor does: a reference not in the tenant is a bad parameter naming its
// field; the opportunity itself not found stays 100100.
func opportunityWriteError(err error) error {
	ce := core.AsError(err)
	switch {
	case ce.Code == core.ENOTFOUND && opportunityReferences[ce.Entity] != "":
		return invalid(opportunityLabel(opportunityReferences[ce.Entity]) + " 不存在: " + message(ce))
	case ce.Code == core.EINVALID:
		return invalid(opportunityLabel(paramNames.Name(ce.Field)) + ": " + message(ce))
	}
	return err
}

// opportunityID reads :id; anything but a record's id finds nothing.
func opportunityID(s string) (uint64, error) {
	id, why := parseID(s)
	if why != "" || id == 0 {
		return 0, core.NotFoundf("opportunity", "opportunity %q not found", core.Excerpt(s))
	}
	return id, nil
}

// createOpportunity answers POST (and PUT) /api/v2/opportunities with the new opportunity.
func (a *Adapter) createOpportunity(ctx context.Context, caller core.Caller, p params) (any, error) {
	change, err := opportunityRequest(p, caller.Location, true)
	if err != nil {
		return nil, err
	}
	var in core.NewOpportunity
	if err := change.ApplyTo(&in); err != nil {
		return nil, opportunityWriteError(err)
	}
	in.ID = adapters.KeptID(ctx) // the upstream's, when the mirror applies its create
	o, err := a.svc.CreateOpportunity(ctx, caller, in)
	if err != nil {
		return nil, opportunityWriteError(err)
	}
	return a.opportunity(ctx, caller, o.ID)
}

// showOpportunity answers GET /api/v2/opportunities/:id.
func (a *Adapter) showOpportunity(ctx context.Context, caller core.Caller, p params) (any, error) {
	id, err := opportunityID(p.id)
	if err != nil {
		return nil, err
	}
	return a.opportunity(ctx, caller, id)
}

// updateOpportunity answers PUT and POST /api/v2/opportunities/:id: the fields sent change, the others stay.
func (a *Adapter) updateOpportunity(ctx context.Context, caller core.Caller, p params) (any, error) {
	id, err := opportunityID(p.id)
	if err != nil {
		return nil, err
	}
	change, err := opportunityRequest(p, caller.Location, false)
	if err != nil {
		if missing := a.svc.CheckOpportunity(ctx, caller, id); missing != nil {
			return nil, missing
		}
		return nil, err
	}
	if _, err := a.svc.UpdateOpportunity(ctx, caller, id, change); err != nil {
		return nil, opportunityWriteError(err)
	}
	return a.opportunity(ctx, caller, id)
}

// opportunity is the opportunity object show, create and update answer.
func (a *Adapter) opportunity(ctx context.Context, caller core.Caller, id uint64) (any, error) {
	d, err := a.svc.GetOpportunity(ctx, caller, id)
	if err != nil {
		return nil, err
	}
	names, err := a.svc.DictionaryNames(ctx, caller, opportunityDicts...)
	if err != nil {
		return nil, err
	}
	custom, err := d.CustomFieldValues()
	if err != nil {
		return nil, err
	}
	catalogue, err := a.svc.CustomFields(ctx, caller, core.EntityOpportunity)
	if err != nil {
		return nil, err
	}
	ref := func(u core.User) any {
		if u.ID == 0 {
			return struct{}{}
		}
		return userRef{u.ID, displayName(u)}
	}
	v := opportunityView{
		opportunityItem: opportunityItemOf(caller, d.Opportunity, displayName(d.Owner), d.Customer.Name, d.LastContactAt, names),
		Note:            d.Note, CustomerRequirement: d.CustomerRequirement,
		User: userRef{d.Owner.ID, displayName(d.Owner)}, Creator: ref(d.Creator), OwnedDepartment: struct{}{},
		ProductAssets: []opportunityAsset{}, Contacts: []userRef{}, custom: custom, catalogue: catalogue,
	}
	v.Customer.BeforeUser = ref(d.CustomerLostBy)
	if d.Department.ID != 0 {
		v.OwnedDepartment = departmentRef{d.Department.ID, d.Department.Name}
	}
	for _, l := range d.Lines {
		v.ProductAssets = append(v.ProductAssets, opportunityAsset{ID: l.ID, ProductID: l.ProductID, ProductName: l.ProductName,
			Quantity: l.Quantity, RecommendedUnitPrice: rubyDecimal(l.UnitPrice.Decimal), TotalPrice: rubyDecimal(l.TotalPrice.Decimal),
			Remark: l.Remark})
	}
	for _, ct := range d.Contacts {
		v.Contacts = append(v.Contacts, userRef{ct.ID, ct.Name})
	}
	return v, nil
}

// stageCount is a stage in a customer's opportunity list: its id, name, how
// many of the customer's opportunities are at it and their amounts (a number, as the vendor shows it).
type stageCount struct {
	ID     uint64      `json:"id"`
	Value  string      `json:"value"`
	Count  int64       `json:"count"`
	Amount json.Number `json:"amount"`
}

// customerOpportunityPage is a customer's opportunity list: the list's data and counts_by_stage.
type customerOpportunityPage struct {
	opportunityPage
	CountsByStage []stageCount `json:"counts_by_stage"`
}

// customerOpportunities answers GET /api/v2/customers/:id/opportunities:
// the customer's opportunities, as the list filters them, and every stage's count.
func (a *Adapter) customerOpportunities(ctx context.Context, caller core.Caller, p params) (any, error) {
	id, why := parseID(p.id)
	if why != "" || id == 0 {
		return nil, core.NotFoundf("customer", "customer %q not found", core.Excerpt(p.id))
	}
	counts, err := a.svc.OpportunityStages(ctx, caller, id)
	if err != nil {
		return nil, err
	}
	p.query = maps.Clone(p.query)
	p.query.Del("entity") // the path names the customer
	p.query.Del("entity_id")
	p.query.Set("customer_id", strconv.FormatUint(id, 10))
	list, err := a.listOpportunities(ctx, caller, p)
	if err != nil {
		return nil, err
	}
	stages, err := a.svc.Dictionary(ctx, caller, core.DictOpportunityStage)
	if err != nil {
		return nil, err
	}
	names, err := a.svc.DictionaryNames(ctx, caller, core.DictOpportunityStage)
	if err != nil {
		return nil, err
	}
	byStage := map[uint64]core.StageCount{}
	for _, c := range counts {
		byStage[c.StageID] = c
	}
	out := customerOpportunityPage{opportunityPage: list.(opportunityPage), CountsByStage: []stageCount{}}
	add := func(code uint64) {
		c := byStage[code]
		out.CountsByStage = append(out.CountsByStage, stageCount{code, names[core.DictOpportunityStage][code], c.Count, json.Number(c.Amount.String())})
		delete(byStage, code)
	}
	for _, s := range stages {
		add(s.Code)
	}
	for _, c := range counts { // at a stage no longer offered: still counted
		if _, left := byStage[c.StageID]; left {
			add(c.StageID)
		}
	}
	return out, nil
}
