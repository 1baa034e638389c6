package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"gorm.io/gorm"

	"crmgw/config"
	"crmgw/core"
	"crmgw/gateway"
)

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "crmgw",
		Short:         "A compatibility gateway for legacy CRM APIs",
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE:          runServe,
		Version:       version(),
	}
	root.SetVersionTemplate("crmgw {{.Version}}\n")
	config.Flags(root.PersistentFlags())
	root.AddCommand(
		&cobra.Command{Use: "serve", Short: "Migrate the database, then serve every enabled dialect", Args: cobra.NoArgs, RunE: runServe},
		&cobra.Command{Use: "migrate", Short: "Create or upgrade the database schema", Args: cobra.NoArgs, RunE: runMigrate},
		newTokenCmd(), newSiteKeyCmd(), newUserCmd(), newTenantCmd(), newSeedCmd(), newVersionCmd(),
	)
	return root
}

// app is what every command needs: the configuration, a logger and the core service.
type app struct {
	cfg config.Config
	log *slog.Logger
	db  *gorm.DB
	svc *core.Service
}

// open loads the configuration, opens and migrates the database.
func open(cmd *cobra.Command) (*app, error) {
	cfg, err := config.Load(cmd.Flags())
	if err != nil {
		return nil, err
	}
	log := newLogger(cfg, cmd.ErrOrStderr())
	// The MySQL driver reports dropped connections on its own logger: into the process log with them.
	_ = mysql.SetLogger(slog.NewLogLogger(log.Handler(), slog.LevelWarn))
	db, err := core.OpenDB(cfg.DB.Driver, cfg.DB.DSN, core.SystemClock{})
	if err != nil {
		return nil, err
	}
	if cfg.DB.Driver == core.DriverMySQL {
		sqlDB, err := db.DB()
		if err != nil {
			return nil, err
		}
		sqlDB.SetMaxOpenConns(cfg.DB.MaxOpenConns)
		sqlDB.SetMaxIdleConns(cfg.DB.MaxOpenConns)
		sqlDB.SetConnMaxLifetime(cfg.DB.ConnMaxLifetime)
	}
	if err := core.Migrate(db); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return &app{cfg: cfg, log: log, db: db, svc: core.NewService(db, core.Options{TimeZone: cfg.TimeZone,
		RateLimit: cfg.RateLimit.PerSecond, RateBurst: cfg.RateLimit.Burst, MaxPageSize: cfg.Limits.MaxPageSize,
		Logins: loginLimits(cfg.Login)})}, nil
}

// loginLimits are the configured login limits in core's terms.
func loginLimits(l config.Login) core.LoginLimits {
	return core.LoginLimits{MaxFailures: l.MaxFailures, MaxFailuresPerName: l.MaxFailuresPerName, MaxFailuresPerAddress: l.MaxFailuresPerAddress,
		Window: l.FailureWindow, MaxHashing: l.MaxHashing, RefusalDelay: l.RefusalDelay}
}

// withApp opens the app, runs fn and closes it again.
func withApp(cmd *cobra.Command, fn func(a *app) error) error {
	a, err := open(cmd)
	if err != nil {
		return err
	}
	defer a.close()
	return fn(a)
}

func (a *app) close() {
	if sqlDB, err := a.db.DB(); err == nil {
		_ = sqlDB.Close()
	}
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel()}
	if cfg.Log.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func runServe(cmd *cobra.Command, _ []string) error {
	return withApp(cmd, func(a *app) error {
		ln, err := net.Listen("tcp", a.cfg.Listen)
		if err != nil {
			return err
		}
		var admin net.Listener // none when admin.listen is empty
		if a.cfg.Admin.Listen != "" {
			if admin, err = net.Listen("tcp", a.cfg.Admin.Listen); err != nil {
				ln.Close()
				return fmt.Errorf("admin.listen: %w", err)
			}
			a.log.Info("admin serving", "listen", admin.Addr().String())
		}
		ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		a.log.Info("serving", "listen", ln.Addr().String(), "db", a.cfg.DB.Driver)
		swept := make(chan struct{})
		go func() {
			defer close(swept)
			a.sweepTokensEvery(ctx, tokenSweepInterval)
		}()
		err = gateway.New(a.cfg, a.svc, a.log).Serve(ctx, ln, admin)
		stop() // Serve may also end on its own: the sweep ends with it, before the database closes
		<-swept
		return err
	})
}

// tokenSweepInterval is how often serve deletes expired login tokens.
const tokenSweepInterval = 5 * time.Minute

