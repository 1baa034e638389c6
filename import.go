package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"crmgw/adapters/ikcrm"
	"crmgw/adapters/oa"
	"crmgw/adapters/qcy"
	"crmgw/app"
	"crmgw/core"
	"crmgw/migration"
)

func newImportCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "import", Short: "Move a company's data in from its old vendor's API or a file, its ids kept"}
	var tenant string
	var dryRun bool
	file := &cobra.Command{
		Use:   "file PATH",
		Short: "Import an .xlsx workbook or a folder of CSV files (see docs/migration.md) into a tenant",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withApp(cmd, func(a *app.App) error {
				t, err := a.Service.FindTenant(cmd.Context(), tenant)
				if err != nil {
					return err
				}
				sheets, err := migration.Read(args[0])
				if err != nil {
					return err
				}
				stderr := cmd.ErrOrStderr()
				opt := migration.Options{DryRun: dryRun}
				var bar *progressbar.ProgressBar
				if isTerminal(stderr) && !dryRun {
					// The bar counts the rows written or skipped, after every row was checked.
					total := 0
					for _, s := range sheets {
						total += len(s.Rows)
					}
					fmt.Fprintf(stderr, "checking %d rows…\n", total)
					bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(stderr), progressbar.OptionSetDescription("importing"),
						progressbar.OptionShowCount(), progressbar.OptionShowIts(),
						progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }))
					opt.Progress = func(rows int) { _ = bar.Add(rows) }
				}
				start := time.Now()
				var res migration.Result
				err = recordRun(cmd.Context(), a.Service, t, "file", dryRun, func() ([]core.ImportCount, error) {
					res, err = migration.ImportSheets(cmd.Context(), a.Service, t, sheets, opt)
					counts := make([]core.ImportCount, len(res.Counts))
					for i, c := range res.Counts {
						counts[i] = core.ImportCount{Kind: c.Sheet, ImportStats: core.ImportStats{Read: c.Read, Written: c.Written,
							Skipped: c.Skipped, Refused: c.Refused}}
					}
					if err == nil && len(res.Problems) > 0 {
						err = fmt.Errorf("%d problems: nothing was written", len(res.Problems))
					}
					return counts, err
				})
				if bar != nil {
					_ = bar.Finish()
				}
				printImport(stderr, res)
				if err != nil {
					return err
				}
				verb := "imported"
				if dryRun {
					verb = "checked (dry run, nothing written)"
				}
				fmt.Fprintf(stderr, "%s %d rows into tenant %q in %s\n", verb, res.Rows(), t.Name, time.Since(start).Round(time.Millisecond))
				return nil
			})
		},
	}
	file.Flags().StringVar(&tenant, "tenant", "", "the tenant to import into (it must exist)")
	file.Flags().BoolVar(&dryRun, "dry-run", false, "check every row, core's checks included, and write nothing")
	_ = file.MarkFlagRequired("tenant")
	template := &cobra.Command{
		Use:   "template",
		Short: "Write the empty import workbook, its headers and an example row a sheet, to standard output",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			if isTerminal(out) {
				return errors.New("the template is an .xlsx file: send it to a file (crmgw import template > crmgw-import.xlsx)")
			}
			return migration.Template(out)
		},
	}
	cmd.AddCommand(file, template, newImportOACmd(), newImportQCYCmd(), newImportIkcrmCmd())
	return cmd
}

// importFlags are what every import from a vendor's API takes.
type importFlags struct {
	tenant, url, token string
	dryRun             bool
	timeout            time.Duration
}

func (f *importFlags) declare(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.tenant, "tenant", "", "the tenant to import into (required; crmgw tenant add makes one)")
	cmd.Flags().StringVar(&f.url, "url", "", "the old vendor's base URL (required), e.g. https://crm.example.com")
	cmd.Flags().StringVar(&f.token, "token", "", "a token of the old vendor's that sees every record")
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "read and check everything, write nothing")
	cmd.Flags().DurationVar(&f.timeout, "request-timeout", 30*time.Second, "how long one request to the old vendor may take")
	_ = cmd.MarkFlagRequired("tenant")
	_ = cmd.MarkFlagRequired("url")
}

