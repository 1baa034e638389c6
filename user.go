package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"crmgw/app"
)

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
			return withApp(cmd, func(a *app.App) error {
				t, err := a.Service.FindTenant(cmd.Context(), tenant)
				if err != nil {
					return err
				}
				if err := a.Service.SetPassword(cmd.Context(), t.ID, user, password); err != nil {
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
