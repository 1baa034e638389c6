package ikcrm

// Follow-ups (跟进记录, revisit_logs), as vendor-facts-wider.md §1.9 gives what clients send and read.

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"crmgw/adapters"
	"crmgw/core"
)

// revisitLog is a follow-up as the list and the create answer it.
type revisitLog struct {
	ID              uint64      `json:"id"`
	Content         string      `json:"content"`
	LoggableType    string      `json:"loggable_type"`
	LoggableID      uint64      `json:"loggable_id"`
	Loggable        loggableRef `json:"loggable"`
	RealRevisitAt   string      `json:"real_revisit_at"`
	CreatedAt       string      `json:"created_at"`
	Category        *string     `json:"category"`
	CategoryDisplay *string     `json:"category_display"`
	ReferName       string      `json:"refer_name"` // the record's name, as loggable.name
	RemindAt        *string     `json:"remind_at"`
	RawRemindAt     *string     `json:"raw_remind_at"`
	User            userRef     `json:"user"`
	Address         *placeView  `json:"address"`
}

// placeView is where a visit was made; lat and lng are numbers, written as
// sent, null for an address without them.
type placeView struct {
	DetailAddress string       `json:"detail_address"`
	Lat           *json.Number `json:"lat"`
	Lng           *json.Number `json:"lng"`
}

// loggableRef is the record a follow-up is written on: name is what the
// list shows, title what the create answers; both are given.
type loggableRef struct {
	ID    uint64 `json:"id"`
	Name  string `json:"name"`
	Title string `json:"title"`
}

// revisitPage is the list's data.
type revisitPage struct {
	RevisitLogs []revisitLog `json:"revisit_logs"`
	TotalCount  int64        `json:"total_count"`
	PerPage     int          `json:"per_page"`
	Page        int          `json:"page"`
	HasNextPage bool         `json:"has_next_page"`
}

// loggableTypes are the open API's record types, capitalised as it answers
// them, by core's subject kinds.
var loggableTypes = map[string]string{
	core.SubjectCustomer: "Customer", core.SubjectContact: "Contact",
	core.SubjectOpportunity: "Opportunity", core.SubjectContract: "Contract",
}

// subjectKind is core's kind of a loggable_type, sent lowercase in a list's
// filter and capitalised in a create; lead is known and has no records here.
func subjectKind(loggableType string) (kind string, lead, known bool) {
	t := strings.ToLower(strings.TrimSpace(loggableType))
	if t == "lead" {
		return "", true, true
	}
	_, known = loggableTypes[t]
	return t, false, known
}

// lenientLayouts are the times and dates clients send: with or without
// seconds, ISO-8601, and .NET's culture dates ("2019/5/6").
var lenientLayouts = []string{"2006-01-02 15:04:05", "2006-01-02 15:04", time.RFC3339, "2006-01-02T15:04:05",
	"2006-01-02", "2006/1/2 15:04:05", "2006/1/2 15:04", "2006/1/2", "2006-1-2"}

// parseLenient reads s in loc; dateOnly says it carried no time of day.
func parseLenient(s string, loc *time.Location) (t time.Time, dateOnly, ok bool) {
	for _, layout := range lenientLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, !strings.Contains(layout, "15"), true
		}
	}
	return time.Time{}, false, false
}

// instant reads a time (a date alone is its midnight) in loc.
func (f *fields) instant(key string, loc *time.Location) time.Time {
	s := f.scalar(key)
	if s == "" {
		return time.Time{}
	}
	t, _, ok := parseLenient(s, loc)
	if !ok {
		f.fail(key, "不是有效的时间: %q", core.Excerpt(s))
		return time.Time{}
	}
	if err := core.CheckTime("", t); err != nil {
		f.fail(key, "超出时间的范围: %s", core.AsError(err).Message)
	}
	return t
}

