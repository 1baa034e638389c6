package ikcrm

// Customers (vendor-facts-wider.md §1.6): the list with its filters and tabs,
// the customer object, create and update, the common pool and the field maps.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"crmgw/adapters"
	"crmgw/core"
)

// customerObject is a customer as the list, show, create and update answer it.
type customerObject struct {
	ID                   uint64          `json:"id"`
	UserID               uint64          `json:"user_id"`
	UserName             string          `json:"user_name"`
	Name                 string          `json:"name"`
	NamePinyin           string          `json:"name_pinyin"`
	Status               *string         `json:"status"`
	StatusMapped         *string         `json:"status_mapped"`
	Category             *string         `json:"category"`
	CategoryMapped       *string         `json:"category_mapped"`
	Source               *string         `json:"source"`
	SourceMapped         *string         `json:"source_mapped"`
	Industry             *string         `json:"industry"`
	IndustryMapped       *string         `json:"industry_mapped"`
	Note                 string          `json:"note"`
	Address              customerAddress `json:"address"`
	Contacts             []contactView   `json:"contacts"`
	Labels               []uint64        `json:"labels"`
	User                 any             `json:"user" jsontype:"object"`
	OwnedDepartment      any             `json:"owned_department" jsontype:"object"`
	IsPublic             bool            `json:"is_public"`
	ApproveStatus        string          `json:"approve_status"`
	ApproveStatusI18n    string          `json:"approve_status_i18n"`
	RealRevisitAt        *string         `json:"real_revisit_at"`
	LastRevistLogContent *string         `json:"last_revist_log_content"` // sic, the vendor's spelling
	CreatedAt            string          `json:"created_at"`
	UpdatedAt            string          `json:"updated_at"`
	IsUserSelf           bool            `json:"is_user_self"`
	custom               string
	catalogue            []core.CustomField
}

// customerAddress is a customer's one address: its id and addressable_id the customer's.
type customerAddress struct {
	ID              uint64 `json:"id"`
	AddressableType string `json:"addressable_type"`
	AddressableID   uint64 `json:"addressable_id"`
	Tel             string `json:"tel"`
	Phone           string `json:"phone"`
	Email           string `json:"email"`
	QQ              string `json:"qq"`
	Wechat          string `json:"wechat"`
	URL             string `json:"url"`
	Zip             string `json:"zip"`
	Fax             string `json:"fax"`
	DetailAddress   string `json:"detail_address"`
	RegionInfo      string `json:"region_info"`
	FullAddress     string `json:"full_address"`
}

// MarshalJSON writes the vendor's fields, then the custom fields.
func (v *customerObject) MarshalJSON() ([]byte, error) {
	type plain customerObject // without this method
	b, err := marshal((*plain)(v))
	if err != nil {
		return nil, err
	}
	return WithCustomFields(b, v.custom, v.catalogue)
}

// customerNames are the dictionaries a customer view names its codes from.
var customerNames = []string{core.DictCustomerStatus, core.DictCustomerCategory, core.DictSource, core.DictIndustry}

func customerViewOfDetail(caller core.Caller, d core.CustomerDetail, names map[string]map[uint64]string, catalogues customerCatalogues) *customerObject {
	loc := caller.Location
	v := &customerObject{ID: d.ID, UserID: d.OwnerID, UserName: displayName(d.Owner), Name: d.Name, NamePinyin: namePinyin(d.Name),
		Status: code(d.StatusID), StatusMapped: mapped(names[core.DictCustomerStatus], d.StatusID),
		Category: code(d.CategoryID), CategoryMapped: mapped(names[core.DictCustomerCategory], d.CategoryID),
		Source: code(d.SourceID), SourceMapped: mapped(names[core.DictSource], d.SourceID),
		Industry: code(d.IndustryID), IndustryMapped: mapped(names[core.DictIndustry], d.IndustryID),
		Note: d.Note,
		Address: customerAddress{ID: d.ID, AddressableType: "Customer", AddressableID: d.ID, Tel: d.Tel, Phone: d.Phone,
			Email: d.Email, QQ: d.QQ, Wechat: d.Wechat, URL: d.URL, Zip: d.Zip, Fax: d.Fax,
			DetailAddress: d.Customer.Address, FullAddress: d.Customer.Address},
		Contacts: []contactView{}, Labels: append([]uint64{}, d.TagIDs...), User: struct{}{}, OwnedDepartment: struct{}{},
		IsPublic: d.IsPublic, ApproveStatus: core.ApprovalApproved, ApproveStatusI18n: approveStatusI18n[core.ApprovalApproved],
		CreatedAt: minuteTime(d.CreatedAt, loc), UpdatedAt: minuteTime(d.UpdatedAt, loc),
		IsUserSelf: d.OwnerID == caller.UserID, custom: d.CustomFields, catalogue: catalogues.customer}
	if d.Owner.ID != 0 {
		v.User = userRef{d.Owner.ID, displayName(d.Owner)}
	}
	if d.OwnerDepartment.ID != 0 {
		v.OwnedDepartment = departmentRef{d.OwnerDepartment.ID, d.OwnerDepartment.Name}
	}
	if d.LastContactAt != nil {
		at, content := minuteTime(*d.LastContactAt, loc), d.LastContent
		v.RealRevisitAt, v.LastRevistLogContent = &at, &content
	}
	for _, ct := range d.Contacts {
		v.Contacts = append(v.Contacts, contactViewOf(caller, core.ContactListItem{Contact: ct, CustomerName: d.Name, CustomerOwnerID: d.OwnerID}, catalogues.contact))
	}
	return v
}

