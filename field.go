package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"crmgw/app"
	"crmgw/core"
)

func newFieldCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "field", Short: "Manage a tenant's catalogue of custom fields"}
	var tenant string
	var d core.CustomFieldDefinition
	var options []string
	set := &cobra.Command{
		Use:   "set",
		Short: "Define a custom field (text_asset_<hex>, numeric_asset_<hex>, text_area_asset_<hex>), or redefine it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, o := range options {
				value, label, ok := strings.Cut(o, "=")
				if !ok {
					return fmt.Errorf("--option %q: sel_<hex>=label", o)
				}
				d.Options = append(d.Options, core.CustomFieldOption{Value: value, Label: label})
			}
			return withApp(cmd, func(a *app.App) error {
				t, err := a.Service.FindTenant(cmd.Context(), tenant)
				if err != nil {
					return err
				}
				f, err := a.Service.DefineCustomField(cmd.Context(), t.ID, d)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "tenant %s: %s %s is %q (%s, in %s, %d options)\n",
					t.Name, f.Entity, f.Key, f.Label, f.FieldType, f.GroupName, len(f.OptionList()))
				return nil
			})
		},
	}
	flags := set.Flags()
	flags.StringVar(&tenant, "tenant", "", "tenant name (required)")
	flags.StringVar(&d.Entity, "entity", "", "customer, contact, opportunity or contract (required)")
	flags.StringVar(&d.Key, "key", "", "the field's key, as clients send it (required)")
	flags.StringVar(&d.Label, "label", "", "the field's name, as clients show it (required)")
	flags.StringVar(&d.FieldType, "type", "", "text_field, number_field, text_area or select; by the key (select with options) when absent")
	flags.StringVar(&d.GroupName, "group", "", "the group it is listed in; "+core.DefaultFieldGroup+" when absent")
	flags.StringArrayVar(&options, "option", nil, "a select's option, sel_<hex>=label; repeat for each")
	flags.BoolVar(&d.Required, "required", false, "clients must fill it in")
	flags.IntVar(&d.Sort, "sort", 0, "its place in its group")
	for _, name := range []string{"tenant", "entity", "key", "label"} {
		_ = set.MarkFlagRequired(name)
	}
	cmd.AddCommand(set)
	return cmd
}
