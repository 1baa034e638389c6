package core

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ImportStats counts what an import did with one kind of record.
type ImportStats struct {
	Read, Written, Skipped, Refused int
}

// Import kinds, in the order of their references: each names only kinds before it.
const (
	ImportDepartment  = "department"
	ImportUser        = "user"
	ImportDictionary  = "dictionary entry"
	ImportCustomer    = "customer"
	ImportContact     = "contact"
	ImportFollowUp    = "follow-up"
	ImportContactPlan = "contact plan"
	ImportOpportunity = "opportunity"
	ImportContract    = "contract"
	ImportPaymentPlan = "payment plan"
	ImportPayment     = "payment"
	ImportTarget      = "monthly target"
)

// ImportKinds are the kinds an import counts, in the order of their references.
var ImportKinds = []string{ImportDepartment, ImportUser, ImportDictionary, ImportCustomer, ImportContact, ImportFollowUp,
	ImportContactPlan, ImportOpportunity, ImportContract, ImportPaymentPlan, ImportPayment, ImportTarget}

// An Import writes the records a migration reads from an old vendor into one
// tenant, with the vendor's ids and times: each through the use case that
// makes such a record, as the user who made it, so that every check and every
// figure derived is what a client's own write gives. A record whose id the
// tenant holds already is skipped: a second run adds nothing, and a run cut
// short is finished by the next. Not safe for concurrent use.
type Import struct {
	svc     *Service // Batch's transaction while it runs
	tenant  Tenant
	callers map[uint64]Caller
	Stats   map[string]*ImportStats
}

// NewImport starts an import into tenant t.
func (s *Service) NewImport(t Tenant) *Import {
	return &Import{svc: s, tenant: t, callers: map[uint64]Caller{}, Stats: map[string]*ImportStats{}}
}

// Location is the tenant's time zone, in which dialects show times.
func (im *Import) Location() *time.Location {
	c, err := im.svc.CallerFor(im.tenant, User{TenantID: im.tenant.ID})
	if err != nil {
		return time.UTC
	}
	return c.Location
}

// CurrentMonth is the month it is now in the tenant.
func (im *Import) CurrentMonth() Month {
	return MonthOf(im.svc.clock.Now().In(im.Location()))
}

// DictionaryCodes maps the names of a kind's entries to their codes.
func (im *Import) DictionaryCodes(ctx context.Context, kind string) (map[string]uint64, error) {
	var entries []DictEntry
	err := im.svc.db.WithContext(ctx).Scopes(inTenant(im.tenant.ID)).Where("kind = ?", kind).Order("code").Find(&entries).Error
	out := map[string]uint64{}
	for _, e := range entries {
		if _, dup := out[e.Name]; !dup {
			out[e.Name] = e.Code
		}
	}
	return out, storeError(err, "dictionary")
}

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("dry run")

