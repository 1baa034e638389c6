package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"crmgw/app"
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

	cmd.AddCommand(add, revoke, list)
	return cmd
}
