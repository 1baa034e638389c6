package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"crmgw/app"
	"crmgw/seed"
)

func newSeedCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "seed", Short: "Fill the database with example data"}
	var asJSON bool
	demo := &cobra.Command{
		Use:   "demo",
		Short: "Create the demo tenant with this month's figures and print a token for it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, func(a *app.App) error {
				stderr := cmd.ErrOrStderr()
				res, err := seed.Demo(cmd.Context(), a.Service, func(line string) { fmt.Fprintln(stderr, "seeded", line) })
				if err != nil {
					return err
				}
				if res.Created {
					fmt.Fprintf(stderr, "demo tenant %q (id %d) created; the token below is for its user zhangsan\n", seed.DemoTenant, res.TenantID)
				} else {
					fmt.Fprintf(stderr, "demo tenant %q (id %d) already has its data; issued a new token for zhangsan\n", seed.DemoTenant, res.TenantID)
				}
				return printIdentity(cmd.OutOrStdout(), identity{res.Token, res.TenantID, res.UserID, res.DepartmentID}, asJSON)
			})
		},
	}
	demo.Flags().BoolVar(&asJSON, "json", false, `print {"token","tenant_id","user_id","department_id"} as the last line`)
	cmd.AddCommand(demo, newSeedBenchCmd())
	return cmd
}

func newSeedBenchCmd() *cobra.Command {
	var spec seed.BenchSpec
	var asJSON bool
	bench := &cobra.Command{
		Use:   "bench",
		Short: "Fill tenants bench-01 … with reproducible data for the benchmarks and print a token of the first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, func(a *app.App) error {
				stderr := cmd.ErrOrStderr()
				bar := progressBar(stderr, spec.Customers+spec.Contracts+spec.FollowUps, "seeding")
				start := time.Now()
				res, sum, err := seed.Bench(cmd.Context(), a.Service, spec, func(rows int) { _ = bar.Add(rows) })
				if err != nil {
					return err
				}
				_ = bar.Finish()
				if res.Created {
					fmt.Fprintf(stderr, "seeded %d tenants, %d users, %d customers, %d contracts, %d payments, %d follow-ups, %d opportunities in %s\n",
						sum.Tenants, sum.Users, sum.Customers, sum.Contracts, sum.Payments, sum.FollowUps, sum.Opportunities, time.Since(start).Round(time.Millisecond))
				} else {
					fmt.Fprintf(stderr, "tenant bench-01 (id %d) already has its data; issued a new token for its first user\n", res.TenantID)
				}
				return printIdentity(cmd.OutOrStdout(), identity{res.Token, res.TenantID, res.UserID, res.DepartmentID}, asJSON)
			})
		},
	}
	f := bench.Flags()
	f.IntVar(&spec.Tenants, "tenants", 1, "tenants to fill")
	f.IntVar(&spec.Users, "users", 50, "users per tenant")
	f.IntVar(&spec.Customers, "customers", 50_000, "customers in all, shared by the tenants")
	f.IntVar(&spec.Contracts, "contracts", 100_000, "contracts in all")
	f.IntVar(&spec.FollowUps, "follow-ups", 200_000, "follow-up records in all")
	f.Uint64Var(&spec.Seed, "seed", 1, "random seed: the same seed gives the same data")
	f.BoolVar(&asJSON, "json", false, `print {"token","tenant_id","user_id","department_id"} as the last line`)
	return bench
}