// revisitLabels are the vendor's names for the follow-up's fields, used in messages.
var revisitLabels = map[string]string{
	"loggable_id": "跟进对象", "loggable_type": "跟进对象类型", "content": "跟进内容", "real_revisit_at": "实际跟进时间",
	"remind_at": "提醒时间", "category": "跟进类型", "stage": "销售阶段", "status": "客户状态",
	"address_attributes": "地址", "loggable_attributes": "跟进对象的字段", "lat": "纬度", "lng": "经度", "contacts_ids": "联系人",
	"checkable_type": "签到对象类型", "checkable_id": "签到对象", "detail_address": "地址",
	"date": "日期", "start_date": "开始日期", "end_date": "结束日期", "user_id": "员工", "department_id": "部门",
}

// followUpRange is the days a list's date asks for, in the tenant's zone:
// today (when absent), yesterday, this_week, last_week, this_month,
// last_month, all, or other from start_date to end_date (each day included).
func followUpRange(f *fields, today time.Time) (from, to time.Time) {
	day := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, t.Location()) }
	d := day(today)
	monday := d.AddDate(0, 0, -(int(d.Weekday())+6)%7)
	month := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, d.Location())
	date := f.str("date")
	if date == "" && (f.str("start_date") != "" || f.str("end_date") != "") {
		date = "other"
	}
	switch date {
	case "", "today":
		return d, d.AddDate(0, 0, 1)
	case "yesterday":
		return d.AddDate(0, 0, -1), d
	case "this_week":
		return monday, monday.AddDate(0, 0, 7)
	case "last_week":
		return monday.AddDate(0, 0, -7), monday
	case "this_month":
		return month, month.AddDate(0, 1, 0)
	case "last_month":
		return month.AddDate(0, -1, 0), month
	case "all":
		return time.Time{}, time.Time{}
	case "other":
		if start := f.instant("start_date", d.Location()); !start.IsZero() {
			from = day(start)
		}
		if end := f.instant("end_date", d.Location()); !end.IsZero() {
			to = day(end).AddDate(0, 0, 1)
		}
		return from, to
	}
	f.fail("date", "应为 today, yesterday, this_week, last_week, this_month, last_month, all 或 other: %q", core.Excerpt(date))
	return time.Time{}, time.Time{}
}

// listRevisitLogs answers GET /api/v2/revisit_logs/new_index.
func (a *Adapter) listRevisitLogs(ctx context.Context, caller core.Caller, p params) (any, error) {
	var q core.FollowUpQuery
	var err error
	if q.Page, q.PerPage, err = paging(p.query); err != nil {
		return nil, err
	}
	f := &fields{m: map[string]any{}, names: revisitLabels}
	for k, v := range p.query {
		f.m[k] = v[0]
	}
	q.From, q.To = followUpRange(f, a.svc.Now().In(caller.Location))
	q.UserID, q.DepartmentID = f.id("user_id"), f.id("department_id")
	kind, lead, known := subjectKind(f.str("loggable_type"))
	if !known && kind != "" {
		f.fail("loggable_type", "应为 lead, customer, contact, opportunity 或 contract: %q", core.Excerpt(kind))
	}
	q.SubjectKind, q.SubjectID = kind, f.id("loggable_id")
	if q.SubjectID != 0 && kind == "" { // an id alone names no record: every follow-up would answer as its
		f.fail("loggable_id", "需与 loggable_type 一起给出")
	}
	if f.err != nil {
		return nil, f.err
	}
	page := revisitPage{RevisitLogs: []revisitLog{}, PerPage: q.PerPage, Page: q.Page}
	if lead { // crmgw keeps no leads: none has a follow-up
		return page, nil
	}
	list, err := a.svc.ListFollowUps(ctx, caller, q)
	if err != nil {
		return nil, err
	}
	names, err := a.svc.DictionaryNames(ctx, caller, core.DictContactType)
	if err != nil {
		return nil, err
	}
	for _, h := range list.Items {
		page.RevisitLogs = append(page.RevisitLogs, revisitLogOf(caller, h, names[core.DictContactType]))
	}
	page.TotalCount, page.HasNextPage = list.Total, int64(q.Page*q.PerPage) < list.Total
	return page, nil
}