// sweepTokensEvery deletes expired login tokens at once and then every
// interval, until ctx is done. A failed sweep is logged; the next one retries.
func (a *app) sweepTokensEvery(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		n, err := a.svc.SweepTokens(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			a.log.Warn("sweeping expired tokens", "error", err)
		case n > 0:
			a.log.Info("swept expired tokens", "deleted", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func runMigrate(cmd *cobra.Command, _ []string) error {
	return withApp(cmd, func(a *app) error {
		if err := core.ConvertCollation(a.db); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		n, err := a.svc.SweepTokens(cmd.Context())
		if err != nil {
			return fmt.Errorf("migrate: sweeping expired tokens: %w", err)
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "schema is up to date; %d expired tokens deleted\n", n)
		return nil
	})
}

// identity is what `token add --json` and `seed --json` print.
type identity struct {
	Token        string `json:"token"`
	TenantID     uint64 `json:"tenant_id"`
	UserID       uint64 `json:"user_id"`
	DepartmentID uint64 `json:"department_id"`
}

// printIdentity prints the token alone on a line, or the identity as JSON.
func printIdentity(w io.Writer, id identity, asJSON bool) error {
	if !asJSON {
		_, err := fmt.Fprintln(w, id.Token)
		return err
	}
	return json.NewEncoder(w).Encode(id)
}

func newTokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage API tokens"}
	var tenant, user, department, value string
	var asJSON bool
	add := &cobra.Command{
		Use:   "add",
		Short: "Register a token for a user, creating the tenant, department and user when missing",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, func(a *app) error {
				ctx := cmd.Context()
				t, err := a.svc.EnsureTenant(ctx, tenant)
				if err != nil {
					return err
				}
				var deptID uint64
				if department != "" {
					d, err := a.svc.EnsureDepartment(ctx, t.ID, department)
					if err != nil {
						return err
					}
					deptID = d.ID
				}
				u, err := a.svc.EnsureUser(ctx, t.ID, user, deptID)
				if err != nil {
					return err
				}
				tok, err := a.svc.RegisterToken(ctx, t.ID, u.ID, value)
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
			return withApp(cmd, func(a *app) error {
				if err := a.svc.RevokeToken(cmd.Context(), args[0]); err != nil {
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
			return withApp(cmd, func(a *app) error {
				t, err := a.svc.FindTenant(cmd.Context(), listTenant)
				if err != nil {
					return err
				}
				tokens, err := a.svc.ListTokens(cmd.Context(), t.ID)
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

func newSiteKeyCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "sitekey", Short: "Manage the site keys of tenants' web shops (WebApi ECommerce handlers)"}
	var tenant, value string
	add := &cobra.Command{
		Use:   "add",
		Short: "Register a site key for a tenant, creating the tenant when missing; prints the key",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, func(a *app) error {
				t, err := a.svc.EnsureTenant(cmd.Context(), tenant)
				if err != nil {
					return err
				}
				key, err := a.svc.RegisterSiteKey(cmd.Context(), t.ID, value)
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
			return withApp(cmd, func(a *app) error {
				if err := a.svc.RevokeSiteKey(cmd.Context(), args[0]); err != nil {
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

func newUserCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage users"}
	var tenant, user string
	passwd := &cobra.Command{
		Use:   "passwd",
		Short: "Set a user's password, read from the first line of standard input",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			line, err := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
			if err != nil && !errors.Is(err, io.EOF) {
				return err
			}
			password := strings.TrimRight(line, "\r\n")
			return withApp(cmd, func(a *app) error {
				t, err := a.svc.FindTenant(cmd.Context(), tenant)
				if err != nil {
					return err
				}
				if err := a.svc.SetPassword(cmd.Context(), t.ID, user, password); err != nil {
					return err
				}
				fmt.Fprintln(cmd.ErrOrStderr(), "password set")
				return nil
			})
		},
	}
	passwd.Flags().StringVar(&tenant, "tenant", "", "tenant name (required)")
	passwd.Flags().StringVar(&user, "user", "", "user login name (required)")
	_ = passwd.MarkFlagRequired("tenant")
	_ = passwd.MarkFlagRequired("user")
	cmd.AddCommand(passwd)
	return cmd
}

func newTenantCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "tenant", Short: "Manage tenants"}
	var tenant, prefix string
	var approval, opportunities bool
	set := &cobra.Command{
		Use:   "set",
		Short: "Change a tenant's settings; those not given stay as they are",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, func(a *app) error {
				t, err := a.svc.FindTenant(cmd.Context(), tenant)
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
				if err := a.svc.SetTenantSettings(cmd.Context(), t.ID, in); err != nil {
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

func newSeedCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "seed", Short: "Fill the database with example data"}
	var asJSON bool
	demo := &cobra.Command{
		Use:   "demo",
		Short: "Create the demo tenant with this month's figures and print a token for it",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, func(a *app) error {
				stderr := cmd.ErrOrStderr()
				res, err := a.svc.SeedDemo(cmd.Context(), func(line string) { fmt.Fprintln(stderr, "seeded", line) })
				if err != nil {
					return err
				}
				if res.Created {
					fmt.Fprintf(stderr, "demo tenant %q (id %d) created; the token below is for its user zhangsan\n", core.DemoTenant, res.TenantID)
				} else {
					fmt.Fprintf(stderr, "demo tenant %q (id %d) already has its data; issued a new token for zhangsan\n", core.DemoTenant, res.TenantID)
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
	var spec core.BenchSpec
	var asJSON bool
	bench := &cobra.Command{
		Use:   "bench",
		Short: "Fill tenants bench-01 … with reproducible data for the benchmarks and print a token of the first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd, func(a *app) error {
				stderr := cmd.ErrOrStderr()
				bar := progressbar.NewOptions(spec.Customers+spec.Contracts+spec.FollowUps,
					progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("seeding"),
					progressbar.OptionShowCount(), progressbar.OptionShowIts(),
					progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }))
				start := time.Now()
				res, sum, err := a.svc.SeedBench(cmd.Context(), spec, func(rows int) { _ = bar.Add(rows) })
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
