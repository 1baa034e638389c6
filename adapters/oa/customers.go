package oa

// The OA's customers (vendor-facts-wider.md §3.1): list, show, create,
// PATCH and DELETE under /customers, with no /crm prefix. Its status (0
// 初步接触 … 4 签约) is the customer's progress, its level the customer's
// level, its contact the customer's main contact: one record in every dialect.

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"crmgw/adapters"
	"crmgw/core"
)

// oaTime is the OA's time layout, in the tenant's zone.
const oaTime = "2006-01-02 15:04:05"

// maxStatus is the OA's last customer status, 4 签约: status n is progress code n+1.
const maxStatus = 4

type creatorRef struct {
	ID       string `json:"id"`
	Header   string `json:"header"` // the user's picture: crmgw keeps none
	RealName string `json:"realname"`
}

type creatorView struct {
	ID           string `json:"id"`
	Username     string `json:"username"`
	RealName     string `json:"realname"`
	HeadPortrait string `json:"headportrait"`
}

// customerRow is a customer of the list.
type customerRow struct {
	ID      string     `json:"id"`
	Name    string     `json:"name"`
	Address string     `json:"address"`
	Site    string     `json:"site"`
	Contact string     `json:"contact"`
	Tel     string     `json:"tel"`
	Status  string     `json:"status"`
	Level   string     `json:"level"`
	Creator creatorRef `json:"creator"`
}

// customerData is a customer's detail: the list's fields and the rest.
type customerData struct {
	ID         string      `json:"id"`
	Name       string      `json:"name"`
	Address    string      `json:"address"`
	Site       string      `json:"site"`
	Contact    string      `json:"contact"`
	Tel        string      `json:"tel"`
	Status     string      `json:"status"`
	Level      string      `json:"level"`
	Remark     string      `json:"remark"`
	Fax        string      `json:"fax"`
	Industry   string      `json:"industry"`
	ComProfile string      `json:"comprofile"`
	CreateTime string      `json:"createtime"`
	ModifyTime string      `json:"modifytime"`
	Creator    creatorView `json:"creator"`
}

// statusOf is a progress code as the OA's status: none is 0, the first.
func statusOf(progress uint64) string {
	if progress == 0 {
		return "0"
	}
	return strconv.FormatUint(progress-1, 10)
}

func mainContact(d core.CustomerDetail) string {
	if len(d.Contacts) == 0 {
		return ""
	}
	return d.Contacts[0].Name
}

func userName(u core.User) string {
	if u.RealName != "" {
		return u.RealName
	}
	return u.Name
}

func newCustomerRow(d core.CustomerDetail) customerRow {
	return customerRow{ID: strconv.FormatUint(d.ID, 10), Name: d.Name, Address: d.Address, Site: d.URL,
		Contact: mainContact(d), Tel: d.Tel, Status: statusOf(d.ProgressID), Level: strconv.Itoa(d.Level),
		Creator: creatorRef{ID: strconv.FormatUint(d.Creator.ID, 10), RealName: userName(d.Creator)}}
}

func newCustomerData(d core.CustomerDetail, industries map[uint64]string, loc *time.Location) customerData {
	return customerData{ID: strconv.FormatUint(d.ID, 10), Name: d.Name, Address: d.Address, Site: d.URL,
		Contact: mainContact(d), Tel: d.Tel, Status: statusOf(d.ProgressID), Level: strconv.Itoa(d.Level),
		Remark: d.Note, Fax: d.Fax, Industry: industries[d.IndustryID], ComProfile: d.Profile,
		CreateTime: d.CreatedAt.In(loc).Format(oaTime), ModifyTime: d.UpdatedAt.In(loc).Format(oaTime),
		Creator: creatorView{ID: strconv.FormatUint(d.Creator.ID, 10), Username: d.Creator.Name, RealName: userName(d.Creator)}}
}

// codeList reads a comma list of whole numbers 0..maxValue ("0,2").
func (p params) codeList(name string, maxValue int) ([]int, error) {
	v := strings.TrimSpace(p.form.Get(name))
	if v == "" {
		return nil, nil
	}
	var out []int
	for _, part := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil {
			return nil, statusError(codeType, fmt.Sprintf("%s 应为以英文逗号分隔的数字: %q", name, core.Excerpt(v)))
		}
		if n < 0 || n > maxValue {
			return nil, statusError(codeFormat, fmt.Sprintf("%s 应在 0 到 %d 之间: %d", name, maxValue, n))
		}
		out = append(out, n)
	}
	return out, nil
}

