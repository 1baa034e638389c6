package qcy

import (
	"context"

	"crmgw/core"
)

// Contract/SampleGiftAuditById.ashx (orderID: the order number): rows changed (0 when already audited).
func (a *Adapter) sampleGiftAudit(ctx context.Context, caller core.Caller, p params) (any, error) {
	return a.auditSample(ctx, caller, p, true)
}

// Contract/SampleGiftUnAuditById.ashx (orderID): rows changed (0 when not audited).
func (a *Adapter) sampleGiftUnAudit(ctx context.Context, caller core.Caller, p params) (any, error) {
	return a.auditSample(ctx, caller, p, false)
}

func (a *Adapter) auditSample(ctx context.Context, caller core.Caller, p params, audited bool) (any, error) {
	no, err := p.str("orderID")
	if err != nil {
		return nil, err
	}
	n, err := a.svc.AuditSampleOrder(ctx, caller, no, audited)
	if err != nil {
		return nil, err
	}
	return n, nil
}

// ECommerce/UpdateBaseInfoHit.ashx (siteKey, pkid, addHit): add views to a shop record's counter; true.
func (a *Adapter) updateBaseInfoHit(ctx context.Context, caller core.Caller, p params) (any, error) {
	id, err := p.id("pkid")
	if err != nil {
		return nil, err
	}
	hits, err := p.int32("addHit")
	if err != nil {
		return nil, err
	}
	if err := a.svc.AddHits(ctx, caller, id, hits); err != nil {
		return nil, err
	}
	return true, nil
}

// ECommerce/AddMessageBoard.ashx (siteKey, custID, content, contact): keep a customer's message; true.
func (a *Adapter) addMessageBoard(ctx context.Context, caller core.Caller, p params) (any, error) {
	cust, err := p.id("custID")
	if err != nil {
		return nil, err
	}
	content, err := p.str("content")
	if err != nil {
		return nil, err
	}
	if err := a.svc.AddMessage(ctx, caller, cust, content, p.get("contact")); err != nil {
		return nil, err
	}
	return true, nil
}