// revisitLogOf renders a follow-up; one on the customer itself names the customer.
func revisitLogOf(caller core.Caller, h core.FollowUpItem, categories map[uint64]string) revisitLog {
	kind, id := h.SubjectKind, h.SubjectID
	if kind == core.SubjectCustomer || id == 0 {
		kind, id = core.SubjectCustomer, h.CustomerID
	}
	v := revisitLog{ID: h.ID, Content: h.Content, LoggableType: loggableTypes[kind], LoggableID: id,
		Loggable:      loggableRef{id, h.SubjectName, h.SubjectName},
		RealRevisitAt: minuteTime(h.ContactedAt, caller.Location), CreatedAt: minuteTime(h.CreatedAt, caller.Location),
		Category: code(h.TypeID), CategoryDisplay: mapped(categories, h.TypeID), ReferName: h.SubjectName,
		User: userRef{h.UserID, h.UserName}}
	if h.RemindAt != nil {
		s := minuteTime(*h.RemindAt, caller.Location)
		v.RemindAt, v.RawRemindAt = &s, &s
	}
	if h.Place != "" || h.Lat != "" {
		place := placeOf(h.ContactHistory)
		v.Address = &place
	}
	return v
}

// placeOf is where follow-up h was made.
func placeOf(h core.ContactHistory) placeView {
	p := placeView{DetailAddress: h.Place}
	if h.Lat != "" {
		lat, lng := json.Number(h.Lat), json.Number(h.Lng)
		p.Lat, p.Lng = &lat, &lng
	}
	return p
}

// onlyKeys fails f, under name, at the first key of its object (in key
// order) that is none of keys: what crmgw does not keep is refused, not lost.
func onlyKeys(f *fields, name string, keys ...string) {
	for _, key := range slices.Sorted(maps.Keys(f.m)) {
		if !slices.Contains(keys, key) {
			f.fail(name, "只记录 %s, 不保存 %s", strings.Join(keys, ", "), core.Excerpt(key))
			return
		}
	}
}

// revisitKeys are what a create reads of the follow-up; any other key of it
// is refused, so that nothing sent is silently lost.
var revisitKeys = map[string]bool{
	"loggable_id": true, "loggable_type": true, "content": true, "real_revisit_at": true, "remind_at": true,
	"category": true, "loggable_attributes": true, "address_attributes": true, "lat": true, "lng": true,
}