func newImportOACmd() *cobra.Command {
	var f importFlags
	var login, password string
	cmd := &cobra.Command{
		Use:   "oa",
		Short: "Import a tenant from an OA server over its API: customers, contracts, receipts and payments out, their users",
		Long: `Reads, page by page, every record the OA's token sees — customers with their details, contracts with
their details and payments out, every receipt — and writes each into the tenant with the OA's id kept.
Users come with the records that name them; with --login and --password instead of --token, the
login's user also brings its department and this month's target. A second run adds nothing; a run
cut short is finished by the next. What the OA does not show (other departments, other targets,
tags, dictionaries) comes from crmgw import file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (f.token == "") == (login == "") {
				return fmt.Errorf("give --token, or --login with --password")
			}
			crawl := &oa.Crawl{Client: &http.Client{Timeout: f.timeout}, Base: strings.TrimRight(f.url, "/"), Token: f.token,
				Login: login, Password: password, DryRun: f.dryRun}
			return runImport(cmd, f, "oa", func(ctx context.Context, im *core.Import, progress func(string, int)) error {
				crawl.Progress = progress
				return crawl.Run(ctx, im)
			})
		},
	}
	f.declare(cmd)
	cmd.Flags().StringVar(&login, "login", "", "an OA user's login name, instead of --token")
	cmd.Flags().StringVar(&password, "password", "", "that user's password")
	return cmd
}

func newImportQCYCmd() *cobra.Command {
	var f importFlags
	var orgID uint64
	var login, password string
	cmd := &cobra.Command{
		Use:   "qcy",
		Short: "Import a tenant from a 全程云 WebApi server over its API: dictionaries, customers and their contacts, their owners",
		Long: `Reads the default customer sign, every dictionary (BaseType 1–12, the customer type tree), every
customer page by page (Customer/GetAllList) and each customer's contacts (LinkMan/GetLinkManList),
and writes each into the tenant with the WebApi's id and times kept. Owners come with the customers
that name them, by id alone (login name user<id>). With --org-id, --login and --password instead of
--token, a token is got through Token/Get. A second run adds nothing; a run cut short is finished by
the next. What the WebApi does not list (follow-ups, contact plans, users' names and departments,
targets) comes from crmgw import file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (f.token == "") == (login == "") || login != "" && orgID == 0 {
				return fmt.Errorf("give --token, or --org-id with --login and --password")
			}
			crawl := &qcy.Crawl{Client: &http.Client{Timeout: f.timeout}, Base: strings.TrimRight(f.url, "/"), Token: f.token,
				OrgID: orgID, Login: login, Password: password, DryRun: f.dryRun}
			return runImport(cmd, f, "qcy", func(ctx context.Context, im *core.Import, progress func(string, int)) error {
				crawl.Progress = progress
				return crawl.Run(ctx, im)
			})
		},
	}
	f.declare(cmd)
	cmd.Flags().Uint64Var(&orgID, "org-id", 0, "the organisation's id at the WebApi (Token/Get's org_id), with --login")
	cmd.Flags().StringVar(&login, "login", "", "a WebApi user's login name, instead of --token")
	cmd.Flags().StringVar(&password, "password", "", "that user's password")
	return cmd
}

