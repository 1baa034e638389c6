package ikcrm

// Users and departments, as vendor-facts-wider.md §1.12 gives what clients send and read.

import (
	"context"
	"fmt"
	"strings"

	"crmgw/core"
)

// userListed is a user in GET /api/v2/user/list. Every number is one:
// C# clients read ids, role_id, department_id and superior_id into
// non-nullable integers.
type userListed struct {
	ID             uint64   `json:"id"`
	Email          string   `json:"email"`
	CreatedAt      string   `json:"created_at"`
	Name           string   `json:"name"`
	Phone          string   `json:"phone"`
	RoleID         uint64   `json:"role_id"`
	RoleJSON       roleJSON `json:"role_json"`
	DepartmentID   uint64   `json:"department_id"`
	DepartmentName string   `json:"department_name"`
	IsSuperUser    bool     `json:"is_super_user"`
	SuperiorID     uint64   `json:"superior_id"`
}

type roleJSON struct {
	ID               uint64 `json:"id"`
	Name             string `json:"name"`
	EntityGrantScope string `json:"entity_grant_scope"`
}

// staffRole is every user's role: crmgw keeps no roles, and any user of a
// tenant sees and changes all of its records (as the contracts' approval
// shows), which the vendor's scope "all" says.
var staffRole = roleJSON{ID: 0, Name: "员工", EntityGrantScope: "all"}

// userPage is the list's data.
type userPage struct {
	Users       []userListed `json:"users"`
	TotalCount  int64        `json:"total_count"`
	PerPage     int          `json:"per_page"`
	Page        int          `json:"page"`
	HasNextPage bool         `json:"has_next_page"`
}

// userSorts are the list's sorts by core's; superior_id is every user's 0
// (crmgw keeps no reporting lines), so sorting by it is sorting by id.
var userSorts = map[string]string{"id": "id", "superior_id": "id", "created_at": "created_at", "name": "name"}

// listUsers answers GET /api/v2/user/list.
func (a *Adapter) listUsers(ctx context.Context, caller core.Caller, p params) (any, error) {
	qp := p.query
	var q core.UserListQuery
	var err error
	if q.Page, q.PerPage, err = paging(qp); err != nil {
		return nil, err
	}
	f := &fields{m: map[string]any{}}
	for k, v := range qp {
		f.m[k] = v[0]
	}
	q.Name, q.Phone = f.str("name"), f.str("phone")
	q.UserID, q.ExceptUserID, q.DepartmentID = f.id("user_id"), f.id("except_user_id"), f.id("department_id")
	if s := f.str("sort"); s != "" {
		sort, known := userSorts[s]
		if !known {
			f.fail("sort", "应为 id, superior_id, created_at 或 name: %q", core.Excerpt(s))
		}
		q.Sort = sort
	}
	switch o := f.str("order"); o {
	case "", "asc":
	case "desc":
		q.Desc = true
	default:
		f.fail("order", "应为 asc 或 desc: %q", core.Excerpt(o))
	}
	if f.err != nil {
		return nil, f.err
	}
	page := userPage{Users: []userListed{}, PerPage: q.PerPage, Page: q.Page}
	if f.str("dingtalk_userid") != "" { // crmgw keeps no DingTalk ids: no user has the one asked for
		return page, nil
	}
	list, err := a.svc.ListUsers(ctx, caller, q)
	if err != nil {
		return nil, err
	}
	for _, u := range list.Items {
		page.Users = append(page.Users, userListed{ID: u.ID, Email: u.Email,
			CreatedAt: u.CreatedAt.In(caller.Location).Format(isoLayout), Name: displayName(u.User), Phone: u.Phone,
			RoleID: staffRole.ID, RoleJSON: staffRole, DepartmentID: u.DepartmentID, DepartmentName: u.DepartmentName})
	}
	page.TotalCount, page.HasNextPage = list.Total, int64(q.Page*q.PerPage) < list.Total
	return page, nil
}

// departmentOption is a department in GET /api/v2/user/department_list.
type departmentOption struct {
	ID       uint64  `json:"id"`
	Name     string  `json:"name"`
	Level    int     `json:"level"`
	ParentID *uint64 `json:"parent_id"`
	CanUse   bool    `json:"can_use"`
}

// departmentList answers GET /api/v2/user/department_list. crmgw's
// departments are flat: each is a top one, at level 1 with no parent.
func (a *Adapter) departmentList(ctx context.Context, caller core.Caller, p params) (any, error) {
	var except uint64
	if s := strings.TrimSpace(p.query.Get("except_id")); s != "" {
		id, why := parseID(s)
		if why != "" {
			return nil, invalid(fmt.Sprintf("except_id %s", why))
		}
		except = id
	}
	deps, err := a.svc.Departments(ctx, caller, except)
	if err != nil {
		return nil, err
	}
	out := departmentOptions{Options: make([]departmentOption, 0, len(deps))}
	for _, d := range deps {
		out.Options = append(out.Options, departmentOption{ID: d.ID, Name: d.Name, Level: 1, CanUse: true})
	}
	return out, nil
}

// departmentOptions is the department list's data.
type departmentOptions struct {
	Options []departmentOption `json:"options"`
}