// customerOrders are the list's orders.
var customerOrders = map[string]struct {
	sort string
	desc bool
}{"": {"created_at", true}, "-createtime": {"created_at", true}, "createtime": {"created_at", false},
	"name": {"name", false}, "-name": {"name", true}}

// listCustomers answers GET /customers: a page (from 0) of the tenant's customers.
func (a *Adapter) listCustomers(ctx context.Context, caller core.Caller, p params) (any, error) {
	pageNo, err := p.optionalInt("page", 0)
	if err != nil {
		return nil, err
	}
	size, err := p.optionalInt("size", 20)
	if err != nil {
		return nil, err
	}
	if pageNo < 0 || pageNo >= core.MaxPage {
		return nil, statusError(codeFormat, fmt.Sprintf("page 从 0 开始: %d", pageNo))
	}
	if maxSize := a.svc.MaxPageSize(); size < 1 || size > maxSize {
		return nil, statusError(codeFormat, fmt.Sprintf("size 应在 1 到 %d 之间: %d", maxSize, size))
	}
	statuses, err := p.codeList("status", maxStatus)
	if err != nil {
		return nil, err
	}
	levels, err := p.codeList("level", core.MaxCustomerLevel)
	if err != nil {
		return nil, err
	}
	order, known := customerOrders[p.form.Get("order")]
	if !known {
		return nil, statusError(codeFormat, fmt.Sprintf("order 应为 createtime、-createtime、name 或 -name: %q", core.Excerpt(p.form.Get("order"))))
	}
	q := core.CustomerQuery{Query: strings.TrimSpace(p.form.Get("keyword")), Levels: levels,
		Sort: order.sort, Desc: order.desc, Page: pageNo + 1, PerPage: size}
	for _, s := range statuses {
		q.ProgressIDs = append(q.ProgressIDs, uint64(s)+1)
		if s == 0 { // a customer with no progress shows as 0
			q.ProgressIDs = append(q.ProgressIDs, 0)
		}
	}
	list, err := a.svc.FindCustomers(ctx, caller, q)
	if err != nil {
		return nil, err
	}
	rows := make([]customerRow, 0, len(list.Items))
	for _, d := range list.Items {
		rows = append(rows, newCustomerRow(d))
	}
	return page{rows: rows, total: list.Total, size: size}, nil
}

// customerID reads the path's id: anything but a record's id names no customer.
func customerID(s string) (uint64, error) {
	id, err := core.ParseID(s)
	if err != nil || id == 0 {
		return 0, core.NotFoundf("customer", "customer %q not found", core.Excerpt(s))
	}
	return id, nil
}

// customer is a customer's detail, as show, create and PATCH answer it.
func (a *Adapter) customer(ctx context.Context, caller core.Caller, id uint64) (any, error) {
	d, err := a.svc.GetCustomerDetail(ctx, caller, id)
	if err != nil {
		return nil, err
	}
	names, err := a.svc.DictionaryNames(ctx, caller, core.DictIndustry)
	if err != nil {
		return nil, err
	}
	return newCustomerData(d, names[core.DictIndustry], caller.Location), nil
}

// showCustomer answers GET /customers/:id.
func (a *Adapter) showCustomer(ctx context.Context, caller core.Caller, p params) (any, error) {
	id, err := customerID(p.id)
	if err != nil {
		return nil, err
	}
	return a.customer(ctx, caller, id)
}