// createRevisitLog answers POST /api/v2/revisit_logs with the follow-up recorded.
func (a *Adapter) createRevisitLog(ctx context.Context, caller core.Caller, p params) (any, error) {
	if p.bodyErr != nil {
		return nil, p.bodyErr
	}
	raw, wrapped := p.body["revisit_log"]
	m, ok := object(raw)
	if !wrapped || !ok {
		return nil, invalid("revisit_log 应为对象, 如 revisit_log[loggable_type]=Customer&revisit_log[loggable_id]=…")
	}
	f := &fields{m: m, names: revisitLabels}
	loc := caller.Location
	var in core.NewFollowUp
	for _, key := range []string{"loggable_type", "loggable_id"} {
		if f.scalar(key) == "" {
			f.fail(key, "不能为空")
		}
	}
	kind, lead, known := subjectKind(f.str("loggable_type"))
	switch {
	case lead:
		f.fail("loggable_type", "Lead: crmgw 不保存线索")
	case !known && kind != "":
		f.fail("loggable_type", "应为 Customer, Contact, Opportunity 或 Contract: %q", core.Excerpt(f.str("loggable_type")))
	}
	in.SubjectKind, in.SubjectID = kind, f.id("loggable_id")
	in.Content, in.TypeID = f.str("content"), f.id("category")
	in.ContactedAt, in.RemindAt = f.instant("real_revisit_at", loc), f.instant("remind_at", loc)
	if attrs, sent := f.m["loggable_attributes"]; sent && attrs != nil {
		am, ok := object(attrs)
		if !ok {
			f.fail("loggable_attributes", "应为对象, 如 loggable_attributes[stage]=…")
		} else {
			af := &fields{m: am, names: revisitLabels}
			in.StageID, in.StatusID = af.id("stage"), af.id("status")
			onlyKeys(af, "loggable_attributes", "stage", "status")
			if af.err != nil && f.err == nil {
				f.err = af.err
			}
		}
	}
	if place, sent := m["address_attributes"]; sent && place != nil {
		pm, ok := object(place)
		if !ok {
			f.fail("address_attributes", "应为对象, 如 address_attributes[detail_address]=…")
		} else {
			pf := &fields{m: pm, names: revisitLabels}
			in.Place = pf.str("detail_address")
			onlyKeys(pf, "address_attributes", "detail_address")
			if pf.err != nil && f.err == nil {
				f.err = pf.err
			}
		}
	}
	in.Lat, in.Lng = f.str("lat"), f.str("lng")
	for _, key := range slices.Sorted(maps.Keys(m)) {
		if !revisitKeys[key] {
			f.fail(key, "crmgw 不保存该字段")
		}
	}
	// Beside the follow-up: the contact spoken to (one, as core records it);
	// at_user_ids and attachments are accepted and not kept, as crmgw
	// sends no notifications and keeps no files.
	top := &fields{m: p.body, names: revisitLabels}
	if contacts := top.ids("contacts_ids"); len(contacts) > 1 {
		f.fail("contacts_ids", "至多一位联系人: %v", contacts)
	} else if len(contacts) == 1 {
		in.ContactID = contacts[0]
	}
	if top.err != nil && f.err == nil {
		f.err = top.err
	}
	if f.err != nil {
		return nil, f.err
	}
	in.ID = adapters.KeptID(ctx) // the upstream's, when the mirror applies its create
	h, err := a.svc.AddFollowUp(ctx, caller, in)
	if err != nil {
		return nil, revisitWriteError(err, in.SubjectKind)
	}
	item, err := a.svc.GetFollowUp(ctx, caller, h.ID)
	if err != nil {
		return nil, err
	}
	names, err := a.svc.DictionaryNames(ctx, caller, core.DictContactType)
	if err != nil {
		return nil, err
	}
	return revisitLogOf(caller, item, names[core.DictContactType]), nil
}

// revisitReferences name the request field behind a reference core did not find.
var revisitReferences = map[string]string{
	"customer": "loggable_id", "contact": "loggable_id", "opportunity": "loggable_id", "contract": "loggable_id",
	core.DictContactType: "category", core.DictOpportunityStage: "stage", core.DictCustomerStatus: "status",
}

// revisitWriteError words core's answer to a follow-up on a kind of record:
// the record, the contact spoken to, or a code not in the tenant is a bad
// parameter naming its field.
func revisitWriteError(err error, kind string) error {
	ce := core.AsError(err)
	label := func(key string) string { return revisitLabels[key] + "(" + key + ")" }
	switch {
	case ce.Code == core.ENOTFOUND && ce.Entity == "contact" && kind != core.SubjectContact:
		return invalid(label("contacts_ids") + " 不存在: " + message(ce))
	case ce.Code == core.ENOTFOUND && revisitReferences[ce.Entity] != "":
		return invalid(label(revisitReferences[ce.Entity]) + " 不存在: " + message(ce))
	case ce.Code == core.EINVALID && revisitLabels[paramNames.Name(ce.Field)] != "":
		return invalid(label(paramNames.Name(ce.Field)) + ": " + message(ce))
	}
	return err
}

// A check-in (签到, GET /api/v2/checkins) is a follow-up made at a place: a
// revisit log written with its address or coordinates. It has the
// follow-up's id.
type checkin struct {
	ID          uint64       `json:"id"`
	CheckinName string       `json:"checkin_name"` // the name of what was visited
	CreatedAt   string       `json:"created_at"`   // when the visit was made
	Content     string       `json:"content"`
	Address     checkinPlace `json:"address"`
	Attachments []struct{}   `json:"attachments"` // crmgw keeps no files
	Checkable   checkable    `json:"checkable"`
	User        userRef      `json:"user"`
}