// customerPage is the list's data.
type customerPage struct {
	Customers   []*customerObject `json:"customers"`
	TotalCount  int64             `json:"total_count"`
	PerPage     int               `json:"per_page"`
	Page        int               `json:"page"`
	HasNextPage bool              `json:"has_next_page"`
}

// maxPerPage is the vendor's largest page: a larger per_page is cut to it, as clients send 200.
const maxPerPage = 100

// paging reads page (from 1; 0 is 1) and per_page (15 when absent or 0, at
// most maxPerPage), as the vendor's lists treat them (clients send 200 and 0).
func paging(qp url.Values) (page, perPage int, err error) {
	read := func(name string, def int) (int, error) {
		v := strings.TrimSpace(qp.Get(name))
		if v == "" {
			return def, nil
		}
		n, err := 0, strconv.ErrRange
		if len(v) <= maxNumberText {
			n, err = strconv.Atoi(v)
		}
		if err != nil || n < 0 {
			return 0, invalid(fmt.Sprintf("%s 应为正整数: %q", name, core.Excerpt(v)))
		}
		return n, nil
	}
	if page, err = read("page", 1); err != nil {
		return 0, 0, err
	}
	if perPage, err = read("per_page", 15); err != nil {
		return 0, 0, err
	}
	if perPage == 0 {
		perPage = 15
	}
	return max(page, 1), min(perPage, maxPerPage), nil
}

// queryID reads an optional id of the query string: absent or empty is 0.
func queryID(qp url.Values, name string) (uint64, error) {
	v := strings.TrimSpace(qp.Get(name))
	if v == "" {
		return 0, nil
	}
	id, why := parseID(v)
	if why != "" {
		return 0, invalid(name + " " + why)
	}
	return id, nil
}

// dateRange reads a range of dates in the tenant's zone: name[]=from&name[]=to
// (either may be empty), or one name=day; the end day is included.
func dateRange(qp url.Values, name string, loc *time.Location) (from, to time.Time, err error) {
	values := qp[name+"[]"]
	if len(values) == 0 && qp.Get(name) != "" {
		values = []string{qp.Get(name), qp.Get(name)}
	}
	if len(values) > 2 {
		return from, to, invalid(fmt.Sprintf("%s 应为两个日期: 起, 止", name))
	}
	for i, v := range values {
		f := &fields{m: map[string]any{name: v}}
		d := f.date(name, loc)
		if f.err != nil {
			return from, to, f.err
		}
		if d.IsZero() {
			continue
		}
		if i == 0 {
			from = d.In(loc)
		} else {
			to = d.AddDays(1).In(loc)
		}
	}
	return from, to, nil
}

// customerTabs are the vendor's tab_type values.
var customerTabs = map[string]string{"": core.TabAll, "my": core.TabMine, "sub": core.TabSubordinates,
	"common": core.TabPublic, "assist": core.TabAssisting}

