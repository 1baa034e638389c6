package qcy

import (
	"github.com/labstack/echo/v4"
)

// Contract/SampleGiftAuditById.ashx (orderID: the order number): rows changed (0 when already audited).
func (a *Adapter) sampleGiftAudit(c echo.Context) error { return a.auditSample(c, true) }

// Contract/SampleGiftUnAuditById.ashx (orderID): rows changed (0 when not audited).
func (a *Adapter) sampleGiftUnAudit(c echo.Context) error { return a.auditSample(c, false) }

func (a *Adapter) auditSample(c echo.Context, audited bool) error {
	no, err := paramsOf(c).str("orderID")
	if err != nil {
		return err
	}
	n, err := a.svc.AuditSampleOrder(c.Request().Context(), callerOf(c), no, audited)
	if err != nil {
		return err
	}
	return ok(c, n)
}

// ECommerce/UpdateBaseInfoHit.ashx (siteKey, pkid, addHit): add views to a shop record's counter; true.
func (a *Adapter) updateBaseInfoHit(c echo.Context) error {
	p := paramsOf(c)
	id, err := p.id("pkid")
	if err != nil {
		return err
	}
	hits, err := p.int32("addHit")
	if err != nil {
		return err
	}
	if err := a.svc.AddHits(c.Request().Context(), callerOf(c), id, hits); err != nil {
		return err
	}
	return ok(c, true)
}

// ECommerce/AddMessageBoard.ashx (siteKey, custID, content, contact): keep a customer's message; true.
func (a *Adapter) addMessageBoard(c echo.Context) error {
	p := paramsOf(c)
	cust, err := p.id("custID")
	if err != nil {
		return err
	}
	content, err := p.str("content")
	if err != nil {
		return err
	}
	if err := a.svc.AddMessage(c.Request().Context(), callerOf(c), cust, content, p.get("contact")); err != nil {
		return err
	}
	return ok(c, true)
}
