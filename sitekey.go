package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"crmgw/app"
)

func newSiteKeyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "sitekey", Short: "Manage the site keys of tenants' web shops (WebApi ECommerce handlers)"}
	var tenant, value string
	add := &cobra.Command{
		Use:   "add",
		Short: "Register a site key for a tenant, creating the tenant when missing; prints the key",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, func(a *app.App) error {
				t, err := a.Service.EnsureTenant(cmd.Context(), tenant)
				if err != nil {
					return err
				}
				key, err := a.Service.RegisterSiteKey(cmd.Context(), t.ID, value)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(cmd.OutOrStdout(), key)
				return err
			})
		},
	}
	add.Flags().StringVar(&tenant, "tenant", "", "tenant name (required)")
	add.Flags().StringVar(&value, "value", "", "the site key the shop already has (default: a new random key)")
	_ = add.MarkFlagRequired("tenant")
	revoke := &cobra.Command{
		Use:   "revoke KEY",
		Short: "Revoke a site key; it stops working on the next request",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withApp(cmd, func(a *app.App) error {
				if err := a.Service.RevokeSiteKey(cmd.Context(), args[0]); err != nil {
					return err
				}
				fmt.Fprintln(cmd.ErrOrStderr(), "site key revoked")
				return nil
			})
		},
	}
	cmd.AddCommand(add, revoke)
	return cmd
}