func newImportIkcrmCmd() *cobra.Command {
	var f importFlags
	cmd := &cobra.Command{
		Use:   "ikcrm",
		Short: "Import a tenant from an ikcrm server over its open API: users, customers, opportunities, contracts, payments, follow-ups",
		Long: `Reads, page by page, every record the ikcrm's token sees — departments and users, the field maps'
dictionaries, the custom field catalogues, customers with their contacts, opportunities, contracts
with their product lines, payment plans, payments received and follow-ups of every day — and writes
each into the tenant with the ikcrm's id and times kept. A second run adds nothing; a run cut short
is finished by the next. What the open API does not show (login names, targets, tag names,
payments out) comes from crmgw import file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.token == "" {
				return fmt.Errorf("give --token: a user_token of the ikcrm that sees every record")
			}
			crawl := &ikcrm.Crawl{Client: &http.Client{Timeout: f.timeout}, Base: strings.TrimRight(f.url, "/"), Token: f.token, DryRun: f.dryRun}
			return runImport(cmd, f, "ikcrm", func(ctx context.Context, im *core.Import, progress func(string, int)) error {
				crawl.Progress = progress
				return crawl.Run(ctx, im)
			})
		},
	}
	f.declare(cmd)
	return cmd
}

// runImport runs one import into the tenant, with a progress bar on a
// terminal, and prints its summary whether it ends well or not.
func runImport(cmd *cobra.Command, f importFlags, kind string, run func(context.Context, *core.Import, func(string, int)) error) error {
	return withApp(cmd, func(a *app.App) error {
		ctx := cmd.Context()
		t, err := a.Service.FindTenant(ctx, f.tenant)
		if err != nil {
			return fmt.Errorf("tenant %q: %w (crmgw tenant add makes one)", f.tenant, err)
		}
		stderr := cmd.ErrOrStderr()
		bar := progressBar(stderr, -1, "importing")
		im := a.Service.NewImport(t)
		start := time.Now()
		err = recordRun(ctx, a.Service, t, kind, f.dryRun, func() ([]core.ImportCount, error) {
			err := run(ctx, im, func(kind string, rows int) {
				bar.Describe(kind)
				_ = bar.Add(rows)
			})
			return core.ImportCounts(im.Stats), err
		})
		_ = bar.Finish()
		verb := "imported"
		if f.dryRun {
			verb = "checked (dry run: nothing written)"
		}
		fmt.Fprintf(stderr, "%s into tenant %s in %s:\n", verb, t.Name, time.Since(start).Round(time.Millisecond))
		printImportStats(stderr, im.Stats)
		return err
	})
}

// recordRun runs an import of kind into t and records the run, with what
// it did and how it ended, for the console's list of imports.
func recordRun(ctx context.Context, svc *core.Service, t core.Tenant, kind string, dryRun bool,
	run func() ([]core.ImportCount, error)) error {
	id, err := svc.StartImportRun(ctx, t.ID, kind, dryRun)
	if err != nil {
		return err
	}
	counts, runErr := run()
	msg := ""
	if runErr != nil {
		msg = redactedError(runErr)
	}
	// Recorded even when the run was interrupted: the record says so.
	if err := svc.FinishImportRun(context.WithoutCancel(ctx), id, counts, msg); err != nil {
		return errors.Join(runErr, err)
	}
	return runErr
}

// redactedError is err's message with the URL of any request that failed
// cut to its scheme, host and path: a vendor's token travels in the query
// (the OA's access_token, the WebApi's token), and the message is stored.
// The URL is cut in err itself, so the message printed is the same.
func redactedError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			u.RawQuery, u.Fragment, u.User = "", "", nil
			ue.URL = u.String()
		} else {
			ue.URL = "(an unreadable URL)"
		}
	}
	return err.Error()
}

// printImportStats prints what an import did, kind by kind.
func printImportStats(w io.Writer, stats map[string]*core.ImportStats) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "KIND\tREAD\tWRITTEN\tSKIPPED\tREFUSED\t")
	for _, kind := range core.ImportKinds {
		if st := stats[kind]; st != nil {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t\n", kind, st.Read, st.Written, st.Skipped, st.Refused)
		}
	}
	_ = tw.Flush()
}

// progressBar is a bar of total steps (-1: unknown) on w when w is a
// terminal, and silent otherwise: logs and pipes get the summary alone.
func progressBar(w io.Writer, total int, description string) *progressbar.ProgressBar {
	return progressbar.NewOptions(total, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(description),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetVisibility(isTerminal(w)),
		progressbar.OptionThrottle(100*time.Millisecond), progressbar.OptionOnCompletion(func() {
			if isTerminal(w) {
				fmt.Fprintln(w)
			}
		}))
}

// isTerminal tells whether w is a terminal: a progress bar is drawn there
// only, and binary is never written there.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// printImport prints the problems, then a line a sheet of what was done.
func printImport(w io.Writer, res migration.Result) {
	for _, p := range res.Problems {
		fmt.Fprintln(w, p)
	}
	if len(res.Counts) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "sheet\tread\twritten\tskipped\trefused\t")
	for _, c := range res.Counts {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t\n", c.Sheet, c.Read, c.Written, c.Skipped, c.Refused)
	}
	_ = tw.Flush()
}
