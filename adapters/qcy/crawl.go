package qcy

// The WebApi's side of `crmgw import qcy`: a client of an old WebApi server
// (or of a crmgw serving the WebApi) that reads what its token sees from the
// handlers that read data — the dictionaries, the customer type tree, every
// customer page by page, each customer's contacts — and writes it through
// core's import with the WebApi's ids and times kept, and the tenant's
// default customer sign. What the WebApi never lists (follow-ups and contact
// plans, which it reads by id only; users' names and departments) is the
// file import's.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"crmgw/adapters"
	"crmgw/core"
)

// CrawlSize is how many customers one page of the crawl reads: one batch.
const CrawlSize = 100

// Crawl is one import of a WebApi's data.
type Crawl struct {
	Client *http.Client
	Base   string // the WebApi's root: handlers are under Base/WebApi/Handler/1.0/
	Token  string
	// OrgID, Login and Password, when Token is "", get a token through Token/Get.
	OrgID           uint64
	Login, Password string
	DryRun          bool
	Progress        func(kind string, rows int) // told of each page written; may be nil

	im    *core.Import
	loc   *time.Location
	users map[uint64]bool // written or held already
}

// crawlAnswer is an answer of the WebApi: {"value": …}, or an error.
type crawlAnswer struct {
	Value     json.RawMessage `json:"value"`
	ErrorCode string          `json:"error_code"`
	Error     string          `json:"error"`
}

// call reads one handler's value into v.
func (c *Crawl) call(ctx context.Context, handler string, form url.Values, v any) error {
	form.Set("format", "json")
	if c.Token != "" {
		form.Set("token", c.Token)
	}
	// POST: the token travels in the body, out of the logs of proxies between.
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Base+"/WebApi/Handler/1.0/"+handler+".ashx", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.Client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return err
	}
	var a crawlAnswer
	if err := json.Unmarshal(raw, &a); err != nil {
		return fmt.Errorf("%s: HTTP %d, not the WebApi's answer: %.200s", handler, res.StatusCode, raw)
	}
	if a.ErrorCode != "" || a.Value == nil {
		return fmt.Errorf("%s: %s %s", handler, a.ErrorCode, a.Error)
	}
	return json.NewDecoder(bytes.NewReader(a.Value)).Decode(v)
}

// Run reads everything into im: the dictionaries, then the customers with
// their owners and contacts.
func (c *Crawl) Run(ctx context.Context, im *core.Import) error {
	c.im, c.loc, c.users = im, im.Location(), map[uint64]bool{}
	return im.Run(ctx, c.DryRun, func() error { return c.run(ctx) })
}