// checkinPlace is where; distance is from the customer's place, which
// crmgw cannot measure (it keeps no customer coordinates): a check-in is
// taken to be made there, as the vendor shows it, "0m".
type checkinPlace struct {
	ID            uint64       `json:"id"`
	DetailAddress string       `json:"detail_address"`
	Lat           *json.Number `json:"lat"`
	Lng           *json.Number `json:"lng"`
	Distance      string       `json:"distance"`
}

// checkable is the visited customer, and the opportunity when the visit was on one.
type checkable struct {
	Customer    checkableCustomer `json:"customer"`
	Opportunity *userRef          `json:"opportunity,omitempty"`
}

type checkableCustomer struct {
	ID           uint64  `json:"id"`
	Name         string  `json:"name"`
	Status       *string `json:"status"`
	StatusMapped *string `json:"status_mapped"`
}

// checkinPage is the check-in list's data.
type checkinPage struct {
	Checkins    []checkin `json:"checkins"`
	TotalCount  int64     `json:"total_count"`
	PerPage     int       `json:"per_page"`
	Page        int       `json:"page"`
	HasNextPage bool      `json:"has_next_page"`
}

// listCheckins answers GET /api/v2/checkins, the latest first.
func (a *Adapter) listCheckins(ctx context.Context, caller core.Caller, p params) (any, error) {
	q := core.FollowUpQuery{Visits: true}
	var err error
	if q.Page, q.PerPage, err = paging(p.query); err != nil {
		return nil, err
	}
	f := &fields{m: map[string]any{}, names: revisitLabels}
	for k, v := range p.query {
		f.m[k] = v[0]
	}
	q.UserID, q.Place = f.id("user_id"), f.str("detail_address")
	switch t := strings.ToLower(f.str("checkable_type")); t {
	case "":
		if f.id("checkable_id") != 0 { // an id alone names no record: every check-in would answer as its
			f.fail("checkable_id", "需与 checkable_type 一起给出")
		}
	case core.SubjectCustomer, core.SubjectOpportunity:
		q.SubjectKind, q.SubjectID = t, f.id("checkable_id")
	default:
		f.fail("checkable_type", "应为 Customer 或 Opportunity: %q", core.Excerpt(t))
	}
	if f.err != nil {
		return nil, f.err
	}
	list, err := a.svc.ListFollowUps(ctx, caller, q)
	if err != nil {
		return nil, err
	}
	names, err := a.svc.DictionaryNames(ctx, caller, core.DictCustomerStatus)
	if err != nil {
		return nil, err
	}
	page := checkinPage{Checkins: make([]checkin, 0, len(list.Items)), TotalCount: list.Total, PerPage: q.PerPage,
		Page: q.Page, HasNextPage: int64(q.Page*q.PerPage) < list.Total}
	for _, h := range list.Items {
		place := placeOf(h.ContactHistory)
		c := checkin{ID: h.ID, CheckinName: h.SubjectName, CreatedAt: minuteTime(h.ContactedAt, caller.Location),
			Content: h.Content, Address: checkinPlace{ID: h.ID, DetailAddress: place.DetailAddress, Lat: place.Lat, Lng: place.Lng, Distance: "0m"},
			Attachments: []struct{}{}, User: userRef{h.UserID, h.UserName},
			Checkable: checkable{Customer: checkableCustomer{ID: h.CustomerID, Name: h.CustomerName,
				Status: code(h.CustomerStatusID), StatusMapped: mapped(names[core.DictCustomerStatus], h.CustomerStatusID)}}}
		if h.SubjectKind == core.SubjectOpportunity {
			c.Checkable.Opportunity = &userRef{h.SubjectID, h.SubjectName}
		}
		page.Checkins = append(page.Checkins, c)
	}
	return page, nil
}
