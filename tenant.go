package main

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"crmgw/adapters/ikcrm"
	"crmgw/app"
)

func newTenantCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "tenant", Short: "Manage tenants"}
	var tenant, prefix, devices string
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
				if flags.Changed("ikcrm-devices") {
					in.Devices = nil
					for _, d := range strings.Split(devices, ",") {
						if d = strings.TrimSpace(d); d == "" {
							continue
						}
						if !slices.Contains(ikcrm.Devices, d) {
							return fmt.Errorf("--ikcrm-devices: %q is none of %s", d, strings.Join(ikcrm.Devices, ", "))
						}
						in.Devices = append(in.Devices, d)
					}
				}
				if err := a.Service.SetTenantSettings(cmd.Context(), t.ID, in); err != nil {
					return err
				}
				allowed := "any"
				if len(in.Devices) > 0 {
					allowed = strings.Join(in.Devices, ",")
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "tenant %s: contract approval %t, contracts numbered %s000001…, opportunities %t, ikcrm devices %s\n",
					t.Name, in.ContractApproval, in.ContractPrefix, in.Opportunities, allowed)
				return nil
			})
		},
	}
	set.Flags().StringVar(&tenant, "tenant", "", "tenant name (required)")
	set.Flags().BoolVar(&approval, "contract-approval", false, "new contracts wait for approval (applying) instead of starting approved")
	set.Flags().StringVar(&prefix, "contract-prefix", "HT", "prefix of the numbers given to contracts created without an sn")
	set.Flags().BoolVar(&opportunities, "opportunities", false, "the tenant uses opportunities (yunzmall statistics show opportunity_count)")
	set.Flags().StringVar(&devices, "ikcrm-devices", "", "the ikcrm devices the tenant's clients may use, comma-separated (of "+
		strings.Join(ikcrm.Devices, ", ")+"); empty: all of them")
	_ = set.MarkFlagRequired("tenant")
	cmd.AddCommand(set)
	return cmd
}