// listCustomers answers GET /api/v2/customers.
func (a *Adapter) listCustomers(ctx context.Context, caller core.Caller, p params) (any, error) {
	qp := p.query
	q := core.CustomerQuery{Query: strings.TrimSpace(qp.Get("query")), Desc: true}
	var err error
	if q.Page, q.PerPage, err = paging(qp); err != nil {
		return nil, err
	}
	tab, known := customerTabs[qp.Get("tab_type")]
	if !known {
		return nil, invalid(fmt.Sprintf("tab_type 应为 my、sub、common 或 assist: %q", core.Excerpt(qp.Get("tab_type"))))
	}
	q.Tab = tab
	for _, f := range []struct {
		name string
		to   *uint64
	}{{"user_id", &q.OwnerID}, {"department_id", &q.DepartmentID}, {"status", &q.StatusID},
		{"category", &q.CategoryID}, {"source", &q.SourceID}} {
		if *f.to, err = queryID(qp, f.name); err != nil {
			return nil, err
		}
	}
	if q.CreatedFrom, q.CreatedTo, err = dateRange(qp, "created_at", caller.Location); err != nil {
		return nil, err
	}
	if q.ContactedFrom, q.ContactedTo, err = dateRange(qp, "real_revisit_at", caller.Location); err != nil {
		return nil, err
	}
	switch v := qp.Get("sort"); v {
	case "", "created_at", "updated_at", "name":
		q.Sort = v
	default:
		return nil, invalid(fmt.Sprintf("sort 应为 created_at、updated_at 或 name: %q", core.Excerpt(v)))
	}
	if q.Desc, err = descending(qp); err != nil {
		return nil, err
	}
	list, err := a.svc.FindCustomers(ctx, caller, q)
	if err != nil {
		return nil, err
	}
	names, catalogues, err := a.customerLookups(ctx, caller)
	if err != nil {
		return nil, err
	}
	out := customerPage{Customers: make([]*customerObject, 0, len(list.Items)), TotalCount: list.Total, PerPage: q.PerPage,
		Page: q.Page, HasNextPage: int64(q.Page*q.PerPage) < list.Total}
	for _, d := range list.Items {
		out.Customers = append(out.Customers, customerViewOfDetail(caller, d, names, catalogues))
	}
	return out, nil
}

// customerCatalogues are the custom fields a customer view shows: the customer's and its contacts'.
type customerCatalogues struct{ customer, contact []core.CustomField }

// customerLookups are the dictionary names and the custom field catalogues a customer view shows.
func (a *Adapter) customerLookups(ctx context.Context, caller core.Caller) (map[string]map[uint64]string, customerCatalogues, error) {
	var cats customerCatalogues
	names, err := a.svc.DictionaryNames(ctx, caller, customerNames...)
	if err != nil {
		return nil, cats, err
	}
	if cats.customer, err = a.svc.CustomFields(ctx, caller, core.EntityCustomer); err != nil {
		return nil, cats, err
	}
	cats.contact, err = a.svc.CustomFields(ctx, caller, core.EntityContact)
	return names, cats, err
}

// customer is the customer object show, create and update answer.
func (a *Adapter) customer(ctx context.Context, caller core.Caller, id uint64) (any, error) {
	d, err := a.svc.GetCustomerDetail(ctx, caller, id)
	if err != nil {
		return nil, err
	}
	names, catalogues, err := a.customerLookups(ctx, caller)
	if err != nil {
		return nil, err
	}
	return customerViewOfDetail(caller, d, names, catalogues), nil
}

// recordID reads :id; anything but a record's id finds nothing, as Rails' find does.
func recordID(s, entity string) (uint64, error) {
	id, why := parseID(s)
	if why != "" || id == 0 {
		return 0, core.NotFoundf(entity, "%s %q not found", entity, core.Excerpt(s))
	}
	return id, nil
}

// showCustomer answers GET /api/v2/customers/:id with the customer as data, as the contract's show does.
func (a *Adapter) showCustomer(ctx context.Context, caller core.Caller, p params) (any, error) {
	id, err := recordID(p.id, "customer")
	if err != nil {
		return nil, err
	}
	return a.customer(ctx, caller, id)
}

// customerLabels are the vendor's names of the customer's fields, for messages.
var customerLabels = map[string]string{
	"name": "客户名称", "user_id": "负责人", "status": "客户状态", "category": "客户类型", "source": "客户来源",
	"industry": "所属行业", "note": "备注", "want_department_id": "所属部门", "labels": "标签",
	"detail_address": "详细地址", "tel": "电话", "phone": "手机", "email": "邮箱", "qq": "QQ", "wechat": "微信",
	"url": "网址", "zip": "邮编", "fax": "传真", "contacts_attributes": "联系人", "job": "职务",
	"opportunities_attributes": "商机", "address_attributes": "地址",
}

// maxContactsAtOnce bounds the contacts one write adds with a customer: a
// megabyte of them (some 20 000) held SQLite's write lock, every tenant's, for
// seconds, and made the customer an answer of megabytes in every list.
const maxContactsAtOnce = 100

