package core_test

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"crmgw/core"
)

// Every write that takes a time refuses one whose day is outside MinDate to
// MaxDate, whoever calls it, as bad input in that field, and writes nothing;
// the edges are stored and read back.
func TestTimesOutsideTheDaysAreRefused(t *testing.T) {
	eachEngine(t, func(t *testing.T, db *gorm.DB, svc *core.Service) {
		ctx := context.Background()
		o := newOrg(t, svc, "acme", "sales", "ann")
		c := o.caller
		cu, err := svc.CreateCustomer(ctx, c, core.NewCustomer{Name: "customer"})
		must(t, err)
		plan, err := svc.AddContactPlan(ctx, c, core.NewContactPlan{CustomerID: cu.ID, Title: "plan", PlannedAt: now})
		must(t, err)
		must(t, svc.AddCallRecord(ctx, c, core.CallRecord{UserID: c.UserID, Tel: "110", StartedAt: now, EndedAt: now}))
		call := func(start, end time.Time) core.CallRecord {
			return core.CallRecord{UserID: c.UserID, Tel: "110", StartedAt: start, EndedAt: end}
		}
		writes := []struct {
			name  string
			field core.Field
			write func(at time.Time) error
		}{
			{"AddContactPlan", core.FieldPlannedAt, func(at time.Time) error {
				_, err := svc.AddContactPlan(ctx, c, core.NewContactPlan{CustomerID: cu.ID, Title: "p", PlannedAt: at})
				return err
			}},
			{"ExecuteContactPlan", core.FieldPlannedAt, func(at time.Time) error {
				return svc.ExecuteContactPlan(ctx, c, plan.ID, core.NewContactHistory{CustomerID: cu.ID, Title: "done"}, at)
			}},
			{"AddContactHistory", core.FieldContactedAt, func(at time.Time) error {
				_, err := svc.AddContactHistory(ctx, c, core.NewContactHistory{CustomerID: cu.ID, Title: "h", ContactedAt: at})
				return err
			}},
			{"AddCallRecord start", core.FieldStartedAt, func(at time.Time) error { return svc.AddCallRecord(ctx, c, call(at, now)) }},
			{"AddCallRecord end", core.FieldEndedAt, func(at time.Time) error { return svc.AddCallRecord(ctx, c, call(now, at)) }},
			{"UpdateCallRecord start", core.FieldStartedAt, func(at time.Time) error { return svc.UpdateCallRecord(ctx, c, call(at, now)) }},
			{"UpdateCallRecord end", core.FieldEndedAt, func(at time.Time) error { return svc.UpdateCallRecord(ctx, c, call(now, at)) }},
			{"QueueSms", core.FieldSendAt, func(at time.Time) error {
				return svc.QueueSms(ctx, c, core.SmsMessage{SenderID: c.UserID, Mobile: "138", TemplateID: "T", SendAt: at})
			}},
		}
		rows := func() []int64 {
			return []int64{count(t, db, &core.ContactPlan{}), count(t, db, &core.ContactHistory{}), count(t, db, &core.CallRecord{}),
				count(t, db, &core.SmsMessage{}), count(t, db, &core.ContactPlan{}) - pendingPlans(t, svc, c)}
		}
		for _, w := range writes {
			for _, at := range []time.Time{
				time.Date(0, 1, 1, 0, 0, 0, 0, c.Location),
				time.Date(1, 1, 1, 0, 0, 0, 0, c.Location),
				{}, // the zero time: 0001-01-01 in UTC
				time.Date(999, 12, 31, 23, 59, 59, 0, c.Location),
				time.Date(1000, 1, 1, 23, 59, 59, 0, c.Location),
				time.Date(9999, 12, 31, 0, 0, 0, 0, c.Location),
				time.Date(10000, 1, 1, 0, 0, 0, 0, c.Location),
			} {
				if at.IsZero() && (w.field == core.FieldPlannedAt || w.field == core.FieldContactedAt) {
					continue // there the zero time means "not given": required, or now
				}
				before := rows()
				err := w.write(at)
				if e := core.AsError(err); err == nil || e.Code != core.EINVALID || e.Field != w.field {
					t.Errorf("%s at %s: %v (field %q), want %s on %s", w.name, at, err, e.Field, core.EINVALID, w.field)
				}
				if after := rows(); !equal(after, before) {
					t.Errorf("%s at %s wrote: %v rows, were %v", w.name, at, after, before)
				}
			}
		}

		// The edges are kept, and read back as written.
		first, last := time.Date(1000, 1, 2, 0, 0, 0, 0, c.Location), time.Date(9999, 12, 30, 23, 59, 59, 0, c.Location)
		for _, at := range []time.Time{first, last} {
			p, err := svc.AddContactPlan(ctx, c, core.NewContactPlan{CustomerID: cu.ID, Title: "edge", PlannedAt: at})
			must(t, err)
			p, err = svc.GetContactPlan(ctx, c, p.ID)
			must(t, err)
			h, err := svc.AddContactHistory(ctx, c, core.NewContactHistory{CustomerID: cu.ID, Title: "edge", ContactedAt: at})
			must(t, err)
			h, err = svc.GetContactHistory(ctx, c, h.ID)
			must(t, err)
			must(t, svc.QueueSms(ctx, c, core.SmsMessage{SenderID: c.UserID, Mobile: "edge", TemplateID: "T", SendAt: at}))
			var sms core.SmsMessage
			must(t, db.Where("mobile = ?", "edge").Order("id DESC").Take(&sms).Error)
			for what, got := range map[string]time.Time{"plan": p.PlannedAt, "history": h.ContactedAt, "sms": sms.SendAt} {
				if !got.Equal(at) {
					t.Errorf("%s at %s read back as %s", what, at, got)
				}
			}
		}
		must(t, svc.AddCallRecord(ctx, c, core.CallRecord{UserID: c.UserID, Tel: "edge", StartedAt: first, EndedAt: first}))
		must(t, svc.UpdateCallRecord(ctx, c, core.CallRecord{UserID: c.UserID, Tel: "edge", StartedAt: first, EndedAt: last, Duration: 1}))
		var r core.CallRecord
		must(t, db.Where("tel = ?", "edge").Take(&r).Error)
		if !r.StartedAt.Equal(first) || !r.EndedAt.Equal(last) || r.Duration != 1 {
			t.Errorf("call read back as %s to %s (%ds), want %s to %s", r.StartedAt, r.EndedAt, r.Duration, first, last)
		}
	})
}

func pendingPlans(t *testing.T, svc *core.Service, c core.Caller) int64 {
	t.Helper()
	n, err := svc.PendingContactPlans(context.Background(), c)
	must(t, err)
	return n
}

func equal(a, b []int64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}
