package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/chalice-go/chalice/internal/scaffold"
)

func newNewProjectCmd(g *globalOptions) *cobra.Command {
	var o scaffold.Options
	cmd := &cobra.Command{
		Use:   "new-project NAME",
		Short: "Create a new chalice project",
		Long: `Create directory NAME with a hello-world app (main.go), its test
(main_test.go), a go.mod, .chalice/config.json and .gitignore.

When this chalice was built from a checkout, the new go.mod points at that
checkout with a replace directive, so the project builds without fetching
chalice from the module proxy; --chalice-source (or CHALICE_SOURCE_DIR)
names another checkout.`,
		Example: `  chalice new-project helloworld
  cd helloworld && go test ./... && chalice routes`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.Name = args[0]
			o.Progress = g.stderr
			dir, err := scaffold.Create(cmd.Context(), o)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "Created %s. Next:\n  cd %s\n  go test ./...\n  chalice routes\n", dir, dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&o.ChaliceSource, "chalice-source", "", "a chalice checkout for the new go.mod's replace directive")
	cmd.Flags().StringVar(&o.Parent, "dir", ".", "where to create the project")
	return cmd
}
