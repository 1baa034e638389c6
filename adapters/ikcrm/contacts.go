package ikcrm

// Contacts (vendor-facts-wider.md §1.7): the list, simplest, create and update.

import (
	"context"
	"fmt"
	"strings"

	"crmgw/adapters"
	"crmgw/core"
)

// contactView is a contact in the list, a customer's contacts and the write's answer.
type contactView struct {
	ID                uint64             `json:"id"`
	Name              string             `json:"name"`
	NamePinyin        string             `json:"name_pinyin"`
	Job               string             `json:"job"`
	CustomerID        uint64             `json:"customer_id"`
	CustomerName      string             `json:"customer_name"`
	IsMain            bool               `json:"is_main"`
	HaveImage         bool               `json:"have_image"`
	Address           contactAddress     `json:"address"`
	NeedHiddenDispose bool               `json:"need_hidden_dispose"`
	CreatedAt         string             `json:"created_at"`
	UpdatedAt         string             `json:"updated_at"`
	IsUserSelf        bool               `json:"is_user_self"`
	custom            string             // the contact's custom fields
	catalogue         []core.CustomField // nil in a customer's view: its values shown as they are
}

// contactAddress is a contact's one address: its id and addressable_id the contact's.
type contactAddress struct {
	ID              uint64 `json:"id"`
	AddressableType string `json:"addressable_type"`
	AddressableID   uint64 `json:"addressable_id"`
	Tel             string `json:"tel"`
	Phone           string `json:"phone"`
	Email           string `json:"email"`
	DetailAddress   string `json:"detail_address"`
	RegionInfo      string `json:"region_info"`
}

// MarshalJSON writes the vendor's fields, then the custom fields.
func (v contactView) MarshalJSON() ([]byte, error) {
	type plain contactView // without this method
	b, err := marshal(plain(v))
	if err != nil {
		return nil, err
	}
	return WithCustomFields(b, v.custom, v.catalogue)
}

func contactViewOf(caller core.Caller, ct core.ContactListItem, catalogue []core.CustomField) contactView {
	loc := caller.Location
	updated := ct.UpdatedAt
	if updated.Before(ct.CreatedAt) { // contacts kept before crmgw recorded changes
		updated = ct.CreatedAt
	}
	return contactView{ID: ct.ID, Name: ct.Name, NamePinyin: namePinyin(ct.Name), Job: ct.Title, CustomerID: ct.CustomerID,
		CustomerName: ct.CustomerName, IsMain: ct.IsMain,
		Address: contactAddress{ID: ct.ID, AddressableType: "Contact", AddressableID: ct.ID, Tel: ct.Tel, Phone: ct.Phone,
			Email: ct.Email, DetailAddress: ct.Address},
		CreatedAt: minuteTime(ct.CreatedAt, loc), UpdatedAt: minuteTime(updated, loc),
		IsUserSelf: ct.CustomerOwnerID == caller.UserID, custom: ct.CustomFields, catalogue: catalogue}
}

// contactPage is the list's data.
type contactPage struct {
	Contacts    []contactView `json:"contacts"`
	TotalCount  int64         `json:"total_count"`
	PerPage     int           `json:"per_page"`
	Page        int           `json:"page"`
	HasNextPage bool          `json:"has_next_page"`
}

// contactTabs are the vendor's tab_type values of the contacts list.
var contactTabs = map[string]string{"": core.TabAll, "my": core.TabMine, "sub": core.TabSubordinates,
	"my_assist": core.TabMyAssist, "sub_assist": core.TabSubAssist}

