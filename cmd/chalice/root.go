package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/chalice-go/chalice/cfn"
)

// globalOptions are the flags every command has.
type globalOptions struct {
	projectDir string
	debug      bool
	stdout     io.Writer
	stderr     io.Writer
}

// version is set by the Makefile; otherwise the module version is used.
var version = ""

// versionString is chalice's version: set by -ldflags, else the module's.
func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

func chaliceVersion() string {
	return fmt.Sprintf("%s (%s %s/%s)", versionString(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

func newRootCmd(g *globalOptions) *cobra.Command {
	root := &cobra.Command{
		Use:   "chalice",
		Short: "Build, run and deploy Go serverless apps on API Gateway and Lambda",
		Long: `chalice for Go: declare routes on an app.App, then run them locally as API
Gateway + Lambda would, package them as a SAM template, and deploy them with
CloudFormation.`,
		Example: `  chalice new-project helloworld
  cd helloworld && go test ./...
  chalice routes`,
		Version:       chaliceVersion(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(g.stdout)
	root.SetErr(g.stderr)
	root.PersistentFlags().StringVar(&g.projectDir, "project-dir", ".", "the project's directory (where .chalice/config.json is)")
	root.PersistentFlags().BoolVar(&g.debug, "debug", false, "print more detail about what chalice does")
	root.AddCommand(newNewProjectCmd(g), newRoutesCmd(g), newPackageCmd(g), newLocalCmd(g), newGenPolicyCmd(g),
		newDeployCmd(g), newDeleteCmd(g), newURLCmd(g))
	return root
}

// run executes the CLI and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g := &globalOptions{stdout: stdout, stderr: stderr}
	root := newRootCmd(g)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		if errors.Is(err, cfn.ErrInterrupted) {
			return 130
		}
		fmt.Fprintf(stderr, "chalice: %v\n", err)
		return 1
	}
	return 0
}
