package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/chalice-go/chalice/internal/deploy"
)

// awsFlags adds the flags every AWS command has.
func awsFlags(cmd *cobra.Command, o *deploy.Options) {
	f := cmd.Flags()
	f.StringVar(&o.Stage, "stage", "dev", "the stage to work on")
	f.StringVar(&o.Profile, "profile", "", "the AWS profile (default: AWS_PROFILE or default)")
	f.StringVar(&o.Region, "region", "", "the AWS region (default: AWS_REGION or the profile's)")
	f.DurationVar(&o.Poll, "poll-interval", time.Second, "how often to check on CloudFormation")
	f.MarkHidden("poll-interval")
}

// interactive says whether someone can answer a question: a terminal on
// both ends, and not CI.
func interactive() bool {
	return term.IsTerminal(int(os.Stdin.Fd())) && term.IsTerminal(int(os.Stdout.Fd())) && os.Getenv("CI") == ""
}

// colorful says whether w is a terminal that wants colour.
func colorful(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) && os.Getenv("NO_COLOR") == ""
}

// askYesNo asks on w and reads the answer from standard input.
func askYesNo(w io.Writer) func(string) (bool, error) {
	in := bufio.NewReader(os.Stdin)
	return func(q string) (bool, error) {
		fmt.Fprintf(w, "%s [y/N] ", q)
		line, err := in.ReadString('\n')
		if err != nil && line == "" {
			return false, err
		}
		a := strings.ToLower(strings.TrimSpace(line))
		return a == "y" || a == "yes", nil
	}
}

func newDeployCmd(g *globalOptions) *cobra.Command {
	var o deploy.Options
	var yes bool
	var output string
	cmd := &cobra.Command{
		Use:   "deploy",
		Short: "Deploy the app to AWS with a CloudFormation change set",
		Long: `Build the app for Lambda, upload the package to the deployment bucket (skipped
when unchanged), and deploy the stack <app_name>-<stage> with a CloudFormation
change set: the change set is shown, confirmed on a terminal (--yes skips the
question; runs without a terminal never ask), executed, and the stack's events
are followed until it settles. The stack's outputs are printed and recorded in
.chalice/deployed/<stage>.json.

The deployment bucket is deployment_bucket from the config, or one chalice
creates per region (stack chalice-managed-<region>). Credentials and region
come from the standard AWS chain: --profile, --region, AWS_* variables,
~/.aws/config.`,
		Example: `  chalice deploy
  chalice deploy --stage prod --profile prod --yes
  chalice deploy --no-execute          # show the change set only
  chalice deploy --output json | jq -r .outputs.EndpointURL`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "text" && output != "json" {
				return fmt.Errorf("--output %q: use text or json", output)
			}
			o.ProjectDir, o.Version, o.Out = g.projectDir, versionString(), g.stderr
			o.Color = colorful(g.stderr)
			if !yes && interactive() {
				o.Confirm = askYesNo(g.stderr)
			}
			res, err := deploy.Deploy(cmd.Context(), o)
			if err != nil {
				return err
			}
			if res.Record == nil {
				return nil // --no-execute: the change set was shown
			}
			if output == "json" {
				return writeJSON(g.stdout, res.Record)
			}
			writeOutputs(g.stdout, res.Record)
			return nil
		},
	}
	awsFlags(cmd, &o)
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&o.NoExecute, "no-execute", false, "create and show the change set, do not execute it")
	cmd.Flags().StringVar(&output, "output", "text", "text or json")
	return cmd
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func writeOutputs(w io.Writer, rec *deploy.Record) {
	fmt.Fprintf(w, "Stack %s (%s):\n", rec.StackName, rec.Region)
	for _, k := range deploy.OutputOrder(rec.Outputs) {
		fmt.Fprintf(w, "  %-15s %s\n", k+":", rec.Outputs[k])
	}
}

func newDeleteCmd(g *globalOptions) *cobra.Command {
	var o deploy.Options
	cmd := &cobra.Command{
		Use:   "delete",
		Short: "Delete the stage's stack from AWS",
		Long: `Delete the CloudFormation stack <app_name>-<stage> and follow it until it is
gone, then remove .chalice/deployed/<stage>.json. A stack that does not exist
is not an error. Uploaded packages stay in the deployment bucket unless
--purge-artifacts.`,
		Example: `  chalice delete
  chalice delete --stage prod --purge-artifacts`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.ProjectDir, o.Version, o.Out = g.projectDir, versionString(), g.stderr
			o.Color = colorful(g.stderr)
			return deploy.Delete(cmd.Context(), o)
		},
	}
	awsFlags(cmd, &o)
	cmd.Flags().BoolVar(&o.PurgeArtifacts, "purge-artifacts", false, "also delete the uploaded deployment package")
	return cmd
}

func newURLCmd(g *globalOptions) *cobra.Command {
	var o deploy.Options
	var output string
	cmd := &cobra.Command{
		Use:   "url",
		Short: "Print the deployed stage's endpoint URL",
		Long:  `Print the REST API endpoint of the stage, from .chalice/deployed/<stage>.json.`,
		Example: `  chalice url
  curl -s "$(chalice url --stage prod)cities/seattle"
  chalice url --output json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.ProjectDir = g.projectDir
			rec, err := deploy.URL(o)
			if err != nil {
				return err
			}
			if output == "json" {
				return writeJSON(g.stdout, map[string]string{"stage": rec.Stage, "url": rec.Outputs["EndpointURL"], "region": rec.Region, "stack_name": rec.StackName})
			}
			fmt.Fprintln(g.stdout, rec.Outputs["EndpointURL"])
			return nil
		},
	}
	cmd.Flags().StringVar(&o.Stage, "stage", "dev", "the stage")
	cmd.Flags().StringVar(&output, "output", "text", "text or json")
	return cmd
}
