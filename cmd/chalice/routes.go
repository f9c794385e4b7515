package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/chalice-go/chalice/app"
	"github.com/chalice-go/chalice/internal/project"
)

type routesOptions struct {
	json bool
}

func newRoutesCmd(g *globalOptions) *cobra.Command {
	var o routesOptions
	cmd := &cobra.Command{
		Use:   "routes",
		Short: "List the app's routes and other Lambda functions",
		Long: `Build the app, read its manifest, and list every route (method, path, view,
CORS, authorization) and every other Lambda function it declares.`,
		Example: `  chalice routes
  chalice routes --project-dir examples/tutorial
  chalice routes --json | jq '.routes[].path'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := project.Load(g.projectDir)
			if err != nil {
				return err
			}
			p.Progress = g.stderr
			m, err := p.Manifest(cmd.Context())
			if err != nil {
				return err
			}
			if o.json {
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(m)
			}
			return writeRoutes(g.stdout, m)
		},
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print the app's manifest as JSON")
	return cmd
}

// writeRoutes prints the route table and the other functions.
func writeRoutes(w io.Writer, m *app.Manifest) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "METHOD\tPATH\tVIEW\tCORS\tAUTH")
	for _, r := range m.Routes {
		cors := "-"
		if r.CORS != nil {
			cors = r.CORS["Access-Control-Allow-Origin"]
		}
		var auth []string
		if r.Authorizer != "" {
			a := r.Authorizer
			for _, ai := range m.Authorizers {
				if ai.Name == r.Authorizer {
					a += " (" + ai.Type + ")"
				}
			}
			auth = append(auth, a)
		}
		if r.APIKeyRequired {
			auth = append(auth, "api key")
		}
		if auth == nil {
			auth = []string{"-"}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Method, r.Path, r.View, cors, strings.Join(auth, ", "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(m.Routes) == 0 {
		fmt.Fprintln(w, "(no routes)")
	}
	var fns [][3]string
	for _, a := range m.Authorizers {
		if a.Type == app.AuthBuiltin {
			fns = append(fns, [3]string{a.Name, "authorizer", "header " + a.Header})
		}
	}
	for _, f := range m.Functions {
		fns = append(fns, [3]string{f.Name, f.Kind, eventSource(f)})
	}
	if len(fns) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FUNCTION\tKIND\tEVENT SOURCE")
	for _, f := range fns {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f[0], f[1], f[2])
	}
	return tw.Flush()
}

func eventSource(f app.FunctionInfo) string {
	switch f.Kind {
	case app.KindSchedule:
		return f.Schedule
	case app.KindSNS:
		return "topic " + f.Topic
	case app.KindSQS:
		q := f.Queue
		if q == "" {
			q = f.QueueARN
		}
		return fmt.Sprintf("queue %s (batch %d)", q, f.BatchSize)
	case app.KindS3:
		s := "bucket " + f.Bucket + " " + strings.Join(f.Events, ",")
		if f.Prefix != "" {
			s += " prefix " + f.Prefix
		}
		if f.Suffix != "" {
			s += " suffix " + f.Suffix
		}
		return s
	}
	return "invoked directly"
}
