package main

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"crmgw/app"
	"crmgw/core"
)

func newDiffCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "diff", Short: "What the mirror saw: crmgw's answers compared with the upstreams'"}
	var dialect string
	var topFields int
	var asJSON bool
	report := &cobra.Command{
		Use:   "report",
		Short: "Per endpoint compared: how many answers were identical, different or failed, and the fields that differed most",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if topFields < 1 {
				return fmt.Errorf("--fields: %d is less than 1", topFields)
			}
			return withApp(cmd, func(a *app.App) error {
				// A misspelt name would report nothing, as if every answer matched.
				if _, ok := a.Config.Dialects[dialect]; dialect != "" && !ok {
					return fmt.Errorf("--dialect: %q is no dialect (the dialects are %s)", dialect,
						strings.Join(slices.Sorted(maps.Keys(a.Config.Dialects)), ", "))
				}
				reports, err := a.Service.MirrorReport(cmd.Context(), dialect, topFields)
				if err != nil {
					return err
				}
				rows := diffRows(reports)
				if asJSON {
					return json.NewEncoder(cmd.OutOrStdout()).Encode(rows)
				}
				return printDiffReport(cmd.OutOrStdout(), rows)
			})
		},
	}
	report.Flags().StringVar(&dialect, "dialect", "", "only this dialect's endpoints (default: every dialect's)")
	report.Flags().IntVar(&topFields, "fields", 5, "the most frequent differing fields shown per endpoint")
	report.Flags().BoolVar(&asJSON, "json", false, "print a JSON array")
	cmd.AddCommand(report)
	return cmd
}

// diffEndpoint is an endpoint as `diff report --json` prints it.
type diffEndpoint struct {
	Dialect   string      `json:"dialect"`
	Endpoint  string      `json:"endpoint"`
	Compared  int64       `json:"compared"`
	Identical int64       `json:"identical"`
	Different int64       `json:"different"`
	Errors    int64       `json:"errors"`
	LastError string      `json:"last_error,omitempty"`
	Fields    []diffField `json:"fields"`
}

// diffField is a differing field as `diff report --json` prints it.
type diffField struct {
	Path   string    `json:"path"`
	Count  int64     `json:"count"` // the comparisons it differed in
	SeenAt time.Time `json:"seen_at"`
	// The newest example kept: both empty once pruned, or with mirror.max_examples 0.
	Upstream string `json:"upstream"`
	Local    string `json:"local"`
}

func diffRows(reports []core.EndpointReport) []diffEndpoint {
	rows := make([]diffEndpoint, len(reports))
	for i, r := range reports {
		fields := make([]diffField, len(r.Fields))
		for j, f := range r.Fields {
			fields[j] = diffField{Path: f.Path, Count: f.Count, SeenAt: f.SeenAt.UTC(), Upstream: f.Example.Upstream, Local: f.Example.Local}
		}
		rows[i] = diffEndpoint{Dialect: r.Dialect, Endpoint: r.Endpoint, Compared: r.Compared, Identical: r.Identical,
			Different: r.Different, Errors: r.Errors, LastError: r.LastError, Fields: fields}
	}
	return rows
}

// printDiffReport prints a block per endpoint: its counters, its last error,
// then a line per differing field with its example.
func printDiffReport(w io.Writer, rows []diffEndpoint) error {
	if len(rows) == 0 {
		_, err := fmt.Fprintln(w, "no comparisons recorded")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for i, r := range rows {
		if i > 0 {
			fmt.Fprintln(tw)
		}
		fmt.Fprintf(tw, "%s %s: compared %d, identical %d, different %d, errors %d\n",
			r.Dialect, r.Endpoint, r.Compared, r.Identical, r.Different, r.Errors)
		if r.LastError != "" {
			fmt.Fprintf(tw, "  last error: %s\n", printable(r.LastError))
		}
		for _, f := range r.Fields {
			fmt.Fprintf(tw, "  %s\t%d×\tlast seen %s\tupstream %s\tcrmgw %s\n", printable(f.Path), f.Count,
				f.SeenAt.Format(time.DateTime)+" UTC", shown(f.Upstream), shown(f.Local))
		}
	}
	return tw.Flush()
}

// shown is a value as the report prints it: "-" for none.
func shown(v string) string {
	if v == "" {
		return "-"
	}
	return printable(v)
}

// printable is s on one line of a terminal: the values come from the
// upstream's answers, and a newline, a tab or an escape sequence among them
// would break the table or drive the terminal. Each control character is
// written as Go writes it in a string.
func printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			q := fmt.Sprintf("%+q", string(r))
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
