package qcy

import (
	"context"

	"crmgw/core"
)

// ContactPlan/SaveContactPlan.ashx: carry out plan_id — record the contact
// (customer_id, type_id, route_id, link_man_id, title, content) and schedule the next at next_time; true.
func (a *Adapter) saveContactPlan(ctx context.Context, caller core.Caller, p params) (any, error) {
	r := read(p)
	planID := r.id("plan_id")
	done := historyParams(r)
	next := r.dateTime("next_time", caller.Location)
	if r.err != nil {
		return nil, r.err
	}
	if err := a.svc.ExecuteContactPlan(ctx, caller, planID, done, next); err != nil {
		return nil, err
	}
	return true, nil
}

// historyParams reads the parameters of a contact made, shared by ContactHistory/Add and SaveContactPlan.
func historyParams(r *reader) core.NewContactHistory {
	return core.NewContactHistory{
		CustomerID: r.id("customer_id"),
		TypeID:     r.id("type_id"),
		RouteID:    r.id("route_id"),
		ContactID:  r.id("link_man_id"),
		Title:      r.str("title"),
		Content:    r.str("content"),
	}
}

// ContactPlan/GetContactPlan.ashx (id): one plan.
func (a *Adapter) getContactPlan(ctx context.Context, caller core.Caller, p params) (any, error) {
	id, err := p.id("id")
	if err != nil {
		return nil, err
	}
	plan, err := a.svc.GetContactPlan(ctx, caller, id)
	if err != nil {
		return nil, err
	}
	return fromContactPlan(plan, caller.Location), nil
}

// ContactPlan/GetContactPlanCount.ashx: how many of the caller's plans are pending.
func (a *Adapter) getContactPlanCount(ctx context.Context, caller core.Caller, _ params) (any, error) {
	n, err := a.svc.PendingContactPlans(ctx, caller)
	if err != nil {
		return nil, err
	}
	return n, nil
}

// ContactPlan/InsertContactPlan.ashx (title, customer_id, type_id, route_id,
// link_man_id, history_id, next_time; plan_id is accepted and ignored: the new plan gets its own id); true.
func (a *Adapter) insertContactPlan(ctx context.Context, caller core.Caller, p params) (any, error) {
	r := read(p)
	in := core.NewContactPlan{
		Title:      r.str("title"),
		CustomerID: r.id("customer_id"),
		TypeID:     r.id("type_id"),
		RouteID:    r.id("route_id"),
		ContactID:  r.id("link_man_id"),
		HistoryID:  uint64(max(r.int32("history_id"), 0)), // 0: the plan follows no recorded contact
		PlannedAt:  r.dateTime("next_time", caller.Location),
	}
	if r.err != nil {
		return nil, r.err
	}
	if _, err := a.svc.AddContactPlan(ctx, caller, in); err != nil {
		return nil, err
	}
	return true, nil
}

// getLinkManListAs serves LinkMan/GetList.ashx (custId, as LinkMan elements) and
// LinkMan/GetLinkManList.ashx (cust_id, as CustomerLinkMan elements): the customer's contacts, main first.
func (a *Adapter) getLinkManListAs(item, param string) handler {
	return func(ctx context.Context, caller core.Caller, p params) (any, error) {
		id, err := p.id(param)
		if err != nil {
			return nil, err
		}
		contacts, err := a.svc.ListContacts(ctx, caller, id)
		if err != nil {
			return nil, err
		}
		out := make([]CustomerLinkMan, 0, len(contacts))
		for _, ct := range contacts {
			out = append(out, fromContact(ct, caller.Location))
		}
		return listOf(item, out), nil
	}
}

// LinkMan/GetLinkMan.ashx (id): one contact.
func (a *Adapter) getLinkMan(ctx context.Context, caller core.Caller, p params) (any, error) {
	id, err := p.id("id")
	if err != nil {
		return nil, err
	}
	ct, err := a.svc.GetContact(ctx, caller, id)
	if err != nil {
		return nil, err
	}
	return fromContact(ct, caller.Location), nil
}

// LinkMan/SaveLinkMan.ashx (man: a CustomerLinkMan with PK_ID; tran ignored): the count of rows updated.
func (a *Adapter) saveLinkMan(ctx context.Context, caller core.Caller, p params) (any, error) {
	var man CustomerLinkMan
	if err := p.object("man", &man); err != nil {
		return nil, err
	}
	if man.PK_ID == 0 {
		return nil, wireError(codeInvalid, "参数 man 缺少 PK_ID: SaveLinkMan 更新已有的联系人")
	}
	if _, err := a.svc.UpdateContact(ctx, caller, man.PK_ID, man.toCore()); err != nil {
		return nil, err
	}
	return 1, nil
}

// LinkMan/InsertLinkMan.ashx (man: a CustomerLinkMan; tran ignored): true.
func (a *Adapter) insertLinkMan(ctx context.Context, caller core.Caller, p params) (any, error) {
	var man CustomerLinkMan
	if err := p.object("man", &man); err != nil {
		return nil, err
	}
	if _, err := a.svc.CreateContact(ctx, caller, man.toCore()); err != nil {
		return nil, err
	}
	return true, nil
}

// LinkMan/DeleteLinkMan.ashx (id): the count of rows deleted.
func (a *Adapter) deleteLinkMan(ctx context.Context, caller core.Caller, p params) (any, error) {
	return countByID(ctx, caller, p, a.svc.DeleteContact)
}

// LinkMan/CancelMainMan.ashx (id): the count of rows changed (0 when it was not the main contact).
func (a *Adapter) cancelMainMan(ctx context.Context, caller core.Caller, p params) (any, error) {
	return countByID(ctx, caller, p, a.svc.CancelMainContact)
}
