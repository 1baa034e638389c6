package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"crmgw/adapters/ikcrm"
	"crmgw/app"
	"crmgw/core"
)

func newTenantCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "tenant", Short: "Manage tenants"}
	var tenant, prefix, devices, corp string
	var approval, opportunities bool
	var shop, org, ikOrg uint64
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
				in.IDs = dialectIDFlags(cmd, shop, org, ikOrg, corp)
				if err := a.Service.SetTenantSettings(cmd.Context(), t.ID, in); err != nil {
					return err
				}
				if t, err = a.Service.FindTenant(cmd.Context(), tenant); err != nil {
					return err
				}
				allowed := "any"
				if len(in.Devices) > 0 {
					allowed = strings.Join(in.Devices, ",")
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "tenant %s: contract approval %t, contracts numbered %s000001…, opportunities %t, ikcrm devices %s; %s\n",
					t.Name, in.ContractApproval, in.ContractPrefix, in.Opportunities, allowed, t.DialectIDs())
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
	addDialectIDFlags(set, &shop, &org, &ikOrg, &corp)
	_ = set.MarkFlagRequired("tenant")

	var timeZone string
	add := &cobra.Command{
		Use:   "add",
		Short: "Make a tenant, with its ids in the dialects (its own id when not given)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, func(a *app.App) error {
				t, err := a.Service.AddTenant(cmd.Context(), tenant, timeZone, dialectIDFlags(cmd, shop, org, ikOrg, corp))
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "tenant %s (id %d, %s): %s\n", t.Name, t.ID, t.TimeZone, t.DialectIDs())
				return nil
			})
		},
	}
	add.Flags().StringVar(&tenant, "tenant", "", "tenant name (required)")
	add.Flags().StringVar(&timeZone, "time-zone", "", "the tenant's time zone, e.g. Asia/Shanghai (default: the configured one)")
	addDialectIDFlags(add, &shop, &org, &ikOrg, &corp)
	_ = add.MarkFlagRequired("tenant")

	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the tenants with their ids in the dialects",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, func(a *app.App) error {
				tenants, err := a.Service.Tenants(cmd.Context())
				if err != nil {
					return err
				}
				return printTenants(cmd.OutOrStdout(), tenants, asJSON)
			})
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	cmd.AddCommand(add, set, list)
	return cmd
}

// addDialectIDFlags declares the flags of a tenant's ids in the dialects.
func addDialectIDFlags(cmd *cobra.Command, shop, org, ikOrg *uint64, corp *string) {
	cmd.Flags().Uint64Var(shop, "yunzmall-id", 0, "the yunzmall shop id (/business/{id}/…, a member login's i)")
	cmd.Flags().Uint64Var(org, "qcy-org-id", 0, "the WebApi org_id (Token/Get)")
	cmd.Flags().Uint64Var(ikOrg, "ikcrm-org-id", 0, "the ikcrm organisation id (organization_id in its answers)")
	cmd.Flags().StringVar(corp, "ikcrm-corp-id", "", "the ikcrm corp_id its clients log in with; empty clears it")
}

// dialectIDFlags is the change the dialect id flags given ask for.
func dialectIDFlags(cmd *cobra.Command, shop, org, ikOrg uint64, corp string) core.TenantIDChange {
	var in core.TenantIDChange
	flags := cmd.Flags()
	if flags.Changed("yunzmall-id") {
		in.YunzmallShop = &shop
	}
	if flags.Changed("qcy-org-id") {
		in.QcyOrg = &org
	}
	if flags.Changed("ikcrm-org-id") {
		in.IkcrmOrg = &ikOrg
	}
	if flags.Changed("ikcrm-corp-id") {
		in.IkcrmCorp = &corp
	}
	return in
}

// tenantRow is a tenant as `tenant list --json` prints it.
type tenantRow struct {
	ID          uint64 `json:"id"`
	Name        string `json:"name"`
	TimeZone    string `json:"time_zone"`
	YunzmallID  uint64 `json:"yunzmall_id"`
	QcyOrgID    uint64 `json:"qcy_org_id"`
	IkcrmOrgID  uint64 `json:"ikcrm_org_id"`
	IkcrmCorpID string `json:"ikcrm_corp_id"`
}

func printTenants(w io.Writer, tenants []core.Tenant, asJSON bool) error {
	rows := make([]tenantRow, len(tenants))
	for i, t := range tenants {
		d := t.DialectIDs()
		rows[i] = tenantRow{t.ID, t.Name, t.TimeZone, d.YunzmallShop, d.QcyOrg, d.IkcrmOrg, d.IkcrmCorp}
	}
	if asJSON {
		return json.NewEncoder(w).Encode(rows)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tTIME ZONE\tYUNZMALL ID\tQCY ORG ID\tIKCRM ORG ID\tIKCRM CORP ID")
	for _, r := range rows {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%d\t%s\n", r.ID, r.Name, r.TimeZone, r.YunzmallID, r.QcyOrgID, r.IkcrmOrgID, r.IkcrmCorpID)
	}
	return tw.Flush()
}