// Batch runs fn with every write in one transaction: all kept, or none when
// fn fails. With dryRun, every write is checked and none kept.
func (im *Import) Batch(ctx context.Context, dryRun bool, fn func() error) error {
	outer := im.svc
	err := outer.InTransaction(ctx, func(tx *Service) error {
		im.svc = tx
		defer func() { im.svc = outer }()
		if err := fn(); err != nil {
			return err
		}
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		return nil
	}
	return err
}

func (im *Import) stat(kind string) *ImportStats {
	st := im.Stats[kind]
	if st == nil {
		st = &ImportStats{}
		im.Stats[kind] = st
	}
	return st
}

// write counts one record of kind read, and what came of writing it: a
// conflict of its id held is a skip; any other error, a refusal, named.
func (im *Import) write(kind string, id uint64, do func() error) (written bool, err error) {
	st := im.stat(kind)
	st.Read++
	switch err := do(); {
	case err == nil:
		st.Written++
		return true, nil
	case IDHeld(err):
		st.Skipped++
		return false, nil
	default:
		st.Refused++
		if id != 0 {
			return false, fmt.Errorf("%s %d: %w", kind, id, err)
		}
		return false, fmt.Errorf("%s: %w", kind, err)
	}
}

// as is a caller acting as the tenant's user id (0: the tenant alone).
func (im *Import) as(ctx context.Context, userID uint64) (Caller, error) {
	if c, ok := im.callers[userID]; ok {
		return c, nil
	}
	var u User
	if userID != 0 {
		if err := im.svc.db.WithContext(ctx).Scopes(inTenant(im.tenant.ID)).Where("id = ?", userID).Take(&u).Error; err != nil {
			return Caller{}, storeError(err, "user")
		}
	} else {
		u.TenantID = im.tenant.ID
	}
	c, err := im.svc.CallerFor(im.tenant, u)
	if err == nil {
		im.callers[userID] = c
	}
	return c, err
}

// Department writes a department with its id.
func (im *Import) Department(ctx context.Context, id uint64, name string) error {
	_, err := im.write(ImportDepartment, id, func() error { _, err := im.svc.AddDepartment(ctx, im.tenant.ID, id, name); return err })
	return err
}

// User writes a user with its id.
func (im *Import) User(ctx context.Context, in NewUser) error {
	_, err := im.write(ImportUser, in.ID, func() error { _, err := im.svc.AddUser(ctx, im.tenant.ID, in); return err })
	return err
}

// DictEntry writes a dictionary entry by its kind and code; one the tenant
// has as it is already is skipped.
func (im *Import) DictEntry(ctx context.Context, e DictEntry) error {
	_, err := im.write(ImportDictionary, e.Code, func() error {
		c, err := im.as(ctx, 0)
		if err != nil {
			return err
		}
		_, changed, err := im.svc.PutDictEntry(ctx, c, e)
		if err == nil && !changed {
			return &Error{Code: ECONFLICT, Message: "the entry is so already", held: true}
		}
		return err
	})
	return err
}

// by runs a use case as the tenant's user.
func (im *Import) by(ctx context.Context, user uint64, do func(Caller) error) func() error {
	return func() error {
		c, err := im.as(ctx, user)
		if err != nil {
			return err
		}
		return do(c)
	}
}

// Customer writes a customer, with its contacts, as made by creator.
func (im *Import) Customer(ctx context.Context, creator uint64, in NewCustomer) (bool, error) {
	return im.write(ImportCustomer, in.ID, im.by(ctx, creator, func(c Caller) error { _, err := im.svc.CreateCustomer(ctx, c, in); return err }))
}

// Contact writes a contact, as made by creator.
func (im *Import) Contact(ctx context.Context, creator uint64, in NewContact) error {
	_, err := im.write(ImportContact, in.ID, im.by(ctx, creator, func(c Caller) error { _, err := im.svc.CreateContact(ctx, c, in); return err }))
	return err
}

// FollowUp writes a follow-up user made.
func (im *Import) FollowUp(ctx context.Context, user uint64, in NewContactHistory) error {
	_, err := im.write(ImportFollowUp, in.ID, im.by(ctx, user, func(c Caller) error { _, err := im.svc.AddContactHistory(ctx, c, in); return err }))
	return err
}

// ContactPlan writes a contact plan of user.
func (im *Import) ContactPlan(ctx context.Context, user uint64, in NewContactPlan) error {
	_, err := im.write(ImportContactPlan, in.ID, im.by(ctx, user, func(c Caller) error { _, err := im.svc.AddContactPlan(ctx, c, in); return err }))
	return err
}

// Opportunity writes an opportunity, with its lines, as made by creator.
func (im *Import) Opportunity(ctx context.Context, creator uint64, in NewOpportunity) error {
	_, err := im.write(ImportOpportunity, in.ID, im.by(ctx, creator, func(c Caller) error { _, err := im.svc.CreateOpportunity(ctx, c, in); return err }))
	return err
}

// Contract writes a contract, with its lines, as made by creator; written
// tells whether it was new (so that records without ids of their own, which
// only come with it, are written with it or not at all).
func (im *Import) Contract(ctx context.Context, creator uint64, in NewContract) (written bool, err error) {
	return im.write(ImportContract, in.ID, im.by(ctx, creator, func(c Caller) error { _, err := im.svc.CreateContract(ctx, c, in); return err }))
}

// PaymentPlan writes a payment plan, as made by creator.
func (im *Import) PaymentPlan(ctx context.Context, creator uint64, in NewPaymentPlan) error {
	_, err := im.write(ImportPaymentPlan, in.ID, im.by(ctx, creator, func(c Caller) error { _, err := im.svc.AddPaymentPlan(ctx, c, in); return err }))
	return err
}

// Payment writes a payment, as recorded by creator.
func (im *Import) Payment(ctx context.Context, creator uint64, in NewPayment) error {
	_, err := im.write(ImportPayment, in.ID, im.by(ctx, creator, func(c Caller) error { _, err := im.svc.AddPayment(ctx, c, in); return err }))
	return err
}

// Target sets user's target of a month; one that is that already is skipped.
func (im *Import) Target(ctx context.Context, user uint64, m Month, amount Money) error {
	_, err := im.write(ImportTarget, user, im.by(ctx, user, func(c Caller) error {
		f, err := im.svc.MonthFigures(ctx, c, m)
		if err != nil {
			return err
		}
		if f.Target != nil && f.Target.Equal(amount.Decimal) {
			return &Error{Code: ECONFLICT, Message: "the target is set already", held: true}
		}
		return im.svc.SetMonthlyTarget(ctx, c, m, amount)
	}))
	return err
}

// PaymentsWithout writes, of the payments a contract's vendor shows without
// ids (the OA's payments out), those past the ones the contract has here
// already in that direction: rows are in the vendor's order, so a second
// run, or one finishing a run cut short, writes none twice.
func (im *Import) PaymentsWithout(ctx context.Context, creator, contractID uint64, direction string, rows []NewPayment) error {
	c, err := im.as(ctx, creator)
	if err != nil {
		return err
	}
	have, err := im.svc.Payments(ctx, c, PaymentQuery{ContractID: contractID, Direction: direction, Page: 1, PerPage: 1})
	if err != nil {
		return err
	}
	for i, p := range rows {
		p.ContractID, p.Direction = contractID, direction
		if int64(i) < have.Total {
			_, _ = im.write(ImportPayment, 0, func() error { return &Error{Code: ECONFLICT, Message: "written before", held: true} })
			continue
		}
		if _, err := im.write(ImportPayment, 0, func() error { _, err := im.svc.AddPayment(ctx, c, p); return err }); err != nil {
			return err
		}
	}
	return nil
}
