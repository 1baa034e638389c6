package main

import (
	"fmt"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"crmgw/app"
)

func newAdminCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "admin", Short: "Manage the operators' access to the console (/console/ on admin.listen)"}
	tokens := &cobra.Command{Use: "token", Short: "Manage admin tokens, the console's logins"}
	var name, value string
	add := &cobra.Command{
		Use:   "add",
		Short: "Register an admin token; without --value a new one is made and printed, once: only its hash is kept",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, func(a *app.App) error {
				v, id, err := a.Service.AddAdminToken(cmd.Context(), name, value)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "admin token %d registered\n", id)
				if value == "" {
					_, err = fmt.Fprintln(cmd.OutOrStdout(), v)
				}
				return err
			})
		},
	}
	add.Flags().StringVar(&name, "name", "", "who or what the token is for, as the list shows it")
	add.Flags().StringVar(&value, "value", "", "the token's value (default: a new random token, printed)")

	list := &cobra.Command{
		Use:   "list",
		Short: "List the admin tokens (never their values)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, func(a *app.App) error {
				tokens, err := a.Service.AdminTokens(cmd.Context())
				if err != nil {
					return err
				}
				w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
				fmt.Fprintln(w, "ID\tNAME\tCREATED")
				for _, t := range tokens {
					fmt.Fprintf(w, "%d\t%s\t%s\n", t.ID, t.Name, t.CreatedAt.UTC().Format(time.RFC3339))
				}
				return w.Flush()
			})
		},
	}

	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke an admin token by its id; its console sessions end at once",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("%q is not an admin token's id (crmgw admin token list shows them)", args[0])
			}
			return withApp(cmd, func(a *app.App) error {
				if err := a.Service.RevokeAdminToken(cmd.Context(), id); err != nil {
					return err
				}
				fmt.Fprintln(cmd.ErrOrStderr(), "admin token revoked")
				return nil
			})
		},
	}
	tokens.AddCommand(add, list, revoke)
	cmd.AddCommand(tokens)
	return cmd
}
