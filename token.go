package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"crmgw/app"
	"crmgw/core"
)

func newTokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens"}
	var tenant, user, department, value string
	var asJSON bool
	add := &cobra.Command{
		Use:   "add",
		Short: "Register a token for a user, creating the tenant, department and user when missing",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, func(a *app.App) error {
				ctx := cmd.Context()
				t, err := a.Service.EnsureTenant(ctx, tenant)
				if err != nil {
					return err
				}
				var deptID uint64
				if department != "" {
					d, err := a.Service.EnsureDepartment(ctx, t.ID, department)
					if err != nil {
						return err
					}
					deptID = d.ID
				}
				u, err := a.Service.EnsureUser(ctx, t.ID, user, deptID)
				if err != nil {
					return err
				}
				tok, err := a.Service.RegisterToken(ctx, t.ID, u.ID, value)
				if err != nil {
					return err
				}
				return printIdentity(cmd.OutOrStdout(), identity{tok, t.ID, u.ID, u.DepartmentID}, asJSON)
			})
		},
	}
	add.Flags().StringVar(&tenant, "tenant", "", "tenant name (required)")
	add.Flags().StringVar(&user, "user", "", "user login name (required)")
	add.Flags().StringVar(&department, "department", "", "department name")
	add.Flags().StringVar(&value, "value", "", "the token value a client already has (default: a new random token)")
	add.Flags().BoolVar(&asJSON, "json", false, `print {"token","tenant_id","user_id","department_id"}`)
	_ = add.MarkFlagRequired("tenant")
	_ = add.MarkFlagRequired("user")

	revoke := &cobra.Command{
		Use:   "revoke TOKEN",
		Short: "Revoke a token; it stops working on the next request",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withApp(cmd, func(a *app.App) error {
				if err := a.Service.RevokeToken(cmd.Context(), args[0]); err != nil {
					return err
				}
				fmt.Fprintln(cmd.ErrOrStderr(), "token revoked")
				return nil
			})
		},
	}

	var listTenant string
	list := &cobra.Command{
		Use:   "list",
		Short: "List a tenant's tokens (never their values)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, func(a *app.App) error {
				t, err := a.Service.FindTenant(cmd.Context(), listTenant)
				if err != nil {
					return err
				}
				tokens, err := a.Service.ListTokens(cmd.Context(), t.ID)
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "ID\tUSER\tSOURCE\tCREATED\tEXPIRES")
				for _, tk := range tokens {
					expires := "never"
					if tk.ExpiresAt != nil {
						expires = tk.ExpiresAt.UTC().Format(time.RFC3339)
					}
					fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\n", tk.ID, tk.UserName, tk.Source, tk.CreatedAt.UTC().Format(time.RFC3339), expires)
				}
				return w.Flush()
			})
		},
	}
	list.Flags().StringVar(&listTenant, "tenant", "", "tenant name (required)")
	_ = list.MarkFlagRequired("tenant")

	var importTenant string
	imp := &cobra.Command{
		Use:   "import FILE.csv",
		Short: "Register the tokens the old vendor's clients hold: a CSV of user, department, token; all or none",
		Long: `Registers, in one transaction, every token of a CSV file whose header names the columns
user (the login name, required), department (optional) and token (required), in any order.
Users and departments missing are made; a token already registered for its user is left as it is,
so a second run changes nothing. Any bad row (an empty user or token, a token twice in the file,
a token another user holds) is reported with its line, and nothing is registered.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			rows, err := readTokenCSV(args[0])
			if err != nil {
				return err
			}
			return withApp(cmd, func(a *app.App) error {
				ctx := cmd.Context()
				t, err := a.Service.FindTenant(ctx, importTenant)
				if err != nil {
					return fmt.Errorf("tenant %q: %w (crmgw tenant add makes one)", importTenant, err)
				}
				err = a.Service.InTransaction(ctx, func(tx *core.Service) error {
					for _, r := range rows {
						var deptID uint64
						if r.department != "" {
							d, err := tx.EnsureDepartment(ctx, t.ID, r.department)
							if err != nil {
								return fmt.Errorf("%s line %d: %w", args[0], r.line, err)
							}
							deptID = d.ID
						}
						u, err := tx.EnsureUser(ctx, t.ID, r.user, deptID)
						if err != nil {
							return fmt.Errorf("%s line %d: %w", args[0], r.line, err)
						}
						if _, err := tx.RegisterToken(ctx, t.ID, u.ID, r.token); err != nil {
							return fmt.Errorf("%s line %d: %w", args[0], r.line, err)
						}
					}
					return nil
				})
				if err != nil {
					return fmt.Errorf("%w; no token was registered", err)
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "%d tokens of tenant %s are registered (those that were already, as they were)\n", len(rows), t.Name)
				return nil
			})
		},
	}
	imp.Flags().StringVar(&importTenant, "tenant", "", "tenant name (required)")
	_ = imp.MarkFlagRequired("tenant")

	cmd.AddCommand(add, revoke, list, imp)
	return cmd
}

// tokenRow is one line of a token import.
type tokenRow struct {
	line                    int
	user, department, token string
}

// readTokenCSV reads and checks a token import's file: every problem of every
// line, or its rows.
func readTokenCSV(path string) ([]tokenRow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: no header line: %w", path, err)
	}
	col := map[string]int{}
	for i, name := range header {
		name = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(name, "\ufeff")))
		if name != "user" && name != "department" && name != "token" {
			return nil, fmt.Errorf("%s: column %q is none of user, department, token", path, name)
		}
		if _, dup := col[name]; dup {
			return nil, fmt.Errorf("%s: column %q twice", path, name)
		}
		col[name] = i
	}
	for _, need := range []string{"user", "token"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("%s: no column %q", path, need)
		}
	}
	cell := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var rows []tokenRow
	var problems []error
	seen := map[string]int{}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		row := tokenRow{line: line, user: cell(rec, "user"), department: cell(rec, "department"), token: cell(rec, "token")}
		switch {
		case row.user == "":
			problems = append(problems, fmt.Errorf("%s line %d: user is empty", path, line))
		case row.token == "":
			problems = append(problems, fmt.Errorf("%s line %d: token is empty", path, line))
		case seen[row.token] != 0:
			problems = append(problems, fmt.Errorf("%s line %d: the token of line %d again", path, line, seen[row.token]))
		default:
			seen[row.token] = line
			rows = append(rows, row)
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w\nno token was registered", errors.Join(problems...))
	}
	return rows, nil
}
