package test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestIKCRMUserList(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedIKContracts(e)
		ctx := context.Background()
		sales, err := e.svc.EnsureDepartment(ctx, o.tenant.ID, "销售部")
		e.must(err)
		u, err := e.svc.EnsureUser(ctx, o.tenant.ID, "zhang", sales.ID)
		e.must(err)
		e.must(e.svc.SetRealName(ctx, o.tenant.ID, u.ID, "张三"))
		e.must(e.db.Table("users").Where("id = ?", u.ID).Update("phone", "13900000000").Error)

		// PA: sort=superior_id&order=asc, read by a C# model whose ints are non-nullable.
		status, body := e.ikGet("/api/v2/user/list?page=1&per_page=200&sort=superior_id&order=asc&user_token="+ikToken+"&device=open_api", "")
		ikData(t, status, body)
		golden(t, "ikcrm/user_list", body)
		var typed struct {
			Data struct {
				Users []struct {
					ID           int64 `json:"id"`
					RoleID       int64 `json:"role_id"`
					DepartmentID int64 `json:"department_id"`
					SuperiorID   int64 `json:"superior_id"`
					RoleJSON     struct {
						ID int64 `json:"id"`
					} `json:"role_json"`
				} `json:"users"`
				TotalCount int64 `json:"total_count"`
			} `json:"data"`
		}
		// Go reads a null into an int as 0 where Json.NET throws: none may be there.
		if strings.Contains(string(body), "null") {
			t.Errorf("a null where a C# client reads a number: %s", body)
		}
		if err := json.Unmarshal(body, &typed); err != nil || typed.Data.TotalCount != 4 || len(typed.Data.Users) != 4 {
			t.Errorf("the list read as typed (%v): %s", err, body)
		}
		for query, want := range map[string]string{
			"name=张":            "张三",
			"name=zha":          "张三",
			"phone=13900000000": "张三",
			fmt.Sprintf("department_id=%d", sales.ID):              "张三",
			fmt.Sprintf("user_id=%d", u.ID):                        "张三",
			fmt.Sprintf("except_user_id=%d&name=peer", o.peers[0]): "peer2",
			"sort=name&order=desc&per_page=1":                      "张三",
			"dingtalk_userid=manager123":                           "",
			"department_id=&name=张":                                "张三",
		} {
			status, body := e.ikGet("/api/v2/user/list?"+query, ikAuth)
			d := ikData(t, status, body)
			var got []string
			for _, item := range d["users"].([]any) {
				got = append(got, item.(map[string]any)["name"].(string))
			}
			if strings.Join(got, ",") != want {
				t.Errorf("%s: %v, want %s", query, got, want)
			}
		}
		for _, query := range []string{"sort=salary", "order=up", "user_id=abc", "page=x"} {
			if _, body := e.ikGet("/api/v2/user/list?"+query, ikAuth); !strings.Contains(string(body), `"code":100422`) {
				t.Errorf("%s: %s", query, body)
			}
		}
	})
}

func TestIKCRMDepartmentList(t *testing.T) {
	eachEngine(t, func(e *env) {
		o := seedIKContracts(e)
		sales, err := e.svc.EnsureDepartment(context.Background(), o.tenant.ID, "销售部")
		e.must(err)
		// AK walks id and parent_id; PA reads id and level into ints.
		status, body := e.ikGet("/api/v2/user/department_list?per_page=1000", ikAuth)
		ikData(t, status, body)
		golden(t, "ikcrm/department_list", body)
		_, body = e.ikGet(fmt.Sprintf("/api/v2/user/department_list?except_id=%d", sales.ID), ikAuth)
		if want := fmt.Sprintf(`{"code":0,"data":{"options":[{"id":%d,"name":"总裁办","level":1,"parent_id":null,"can_use":true}]}}`+"\n", o.department); string(body) != want {
			t.Errorf("except_id: %s, want %s", body, want)
		}
		if _, body := e.ikGet("/api/v2/user/department_list?except_id=x", ikAuth); !strings.Contains(string(body), `"code":100422`) {
			t.Errorf("except_id=x: %s", body)
		}
		if _, body := e.ikGet("/api/v2/user/department_list", ""); strings.Contains(string(body), "总裁办") || !strings.Contains(string(body), `"code":1000`) {
			t.Errorf("without credentials: %s", body)
		}
	})
}