// customerRequest reads a create or update request's customer: customer[…]
// (nested form or JSON), or a JSON body's top-level keys (Rails' ParamsWrapper).
func customerRequest(p params, creating bool) (core.CustomerChange, error) {
	if p.bodyErr != nil {
		return core.CustomerChange{}, p.bodyErr
	}
	top := &fields{m: p.body, names: customerLabels}
	f := top
	if raw, wrapped := p.body["customer"]; wrapped {
		m, ok := object(raw)
		if !ok {
			return core.CustomerChange{}, invalid("customer 应为对象, 如 {\"customer\":{\"name\":…}}")
		}
		f = &fields{m: m, names: customerLabels}
	}
	if (creating || f.has("name")) && f.scalar("name") == "" {
		f.fail("name", "不能为空")
	}
	var ch core.CustomerChange
	ch.Name, ch.Note = sent(f, "name", f.str), sent(f, "note", f.str)
	if owner := f.id("user_id"); owner != 0 { // none: the caller's, or the owner it has
		ch.OwnerID = &owner
	}
	ch.StatusID, ch.CategoryID = sent(f, "status", f.id), sent(f, "category", f.id)
	ch.SourceID, ch.IndustryID = sent(f, "source", f.id), sent(f, "industry", f.id)
	f.id("want_department_id") // a customer's department is its owner's: read, to refuse what is no id
	if f.has("labels") {
		tags := f.ids("labels")
		ch.TagIDs = &tags
	}
	if f.has("address_attributes") {
		m, ok := object(f.m["address_attributes"])
		if !ok {
			f.fail("address_attributes", "应为对象")
		}
		af := &fields{m: m, names: customerLabels}
		ch.Address, ch.Tel, ch.Phone = sent(af, "detail_address", af.str), sent(af, "tel", af.str), sent(af, "phone", af.str)
		ch.Email, ch.QQ, ch.Wechat = sent(af, "email", af.str), sent(af, "qq", af.str), sent(af, "wechat", af.str)
		ch.URL, ch.Zip, ch.Fax = sent(af, "url", af.str), sent(af, "zip", af.str), sent(af, "fax", af.str)
		if af.err != nil && f.err == nil {
			f.err = af.err
		}
	}
	items := f.list("contacts_attributes")
	if len(items) > maxContactsAtOnce {
		f.fail("contacts_attributes", "至多 %d 项, 收到 %d 项", maxContactsAtOnce, len(items))
		items = nil
	}
	for i, item := range items {
		m, ok := object(item)
		if !ok {
			f.fail("contacts_attributes", "第 %d 项应为对象", i+1)
			break
		}
		// Rails' nested attributes change or destroy the contact an item's id
		// names; crmgw changes contacts by their own endpoint, and adding the
		// item would make a second contact of one the customer has.
		if _, ok := m["id"]; ok || m["_destroy"] != nil || m["destroy"] != nil {
			f.fail("contacts_attributes", "第 %d 项带 id 或 _destroy: 已有的联系人请用 PUT /api/v2/contacts/{id} 修改", i+1)
			break
		}
		nc, err := newContact(m)
		if err != nil {
			f.fail("contacts_attributes", "第 %d 项: %s", i+1, err.(*apiError).Message)
			break
		}
		ch.Contacts = append(ch.Contacts, nc)
	}
	if len(f.list("opportunities_attributes")) > 0 {
		f.fail("opportunities_attributes", "不随客户创建: 请用 POST /api/v2/opportunities")
	}
	ch.CustomFields = CustomFieldValues(f.m)
	switch top.str("check_duplicates") {
	case "", "false":
	case "true":
		ch.UniqueName = true
	default:
		top.fail("check_duplicates", "应为 true 或 false: %q", core.Excerpt(top.str("check_duplicates")))
	}
	if p.query.Get("check_duplicates") == "true" {
		ch.UniqueName = true
	}
	for _, err := range []error{f.err, top.err} {
		if err != nil {
			return core.CustomerChange{}, err
		}
	}
	return ch, nil
}

// newCustomer is the customer a create's change describes.
func newCustomer(ch core.CustomerChange) core.NewCustomer {
	in := core.NewCustomer{CustomFields: ch.CustomFields, Contacts: ch.Contacts, UniqueName: ch.UniqueName, CheckCodes: true}
	assign(&in.Name, ch.Name)
	assign(&in.Tel, ch.Tel)
	assign(&in.Address, ch.Address)
	assign(&in.Phone, ch.Phone)
	assign(&in.Email, ch.Email)
	assign(&in.QQ, ch.QQ)
	assign(&in.Wechat, ch.Wechat)
	assign(&in.URL, ch.URL)
	assign(&in.Zip, ch.Zip)
	assign(&in.Fax, ch.Fax)
	assign(&in.Note, ch.Note)
	assign(&in.OwnerID, ch.OwnerID)
	assign(&in.StatusID, ch.StatusID)
	assign(&in.CategoryID, ch.CategoryID)
	assign(&in.SourceID, ch.SourceID)
	assign(&in.IndustryID, ch.IndustryID)
	if ch.TagIDs != nil {
		in.TagIDs = *ch.TagIDs
	}
	return in
}

