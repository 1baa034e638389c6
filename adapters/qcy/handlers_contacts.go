package qcy

import (
	"github.com/labstack/echo/v4"

	"crmgw/core"
)

// ContactPlan/SaveContactPlan.ashx: carry out plan_id — record the contact
// (customer_id, type_id, route_id, link_man_id, title, content) and schedule the next at next_time; true.
func (a *Adapter) saveContactPlan(c echo.Context) error {
	r, caller := read(c), callerOf(c)
	planID := r.id("plan_id")
	done := historyParams(r)
	next := r.dateTime("next_time", caller.Location)
	if r.err != nil {
		return r.err
	}
	if err := a.svc.ExecuteContactPlan(c.Request().Context(), caller, planID, done, next); err != nil {
		return err
	}
	return ok(c, true)
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
func (a *Adapter) getContactPlan(c echo.Context) error {
	id, err := paramsOf(c).id("id")
	if err != nil {
		return err
	}
	caller := callerOf(c)
	plan, err := a.svc.GetContactPlan(c.Request().Context(), caller, id)
	if err != nil {
		return err
	}
	return ok(c, fromContactPlan(plan, caller.Location))
}

// ContactPlan/GetContactPlanCount.ashx: how many of the caller's plans are pending.
func (a *Adapter) getContactPlanCount(c echo.Context) error {
	n, err := a.svc.PendingContactPlans(c.Request().Context(), callerOf(c))
	if err != nil {
		return err
	}
	return ok(c, n)
}

// ContactPlan/InsertContactPlan.ashx (title, customer_id, type_id, route_id,
// link_man_id, history_id, next_time; plan_id is accepted and ignored: the new plan gets its own id); true.
func (a *Adapter) insertContactPlan(c echo.Context) error {
	r, caller := read(c), callerOf(c)
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
		return r.err
	}
	if _, err := a.svc.AddContactPlan(c.Request().Context(), caller, in); err != nil {
		return err
	}
	return ok(c, true)
}

// getLinkManListAs serves LinkMan/GetList.ashx (custId, as LinkMan elements) and
// LinkMan/GetLinkManList.ashx (cust_id, as CustomerLinkMan elements): the customer's contacts, main first.
func (a *Adapter) getLinkManListAs(item, param string) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := paramsOf(c).id(param)
		if err != nil {
			return err
		}
		caller := callerOf(c)
		list, err := a.svc.ListContacts(c.Request().Context(), caller, id)
		if err != nil {
			return err
		}
		out := make([]CustomerLinkMan, 0, len(list))
		for _, ct := range list {
			out = append(out, fromContact(ct, caller.Location))
		}
		return okList(c, item, out)
	}
}

// LinkMan/GetLinkMan.ashx (id): one contact.
func (a *Adapter) getLinkMan(c echo.Context) error {
	id, err := paramsOf(c).id("id")
	if err != nil {
		return err
	}
	caller := callerOf(c)
	ct, err := a.svc.GetContact(c.Request().Context(), caller, id)
	if err != nil {
		return err
	}
	return ok(c, fromContact(ct, caller.Location))
}

// LinkMan/SaveLinkMan.ashx (man: a CustomerLinkMan with PK_ID; tran ignored): the count of rows updated.
func (a *Adapter) saveLinkMan(c echo.Context) error {
	var man CustomerLinkMan
	if err := paramsOf(c).object("man", &man); err != nil {
		return err
	}
	if man.PK_ID == 0 {
		return wireError(codeInvalid, "参数 man 缺少 PK_ID: SaveLinkMan 更新已有的联系人")
	}
	if _, err := a.svc.UpdateContact(c.Request().Context(), callerOf(c), man.PK_ID, man.toCore()); err != nil {
		return err
	}
	return ok(c, 1)
}

// LinkMan/InsertLinkMan.ashx (man: a CustomerLinkMan; tran ignored): true.
func (a *Adapter) insertLinkMan(c echo.Context) error {
	var man CustomerLinkMan
	if err := paramsOf(c).object("man", &man); err != nil {
		return err
	}
	if _, err := a.svc.CreateContact(c.Request().Context(), callerOf(c), man.toCore()); err != nil {
		return err
	}
	return ok(c, true)
}

// LinkMan/DeleteLinkMan.ashx (id): the count of rows deleted.
func (a *Adapter) deleteLinkMan(c echo.Context) error {
	return a.countByID(c, a.svc.DeleteContact)
}

// LinkMan/CancelMainMan.ashx (id): the count of rows changed (0 when it was not the main contact).
func (a *Adapter) cancelMainMan(c echo.Context) error {
	return a.countByID(c, a.svc.CancelMainContact)
}
