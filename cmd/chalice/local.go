package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/chalice-go/chalice/app"
	"github.com/chalice-go/chalice/internal/devserver"
)

func newLocalCmd(g *globalOptions) *cobra.Command {
	o := devserver.Options{AutoReload: true}
	var noReload bool
	cmd := &cobra.Command{
		Use:   "local",
		Short: "Serve the app locally as API Gateway and Lambda would",
		Long: `Build the app and serve it on 127.0.0.1:8000 behind an emulation of API
Gateway (routing, 403s for unknown paths and methods, CORS preflights, API
keys, built-in authorizers, 10 MB limit) in front of an emulation of Lambda
(your app's binary under the Lambda Runtime API, one request per process, a
warm pool of up to --max-concurrency processes, lambda_timeout enforced).

Source changes rebuild the app and swap its processes without dropping
requests; a build error is printed and the previous build keeps serving.

API keys for routes declared with app.APIKeyRequired() come from --api-key
and from .chalice/local.json: {"api_keys": ["..."]}. Without any, those
routes are open (with a warning).`,
		Example: `  chalice local
  chalice local --port 9000 --stage prod
  chalice local --api-key dev-key --no-autoreload
  curl -s http://127.0.0.1:8000/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.ProjectDir = g.projectDir
			o.AutoReload = !noReload
			o.Out = g.stderr
			o.OnStart = func(m *app.Manifest, url string) {
				writeRoutes(g.stdout, m)
				fmt.Fprintf(g.stdout, "\nServing %s (stage %s) on %s/  Ctrl-C stops.\n", m.AppName, o.Stage, url)
			}
			o.OnReload = func(m *app.Manifest, took time.Duration) {
				fmt.Fprintf(g.stderr, "Reloaded %s in %.2fs.\n", m.AppName, took.Seconds())
			}
			return devserver.Run(cmd.Context(), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Host, "host", "127.0.0.1", "the address to listen on (0.0.0.0 exposes the app to your network)")
	f.IntVar(&o.Port, "port", 8000, "the port to listen on")
	f.StringVar(&o.Stage, "stage", "dev", "the stage whose configuration (environment, timeout) to use")
	f.BoolVar(&noReload, "no-autoreload", false, "do not rebuild when sources change")
	f.IntVar(&o.MaxConcurrency, "max-concurrency", 16, "the most app processes per function")
	f.StringArrayVar(&o.APIKeys, "api-key", nil, "an API key to accept (repeatable)")
	return cmd
}