// customerReferences name the request field behind a reference core did not find.
var customerReferences = map[string]string{
	"user": "user_id", core.DictCustomerStatus: "status", core.DictCustomerCategory: "category",
	core.DictSource: "source", core.DictIndustry: "industry", core.DictTag: "labels",
}

// customerWriteError words core's answer to a customer or contact write as the vendor does.
func customerWriteError(err error) error {
	ce := core.AsError(err)
	switch {
	case ce.Code == core.ENOTFOUND && customerReferences[ce.Entity] != "":
		field := customerReferences[ce.Entity]
		return invalid(fmt.Sprintf("%s(%s) 不存在: %s", customerLabels[field], field, message(ce)))
	case ce.Code == core.EINVALID:
		field := paramNames.Name(ce.Field)
		if l, ok := customerLabels[field]; ok {
			return invalid(l + "(" + field + "): " + message(ce))
		}
		return invalid(field + ": " + message(ce))
	case ce.Code == core.ECONFLICT && ce.Field == core.FieldName:
		return &apiError{http.StatusOK, 100409, "客户名称(name) 已经存在: " + message(ce), "record_not_unique"}
	}
	return err
}

// createCustomer answers POST /api/v2/customers with the new customer.
func (a *Adapter) createCustomer(ctx context.Context, caller core.Caller, p params) (any, error) {
	ch, err := customerRequest(p, true)
	if err != nil {
		return nil, err
	}
	in := newCustomer(ch)
	in.ID = adapters.KeptID(ctx) // the upstream's, when the mirror applies its create
	cu, err := a.svc.CreateCustomer(ctx, caller, in)
	if err != nil {
		return nil, customerWriteError(err)
	}
	return a.customer(ctx, caller, cu.ID)
}

// createCommonCustomer answers POST /api/v2/common_customers: a customer
// created in the public pool. crmgw keeps one pool a tenant, so common_id
// (the vendor's pool) is read as an id and not kept.
func (a *Adapter) createCommonCustomer(ctx context.Context, caller core.Caller, p params) (any, error) {
	ch, err := customerRequest(p, true)
	if err != nil {
		return nil, err
	}
	if v := (&fields{m: p.body}).scalar("common_id"); v != "" {
		if _, why := parseID(v); why != "" {
			return nil, invalid("common_id(公海) " + why)
		}
	}
	in := newCustomer(ch)
	in.Public = true
	in.ID = adapters.KeptID(ctx) // the upstream's, when the mirror applies its create
	cu, err := a.svc.CreateCustomer(ctx, caller, in)
	if err != nil {
		return nil, customerWriteError(err)
	}
	return a.customer(ctx, caller, cu.ID)
}

// updateCustomer answers PUT (and POST, as one SDK sends it) /api/v2/customers/:id:
// the fields sent change, the others stay.
func (a *Adapter) updateCustomer(ctx context.Context, caller core.Caller, p params) (any, error) {
	id, err := recordID(p.id, "customer")
	if err != nil {
		return nil, err
	}
	ch, err := customerRequest(p, false)
	if err != nil {
		return nil, err
	}
	if _, err := a.svc.ChangeCustomer(ctx, caller, id, ch); err != nil {
		return nil, customerWriteError(err)
	}
	return a.customer(ctx, caller, id)
}

// customerFields are the customer's option fields and the tenant dictionaries behind them.
var customerFields = []struct{ field, kind string }{
	{"status", core.DictCustomerStatus},
	{"category", core.DictCustomerCategory},
	{"source", core.DictSource},
	{"industry", core.DictIndustry},
}

// customerFieldMaps answers GET /api/v2/field_maps/customer, shaped as field_maps/contract.
func (a *Adapter) customerFieldMaps(ctx context.Context, caller core.Caller, _ params) (any, error) {
	return a.fieldMaps(ctx, caller, "customer", customerFields)
}

// assign stores *v in *to when v is set.
func assign[T any](to *T, v *T) {
	if v != nil {
		*to = *v
	}
}
