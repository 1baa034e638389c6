package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"crmgw/app"
)

func newTenantCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "tenant", Short: "Manage tenants"}
	var tenant, prefix string
	var approval, opportunities bool
	set := &cobra.Command{
		Use:   "set",
		Short: "Change a tenant's settings; those not given stay as they are",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, func(a *app.App) error {
				t, err := a.Service.FindTenant(cmd.Context(), tenant)
				if err != nil {
					return err
				}
				in := t.Settings()
				flags := cmd.Flags()
				if flags.Changed("contract-approval") {
					in.ContractApproval = approval
				}
				if flags.Changed("contract-prefix") {
					in.ContractPrefix = prefix
				}
				if flags.Changed("opportunities") {
					in.Opportunities = opportunities
				}
				if err := a.Service.SetTenantSettings(cmd.Context(), t.ID, in); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "tenant %s: contract approval %t, contracts numbered %s000001…, opportunities %t\n",
					t.Name, in.ContractApproval, in.ContractPrefix, in.Opportunities)
				return nil
			})
		},
	}
	set.Flags().StringVar(&tenant, "tenant", "", "tenant name (required)")
	set.Flags().BoolVar(&approval, "contract-approval", false, "new contracts wait for approval (applying) instead of starting approved")
	set.Flags().StringVar(&prefix, "contract-prefix", "HT", "prefix of the numbers given to contracts created without an sn")
	set.Flags().BoolVar(&opportunities, "opportunities", false, "the tenant uses opportunities (yunzmall statistics show opportunity_count)")
	_ = set.MarkFlagRequired("tenant")
	cmd.AddCommand(set)
	return cmd
}
