package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/chalice-go/chalice/internal/packager"
)

func newPackageCmd(g *globalOptions) *cobra.Command {
	var o packager.Options
	cmd := &cobra.Command{
		Use:   "package OUT",
		Short: "Write a SAM template and the deployment zip to directory OUT",
		Long: `Build the app for Lambda and write OUT/sam.json (or sam.yaml) with
OUT/deployment.zip. The template is a SAM template: deploy it with
"sam deploy" or "aws cloudformation package/deploy", or try it with
"sam local start-api -t OUT/sam.json".

--merge-template deep-merges a JSON or YAML template of yours into the output
(your keys win; lists are replaced), to add resources such as a DynamoDB table.`,
		Example: `  chalice package out
  chalice package --stage prod --template-format yaml out
  chalice package --merge-template resources.yaml out`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.ProjectDir = g.projectDir
			o.OutDir = args[0]
			o.Progress = g.stderr
			o.Version = versionString()
			res, err := packager.Package(cmd.Context(), o)
			if err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "Wrote %s (%d resources, %d bytes) and %s (sha256 %s).\n",
				res.Template, res.Resources, res.TemplateLen, res.Zip, res.ZipSHA256[:12])
			fmt.Fprintf(g.stdout, "Run it locally with: sam local start-api -t %s\n", res.Template)
			if res.PolicyFile != "" {
				fmt.Fprintf(g.stdout, "Wrote the generated role policy to %s", res.PolicyFile)
				if len(res.PolicyAdded) > 0 {
					fmt.Fprintf(g.stdout, "; added %s", strings.Join(res.PolicyAdded, ", "))
				}
				if len(res.PolicyRemoved) > 0 {
					fmt.Fprintf(g.stdout, "; removed %s", strings.Join(res.PolicyRemoved, ", "))
				}
				fmt.Fprintln(g.stdout, ".")
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&o.Stage, "stage", "dev", "the stage whose configuration to use")
	cmd.Flags().StringVar(&o.Format, "template-format", "json", "json or yaml")
	cmd.Flags().StringVar(&o.MergeFile, "merge-template", "", "a JSON or YAML template to merge into the output")
	return cmd
}