// listContacts answers GET /api/v2/contacts.
func (a *Adapter) listContacts(ctx context.Context, caller core.Caller, p params) (any, error) {
	qp := p.query
	q := core.ContactQuery{Query: strings.TrimSpace(qp.Get("query"))}
	var err error
	if q.Page, q.PerPage, err = paging(qp); err != nil {
		return nil, err
	}
	tab, known := contactTabs[qp.Get("tab_type")]
	if !known {
		return nil, invalid(fmt.Sprintf("tab_type 应为 my、sub、my_assist 或 sub_assist: %q", core.Excerpt(qp.Get("tab_type"))))
	}
	q.Tab = tab
	if q.CustomerID, err = queryID(qp, "customer_id"); err != nil {
		return nil, err
	}
	switch entity := qp.Get("entity"); entity {
	case "":
		if qp.Get("entity_id") != "" {
			return nil, invalid("entity_id 需与 entity 一起给出")
		}
	case "customer":
		id, err := queryID(qp, "entity_id")
		if err != nil {
			return nil, err
		}
		if q.CustomerID != 0 && id != q.CustomerID {
			return nil, invalid("entity_id 与 customer_id 不是同一客户")
		}
		q.CustomerID = id
	default:
		return nil, invalid(fmt.Sprintf("entity 应为 customer: %q", core.Excerpt(entity)))
	}
	switch v := qp.Get("has_phone"); v {
	case "", "false", "0":
	case "true", "1":
		q.HasPhone = true
	default:
		return nil, invalid(fmt.Sprintf("has_phone 应为 true 或 false: %q", core.Excerpt(v)))
	}
	list, err := a.svc.FindContacts(ctx, caller, q)
	if err != nil {
		return nil, err
	}
	catalogue, err := a.svc.CustomFields(ctx, caller, core.EntityContact)
	if err != nil {
		return nil, err
	}
	out := contactPage{Contacts: make([]contactView, 0, len(list.Items)), TotalCount: list.Total, PerPage: q.PerPage,
		Page: q.Page, HasNextPage: int64(q.Page*q.PerPage) < list.Total}
	for _, ct := range list.Items {
		out.Contacts = append(out.Contacts, contactViewOf(caller, ct, catalogue))
	}
	return out, nil
}

// simplestContacts answers GET /api/v2/contacts/simplest?customer_id=: the customer's contacts' ids and names.
func (a *Adapter) simplestContacts(ctx context.Context, caller core.Caller, p params) (any, error) {
	id, err := queryID(p.query, "customer_id")
	if err != nil {
		return nil, err
	}
	if id == 0 {
		return nil, invalid("customer_id(客户) 不能为空")
	}
	contacts, err := a.svc.ListContacts(ctx, caller, id)
	if err != nil {
		return nil, err
	}
	out := simplestData{Contacts: make([]userRef, 0, len(contacts))}
	for _, ct := range contacts {
		out.Contacts = append(out.Contacts, userRef{ct.ID, ct.Name})
	}
	return out, nil
}

type simplestData struct {
	Contacts []userRef `json:"contacts"`
}

// contactLabels are the vendor's names of the contact's fields, for messages.
var contactLabels = map[string]string{"name": "姓名", "job": "职务", "customer_id": "客户", "phone": "手机", "tel": "电话",
	"email": "邮箱", "detail_address": "详细地址", "address_attributes": "地址"}

// newContact reads a contact object: name, job, customer_id, tel, phone,
// email (also in address_attributes, as the vendor keeps them) and custom fields.
func newContact(m map[string]any) (core.NewContact, error) {
	ch, customerID, err := contactFields(&fields{m: m, names: contactLabels})
	if err != nil {
		return core.NewContact{}, err
	}
	in := core.NewContact{CustomerID: customerID, CustomFields: ch.CustomFields}
	assign(&in.Name, ch.Name)
	assign(&in.Title, ch.Title)
	assign(&in.Phone, ch.Phone)
	assign(&in.Tel, ch.Tel)
	assign(&in.Email, ch.Email)
	assign(&in.Address, ch.Address)
	if in.Name == "" {
		return core.NewContact{}, invalid("姓名(name) 不能为空")
	}
	return in, nil
}