func (c *Crawl) run(ctx context.Context) error {
	if c.Token == "" {
		form := url.Values{"org_id": {strconv.FormatUint(c.OrgID, 10)}, "login_name": {c.Login}, "password": {c.Password}}
		if err := c.call(ctx, "Token/Get", form, &c.Token); err != nil {
			return fmt.Errorf("login: %w", err)
		}
	}
	for _, step := range []func(context.Context) error{c.customerSign, c.dictionaries, c.customerTypes, c.customers} {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

func (c *Crawl) batch(ctx context.Context, fn func() error) error {
	return c.im.Batch(ctx, fn)
}

func (c *Crawl) progress(kind string, n int) {
	if c.Progress != nil {
		c.Progress(kind, n)
	}
}

// customerSign reads the tenant's default kind of customer.
func (c *Crawl) customerSign(ctx context.Context) error {
	var sign int
	if err := c.call(ctx, "CRM/CustomerSign/GetClientSignDefault", url.Values{}, &sign); err != nil {
		return err
	}
	return c.batch(ctx, func() error { return c.im.CustomerSign(ctx, sign) })
}

// dictionaries reads each BaseType dictionary (par_id 1–12) but the customer
// types, whose tree customerTypes reads with its parents.
func (c *Crawl) dictionaries(ctx context.Context) error {
	for i, kind := range baseTypes {
		if kind == core.DictCustomerType {
			continue
		}
		var entries []BaseType
		if err := c.call(ctx, "CRM/BaseType/GetBaseType", url.Values{"par_id": {strconv.Itoa(i + 1)}}, &entries); err != nil {
			return err
		}
		err := c.batch(ctx, func() error {
			for _, e := range entries {
				if err := c.im.DictEntry(ctx, core.DictEntry{Kind: kind, Code: e.PK_ID, Name: e.TypeName, Sort: e.SortNo, Enabled: true}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		c.progress(core.ImportDictionary, len(entries))
	}
	return nil
}

// customerTypes reads the customer type tree, each level before the one below it.
func (c *Crawl) customerTypes(ctx context.Context) error {
	for level := []uint64{0}; len(level) > 0; {
		var next []uint64
		for _, parent := range level {
			var types []CustomerType
			if err := c.call(ctx, "CRM/CustomerType/GetTypeList", url.Values{"parent_id": {strconv.FormatUint(parent, 10)}}, &types); err != nil {
				return err
			}
			err := c.batch(ctx, func() error {
				for _, t := range types {
					if err := c.im.DictEntry(ctx, core.DictEntry{Kind: core.DictCustomerType, Code: t.PK_ID, ParentCode: t.Parent_ID,
						Name: t.TypeName, Sort: t.SortNo, Enabled: true}); err != nil {
						return err
					}
					next = append(next, t.PK_ID)
				}
				return nil
			})
			if err != nil {
				return err
			}
			c.progress(core.ImportDictionary, len(types))
		}
		level = next
	}
	return nil
}

// customers reads the customers page by page, with their contacts fetched
// before the page's batch (its transaction waits on no network): a page is
// one batch. The list is newest first, so a customer made on the WebApi
// during the crawl only pushes one already read onto the next page (a skip):
// none is missed.
func (c *Crawl) customers(ctx context.Context) error {
	for page := 1; ; page++ {
		var rows []Customer
		form := url.Values{"pageIndex": {strconv.Itoa(page)}, "pageSize": {strconv.Itoa(CrawlSize)}}
		if err := c.call(ctx, "CRM/Customer/GetAllList", form, &rows); err != nil {
			return err
		}
		men := make([][]CustomerLinkMan, len(rows))
		if err := adapters.FetchEach(ctx, len(rows), func(i int) error {
			return c.call(ctx, "CRM/LinkMan/GetLinkManList", url.Values{"cust_id": {strconv.FormatUint(rows[i].PK_ID, 10)}}, &men[i])
		}); err != nil {
			return err
		}
		err := c.batch(ctx, func() error {
			for i, r := range rows {
				if err := c.customer(ctx, r, men[i]); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		c.progress(core.ImportCustomer, len(rows))
		if len(rows) < CrawlSize {
			return nil
		}
	}
}

// customer writes one customer, as made by its owner (the WebApi shows no
// creator), then its contacts.
func (c *Crawl) customer(ctx context.Context, r Customer, men []CustomerLinkMan) error {
	made, err1 := c.time(r.CDate)
	changed, err2 := c.time(r.UDate)
	if err := errors.Join(err1, err2); err != nil {
		return fmt.Errorf("customer %d: %w", r.PK_ID, err)
	}
	if err := c.user(ctx, r.FK_UserID); err != nil {
		return err
	}
	in := r.toCore()
	in.ID, in.CreatedAt, in.UpdatedAt, in.Public = r.PK_ID, made, changed, r.IsPublic
	if _, err := c.im.Customer(ctx, r.FK_UserID, in); err != nil {
		return err
	}
	for _, m := range men {
		made, err := c.time(m.CDate)
		if err != nil {
			return fmt.Errorf("contact %d: %w", m.PK_ID, err)
		}
		in := m.toCore()
		// The WebApi shows no contact's change time: its creation stands for it.
		in.ID, in.CreatedAt, in.UpdatedAt = m.PK_ID, made, made
		if err := c.im.Contact(ctx, r.FK_UserID, in); err != nil {
			return err
		}
	}
	return nil
}

// user writes a user the first time one is seen. The WebApi shows users by
// id alone: the login name is made of it until crmgw import file, run
// before, brings the real one (the id is then held, and this is a skip).
func (c *Crawl) user(ctx context.Context, id uint64) error {
	if id == 0 || c.users[id] {
		return nil
	}
	c.users[id] = true
	return c.im.User(ctx, core.NewUser{ID: id, Name: "user" + strconv.FormatUint(id, 10)})
}

func (c *Crawl) time(text string) (time.Time, error) {
	return time.ParseInLocation(dateTime, text, c.loc)
}
