package qcy

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"crmgw/core"
)

// Customer/CancelShare.ashx (strIds: "1,2"): stop sharing the customers; true.
func (a *Adapter) cancelShare(ctx context.Context, caller core.Caller, p params) (any, error) {
	ids, err := p.ids("strIds")
	if err != nil {
		return nil, err
	}
	if err := a.svc.CancelShares(ctx, caller, ids); err != nil {
		return nil, err
	}
	return true, nil
}

// Customer/RemoveCollection.ashx (userId, custIdString: "111,222"): true.
func (a *Adapter) removeCollection(ctx context.Context, caller core.Caller, p params) (any, error) {
	user, err := p.id("userId")
	if err != nil {
		return nil, err
	}
	ids, err := p.ids("custIdString")
	if err != nil {
		return nil, err
	}
	if err := a.svc.RemoveCollections(ctx, caller, user, ids); err != nil {
		return nil, err
	}
	return true, nil
}

// Customer/SetCustIdentity.ashx (identityId, custId): collect the customer for the caller with that mark; true.
func (a *Adapter) setCustIdentity(ctx context.Context, caller core.Caller, p params) (any, error) {
	identity, err := p.id("identityId")
	if err != nil {
		return nil, err
	}
	cust, err := p.id("custId")
	if err != nil {
		return nil, err
	}
	if err := a.svc.SetCollectionIdentity(ctx, caller, cust, identity); err != nil {
		return nil, err
	}
	return true, nil
}

// Customer/AddCallHistory.ashx: keep a call; true.
func (a *Adapter) addCallHistory(ctx context.Context, caller core.Caller, p params) (any, error) {
	r := read(p)
	rec := core.CallRecord{
		Answered:  r.flag("callState"),
		Tel:       r.str("tel"),
		UserID:    r.id("userID"),
		Remark:    r.p.get("remark"),
		Incoming:  callType(r),
		StartedAt: r.dateTime("startTime", caller.Location),
		EndedAt:   r.dateTime("endTime", caller.Location),
		Recorded:  r.flag("record"),
		Duration:  r.int32("duration"),
		IMS:       r.str("ims"),
		UserName:  r.str("userName"),
	}
	if r.err != nil {
		return nil, r.err
	}
	if err := a.svc.AddCallRecord(ctx, caller, rec); err != nil {
		return nil, err
	}
	return true, nil
}

// callType reads callType: 1 incoming, 2 outgoing.
func callType(r *reader) (incoming bool) {
	n := r.int32("callType")
	if r.err == nil && n != 1 && n != 2 {
		r.err = wireError(codeInvalid, fmt.Sprintf("参数 callType 应为 1(来电) 或 2(去电), 实为 %d", n))
	}
	return n == 1
}

// Customer/UpdateCallHistory.ashx: complete the call to sCallNumber that started at dCallTime; true.
func (a *Adapter) updateCallHistory(ctx context.Context, caller core.Caller, p params) (any, error) {
	r := read(p)
	rec := core.CallRecord{
		Tel:        r.str("sCallNumber"),
		StartedAt:  r.dateTime("dCallTime", caller.Location),
		Answered:   r.flag("bCallState"),
		Incoming:   callType(r),
		IMS:        r.str("teleIms"),
		DisplayTel: r.str("displayTel"),
		EndedAt:    r.dateTime("endTime", caller.Location),
		Recorded:   r.flag("record"),
		Duration:   r.int32("duration"),
		UserName:   r.str("addUserName"),
	}
	if r.err != nil {
		return nil, r.err
	}
	if err := a.svc.UpdateCallRecord(ctx, caller, rec); err != nil {
		return nil, err
	}
	return true, nil
}

// Customer/IMSLock.ashx (userID, ims): true.
func (a *Adapter) imsLock(ctx context.Context, caller core.Caller, p params) (any, error) {
	user, err := p.id("userID")
	if err != nil {
		return nil, err
	}
	ims, err := p.str("ims")
	if err != nil {
		return nil, err
	}
	if err := a.svc.LockIMS(ctx, caller, user, ims); err != nil {
		return nil, err
	}
	return true, nil
}

// Customer/UnIMSLock.ashx (ims): true.
func (a *Adapter) unIMSLock(ctx context.Context, caller core.Caller, p params) (any, error) {
	ims, err := p.str("ims")
	if err != nil {
		return nil, err
	}
	if err := a.svc.UnlockIMS(ctx, caller, ims); err != nil {
		return nil, err
	}
	return true, nil
}

// Customer/InsertSms.ashx: queue a templated message in the outbox (nothing is sent); true.
func (a *Adapter) insertSms(ctx context.Context, caller core.Caller, p params) (any, error) {
	r := read(p)
	m := core.SmsMessage{
		SenderID:     r.id("senderID"),
		Mobile:       r.str("mobilePhone"),
		ReceiverName: r.p.get("receiveName"),
		SendAt:       r.dateTime("sendDate", caller.Location),
		Content:      r.str("content"),
		Schedule:     int(r.int32("sendType")),
		TemplateID:   r.str("messageTempleID"),
		Remark:       r.p.get("remark"),
	}
	if r.err != nil {
		return nil, r.err
	}
	var values []string
	for i := 1; i <= 6; i++ {
		values = append(values, r.p.get("value"+strconv.Itoa(i)))
	}
	b, _ := json.Marshal(values) // a []string always marshals
	m.TemplateValues = string(b)
	if err := a.svc.QueueSms(ctx, caller, m); err != nil {
		return nil, err
	}
	return true, nil
}
