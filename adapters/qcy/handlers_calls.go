package qcy

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/labstack/echo/v4"

	"crmgw/core"
)

// Customer/CancelShare.ashx (strIds: "1,2"): stop sharing the customers; true.
func (a *Adapter) cancelShare(c echo.Context) error {
	ids, err := paramsOf(c).ids("strIds")
	if err != nil {
		return err
	}
	if err := a.svc.CancelShares(c.Request().Context(), callerOf(c), ids); err != nil {
		return err
	}
	return ok(c, true)
}

// Customer/RemoveCollection.ashx (userId, custIdString: "111,222"): true.
func (a *Adapter) removeCollection(c echo.Context) error {
	p := paramsOf(c)
	user, err := p.id("userId")
	if err != nil {
		return err
	}
	ids, err := p.ids("custIdString")
	if err != nil {
		return err
	}
	if err := a.svc.RemoveCollections(c.Request().Context(), callerOf(c), user, ids); err != nil {
		return err
	}
	return ok(c, true)
}

// Customer/SetCustIdentity.ashx (identityId, custId): collect the customer for the caller with that mark; true.
func (a *Adapter) setCustIdentity(c echo.Context) error {
	p := paramsOf(c)
	identity, err := p.id("identityId")
	if err != nil {
		return err
	}
	cust, err := p.id("custId")
	if err != nil {
		return err
	}
	if err := a.svc.SetCollectionIdentity(c.Request().Context(), callerOf(c), cust, identity); err != nil {
		return err
	}
	return ok(c, true)
}

// flag reads a required 0/1 parameter.
func (p params) flag(name string) (bool, error) {
	n, err := p.int32(name)
	if err != nil {
		return false, err
	}
	if n != 0 && n != 1 {
		return false, wireError(codeInvalid, fmt.Sprintf("参数 %s 应为 0 或 1, 实为 %d", name, n))
	}
	return n == 1, nil
}

// Customer/AddCallHistory.ashx: keep a call; true.
func (a *Adapter) addCallHistory(c echo.Context) error {
	p, caller := paramsOf(c), callerOf(c)
	var r core.CallRecord
	var err error
	if r.Answered, err = p.flag("callState"); err != nil {
		return err
	}
	if r.Tel, err = p.str("tel"); err != nil {
		return err
	}
	if r.UserID, err = p.id("userID"); err != nil {
		return err
	}
	r.Remark = p.get("remark")
	if r.Incoming, err = callType(p); err != nil {
		return err
	}
	if r.StartedAt, err = p.dateTime("startTime", caller.Location); err != nil {
		return err
	}
	if r.EndedAt, err = p.dateTime("endTime", caller.Location); err != nil {
		return err
	}
	if r.Recorded, err = p.flag("record"); err != nil {
		return err
	}
	if r.Duration, err = p.int32("duration"); err != nil {
		return err
	}
	if r.IMS, err = p.str("ims"); err != nil {
		return err
	}
	if r.UserName, err = p.str("userName"); err != nil {
		return err
	}
	if err := a.svc.AddCallRecord(c.Request().Context(), caller, r); err != nil {
		return err
	}
	return ok(c, true)
}

// callType reads callType: 1 incoming, 2 outgoing.
func callType(p params) (incoming bool, err error) {
	n, err := p.int32("callType")
	if err != nil {
		return false, err
	}
	if n != 1 && n != 2 {
		return false, wireError(codeInvalid, fmt.Sprintf("参数 callType 应为 1(来电) 或 2(去电), 实为 %d", n))
	}
	return n == 1, nil
}

// Customer/UpdateCallHistory.ashx: complete the call to sCallNumber that started at dCallTime; true.
func (a *Adapter) updateCallHistory(c echo.Context) error {
	p, caller := paramsOf(c), callerOf(c)
	var r core.CallRecord
	var err error
	if r.Tel, err = p.str("sCallNumber"); err != nil {
		return err
	}
	if r.StartedAt, err = p.dateTime("dCallTime", caller.Location); err != nil {
		return err
	}
	if r.Answered, err = p.flag("bCallState"); err != nil {
		return err
	}
	if r.Incoming, err = callType(p); err != nil {
		return err
	}
	if r.IMS, err = p.str("teleIms"); err != nil {
		return err
	}
	if r.DisplayTel, err = p.str("displayTel"); err != nil {
		return err
	}
	if r.EndedAt, err = p.dateTime("endTime", caller.Location); err != nil {
		return err
	}
	if r.Recorded, err = p.flag("record"); err != nil {
		return err
	}
	if r.Duration, err = p.int32("duration"); err != nil {
		return err
	}
	if r.UserName, err = p.str("addUserName"); err != nil {
		return err
	}
	if err := a.svc.UpdateCallRecord(c.Request().Context(), caller, r); err != nil {
		return err
	}
	return ok(c, true)
}

// Customer/IMSLock.ashx (userID, ims): true.
func (a *Adapter) imsLock(c echo.Context) error {
	p := paramsOf(c)
	user, err := p.id("userID")
	if err != nil {
		return err
	}
	ims, err := p.str("ims")
	if err != nil {
		return err
	}
	if err := a.svc.LockIMS(c.Request().Context(), callerOf(c), user, ims); err != nil {
		return err
	}
	return ok(c, true)
}

// Customer/UnIMSLock.ashx (ims): true.
func (a *Adapter) unIMSLock(c echo.Context) error {
	ims, err := paramsOf(c).str("ims")
	if err != nil {
		return err
	}
	if err := a.svc.UnlockIMS(c.Request().Context(), callerOf(c), ims); err != nil {
		return err
	}
	return ok(c, true)
}

// Customer/InsertSms.ashx: queue a templated message in the outbox (nothing is sent); true.
func (a *Adapter) insertSms(c echo.Context) error {
	p, caller := paramsOf(c), callerOf(c)
	var m core.SmsMessage
	var err error
	if m.SenderID, err = p.id("senderID"); err != nil {
		return err
	}
	if m.Mobile, err = p.str("mobilePhone"); err != nil {
		return err
	}
	m.ReceiverName = p.get("receiveName")
	if m.SendAt, err = p.dateTime("sendDate", caller.Location); err != nil {
		return err
	}
	if m.Content, err = p.str("content"); err != nil {
		return err
	}
	schedule, err := p.int32("sendType")
	if err != nil {
		return err
	}
	m.Schedule = int(schedule)
	if m.TemplateID, err = p.str("messageTempleID"); err != nil {
		return err
	}
	var values []string
	for i := 1; i <= 6; i++ {
		values = append(values, p.get("value"+strconv.Itoa(i)))
	}
	b, _ := json.Marshal(values) // a []string always marshals
	m.TemplateValues = string(b)
	m.Remark = p.get("remark")
	if err := a.svc.QueueSms(c.Request().Context(), caller, m); err != nil {
		return err
	}
	return ok(c, true)
}
