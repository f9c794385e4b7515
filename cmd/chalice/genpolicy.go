package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/chalice-go/chalice/internal/policy"
	"github.com/chalice-go/chalice/internal/project"
)

func newGenPolicyCmd(g *globalOptions) *cobra.Command {
	var stage string
	cmd := &cobra.Command{
		Use:   "gen-policy",
		Short: "Print the IAM policy the app's AWS calls need",
		Long: `Type-check the app (its main package and the packages of its module that it
imports), find its aws-sdk-go-v2 calls (clients, interfaces they satisfy,
paginators, waiters, presign clients, the S3 transfer managers) and print the
least-privilege policy for its Lambda role: CloudWatch Logs, then one
statement per service.

With "autogen_policy" (the default), package and deploy use this policy and
save it as .chalice/policy-<stage>.json; with "autogen_policy": false they
read that file (or iam_policy_file) instead.`,
		Example: `  chalice gen-policy
  chalice gen-policy > .chalice/policy-prod.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := project.Load(g.projectDir)
			if err != nil {
				return err
			}
			st, err := p.Config.Stage(stage)
			if err != nil {
				return err
			}
			api, err := st.Function(project.APIHandlerName)
			if err != nil {
				return err
			}
			start := time.Now()
			r, err := policy.Analyze(cmd.Context(), p.Dir)
			if err != nil {
				return err
			}
			out, err := policy.Encode(policy.Document(r))
			if err != nil {
				return err
			}
			g.stdout.Write(out)
			fmt.Fprintf(g.stderr, "Analysed %d package(s) in %.2fs: %d AWS call(s).\n", r.Packages, time.Since(start).Seconds(), len(r.Calls))
			if g.debug {
				for _, c := range r.Calls {
					fmt.Fprintf(g.stderr, "  %s: %s %s\n", c.Position, c.Service, c.Operation)
				}
			}
			if len(r.Unknown) > 0 {
				fmt.Fprintf(g.stderr, "Warning: no IAM prefix known for %v; the package name was used. Check those actions.\n", r.Unknown)
			}
			switch {
			case !api.ManageIAMRole:
				fmt.Fprintf(g.stderr, "Note: stage %s runs as iam_role_arn (manage_iam_role is false); this policy is not used.\n", st.Name)
			case !api.AutogenPolicy:
				fmt.Fprintf(g.stderr, "Note: stage %s has autogen_policy false; package and deploy read the policy file instead.\n", st.Name)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&stage, "stage", "dev", "the stage whose configuration to check")
	return cmd
}