// contactFields reads a contact object's fields as a change, and its customer_id.
func contactFields(f *fields) (core.ContactChange, uint64, error) {
	var ch core.ContactChange
	ch.Name, ch.Title = sent(f, "name", f.str), sent(f, "job", f.str)
	ch.Phone, ch.Tel, ch.Email = sent(f, "phone", f.str), sent(f, "tel", f.str), sent(f, "email", f.str)
	customerID := f.id("customer_id")
	if f.has("address_attributes") {
		m, ok := object(f.m["address_attributes"])
		if !ok {
			f.fail("address_attributes", "应为对象")
		}
		af := &fields{m: m, names: contactLabels}
		for _, field := range []struct {
			key string
			to  **string
		}{{"phone", &ch.Phone}, {"tel", &ch.Tel}, {"email", &ch.Email}, {"detail_address", &ch.Address}} {
			if af.has(field.key) {
				*field.to = sent(af, field.key, af.str)
			}
		}
		if af.err != nil && f.err == nil {
			f.err = af.err
		}
	}
	ch.CustomFields = CustomFieldValues(f.m)
	return ch, customerID, f.err
}

// contactObject is the request's contact: contact[…] or a JSON body's top-level keys.
func contactObject(p params) (map[string]any, error) {
	if p.bodyErr != nil {
		return nil, p.bodyErr
	}
	raw, wrapped := p.body["contact"]
	if !wrapped {
		return p.body, nil
	}
	m, ok := object(raw)
	if !ok {
		return nil, invalid("contact 应为对象, 如 {\"contact\":{\"name\":…}}")
	}
	return m, nil
}

// contact is the contact object create and update answer.
func (a *Adapter) contact(ctx context.Context, caller core.Caller, ct core.Contact) (any, error) {
	cu, err := a.svc.GetCustomer(ctx, caller, ct.CustomerID)
	if err != nil {
		return nil, err
	}
	catalogue, err := a.svc.CustomFields(ctx, caller, core.EntityContact)
	if err != nil {
		return nil, err
	}
	return contactViewOf(caller, core.ContactListItem{Contact: ct, CustomerName: cu.Name, CustomerOwnerID: cu.OwnerID}, catalogue), nil
}

// createContact answers POST /api/v2/contacts with the new contact.
func (a *Adapter) createContact(ctx context.Context, caller core.Caller, p params) (any, error) {
	m, err := contactObject(p)
	if err != nil {
		return nil, err
	}
	in, err := newContact(m)
	if err != nil {
		return nil, err
	}
	if in.CustomerID == 0 {
		return nil, invalid("客户(customer_id) 不能为空")
	}
	in.ID = adapters.KeptID(ctx) // the upstream's, when the mirror applies its create
	ct, err := a.svc.CreateContact(ctx, caller, in)
	if err != nil {
		return nil, contactWriteError(err)
	}
	return a.contact(ctx, caller, ct)
}

// updateContact answers PUT /api/v2/contacts/:id: the fields sent change, the
// others stay; a contact stays with its customer.
func (a *Adapter) updateContact(ctx context.Context, caller core.Caller, p params) (any, error) {
	id, err := recordID(p.id, "contact")
	if err != nil {
		return nil, err
	}
	m, err := contactObject(p)
	if err != nil {
		return nil, err
	}
	f := &fields{m: m, names: contactLabels}
	if f.has("name") && f.scalar("name") == "" {
		f.fail("name", "不能为空")
	}
	ch, _, err := contactFields(f)
	if err != nil {
		return nil, err
	}
	ct, err := a.svc.ChangeContact(ctx, caller, id, ch)
	if err != nil {
		return nil, contactWriteError(err)
	}
	return a.contact(ctx, caller, ct)
}

// contactWriteError words core's answer to a contact write: its customer
// not in the tenant is a bad customer_id, the contact itself not found stays 100100.
func contactWriteError(err error) error {
	if ce := core.AsError(err); ce.Code == core.ENOTFOUND && ce.Entity == "customer" {
		return invalid("客户(customer_id) 不存在: " + message(ce))
	}
	return customerWriteError(err)
}