// customerChange reads the fields a create or PATCH sends: absent ones stay
// as they are. industry is a name of the tenant's industry dictionary.
func (a *Adapter) customerChange(ctx context.Context, caller core.Caller, p params) (core.CustomerChange, error) {
	var ch core.CustomerChange
	text := func(name string) *string {
		if _, sent := p.form[name]; !sent {
			return nil
		}
		v := strings.TrimSpace(p.form.Get(name))
		return &v
	}
	if ch.Name = text("name"); ch.Name != nil && *ch.Name == "" {
		return ch, statusError(codeRequired, "name 不能为空")
	}
	ch.UniqueName = ch.Name != nil
	ch.Address, ch.URL, ch.Tel, ch.Note, ch.Fax, ch.Profile = text("address"), text("site"), text("tel"), text("remark"), text("fax"), text("comprofile")
	ch.MainContactName = text("contact")
	for _, f := range []struct {
		name string
		max  int
		set  func(int)
	}{
		{"status", maxStatus, func(n int) { code := uint64(n) + 1; ch.ProgressID = &code }},
		{"level", core.MaxCustomerLevel, func(n int) { ch.Level = &n }},
	} {
		v := text(f.name)
		if v == nil || *v == "" {
			continue
		}
		n, err := strconv.Atoi(*v)
		if err != nil {
			return ch, statusError(codeType, fmt.Sprintf("%s 应为数字: %q", f.name, core.Excerpt(*v)))
		}
		if n < 0 || n > f.max {
			return ch, statusError(codeFormat, fmt.Sprintf("%s 应在 0 到 %d 之间: %d", f.name, f.max, n))
		}
		f.set(n)
	}
	if v := text("industry"); v != nil {
		code := uint64(0)
		if *v != "" {
			entries, err := a.svc.Dictionary(ctx, caller, core.DictIndustry)
			if err != nil {
				return ch, err
			}
			var known []string
			for _, e := range entries {
				known = append(known, e.Name)
				if e.Name == *v {
					code = e.Code
				}
			}
			if code == 0 {
				return ch, statusError(codeFormat, fmt.Sprintf("industry 应为行业之一 (%s): %q", strings.Join(known, "、"), core.Excerpt(*v)))
			}
		}
		ch.IndustryID = &code
	}
	return ch, nil
}

// createCustomer answers POST /customers with the new customer: status 0 and level 2 when not sent.
func (a *Adapter) createCustomer(ctx context.Context, caller core.Caller, p params) (any, error) {
	if _, err := p.required("name"); err != nil {
		return nil, err
	}
	ch, err := a.customerChange(ctx, caller, p)
	if err != nil {
		return nil, err
	}
	in := core.NewCustomer{Name: *ch.Name, UniqueName: true, CheckCodes: true, Level: ch.Level, ProgressID: 1}
	assign(&in.Address, ch.Address)
	assign(&in.URL, ch.URL)
	assign(&in.Tel, ch.Tel)
	assign(&in.Note, ch.Note)
	assign(&in.Fax, ch.Fax)
	assign(&in.Profile, ch.Profile)
	assign(&in.ProgressID, ch.ProgressID)
	assign(&in.IndustryID, ch.IndustryID)
	if ch.MainContactName != nil && *ch.MainContactName != "" {
		in.Contacts = []core.NewContact{{Name: *ch.MainContactName, IsMain: true}}
	}
	in.ID = adapters.KeptID(ctx) // the upstream's, when the mirror applies its create
	cu, err := a.svc.CreateCustomer(ctx, caller, in)
	if err != nil {
		return nil, err
	}
	return a.customer(ctx, caller, cu.ID)
}

// assign stores *v in *to when v is set.
func assign[T any](to *T, v *T) {
	if v != nil {
		*to = *v
	}
}

// patchCustomer answers PATCH /customers/:id: the fields sent change.
func (a *Adapter) patchCustomer(ctx context.Context, caller core.Caller, p params) (any, error) {
	id, err := customerID(p.id)
	if err != nil {
		return nil, err
	}
	ch, err := a.customerChange(ctx, caller, p)
	if err != nil {
		return nil, err
	}
	if _, err := a.svc.ChangeCustomer(ctx, caller, id, ch); err != nil {
		return nil, err
	}
	return a.customer(ctx, caller, id)
}

// deleteCustomer answers DELETE /customers/:id with data {}.
func (a *Adapter) deleteCustomer(ctx context.Context, caller core.Caller, p params) (any, error) {
	id, err := customerID(p.id)
	if err != nil {
		return nil, err
	}
	if err := a.svc.DeleteCustomer(ctx, caller, id); err != nil {
		return nil, err
	}
	return struct{}{}, nil
}
