// Package cfn deploys templates with CloudFormation change sets: it
// uploads artifacts to S3, creates and shows a change set, executes it and
// follows the stack's events until it settles; and it deletes stacks.
package cfn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation"
	"github.com/aws/aws-sdk-go-v2/service/cloudformation/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// Limits CloudFormation puts on templates.
const (
	MaxInlineTemplate = 51200   // TemplateBody
	MaxTemplate       = 1 << 20 // TemplateURL (S3)
)

// Options shape a Deployer's behaviour and output.
type Options struct {
	// Out receives what the user reads: change sets, events, results.
	Out io.Writer
	// Color adds ANSI colours (a terminal without NO_COLOR).
	Color bool
	// Confirm asks the user; nil means nobody can be asked (no TTY, CI),
	// and the deployment goes ahead.
	Confirm func(question string) (bool, error)
	// Poll is the interval between status checks (default 1 s).
	Poll time.Duration
	// Now is the clock (tests).
	Now func() time.Time
}

// Deployer talks to CloudFormation and S3 in one region.
type Deployer struct {
	CFN    *cloudformation.Client
	S3     *s3.Client
	Region string
	o      Options
}

// New returns a Deployer.
func New(cfn *cloudformation.Client, s3c *s3.Client, region string, o Options) *Deployer {
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Deployer{CFN: cfn, S3: s3c, Region: region, o: o}
}

// ErrInterrupted is returned when the user stopped a deployment.
var ErrInterrupted = errors.New("interrupted")

// StackInput is one deployment.
type StackInput struct {
	StackName string
	// Template is the template body (compact JSON).
	Template []byte
	// Bucket and TemplateKey say where to put a template too large to send
	// inline.
	Bucket, TemplateKey string
	// NoExecute stops after showing the change set.
	NoExecute bool
	// Tags are put on the stack.
	Tags map[string]string
}

// StackResult is the stack after a deployment.
type StackResult struct {
	StackName, StackID string
	Status             string
	Outputs            map[string]string
	// UpToDate: there was nothing to change.
	UpToDate bool
	// ChangeSet is the change set's name when it was not executed.
	ChangeSet string
}

// Stack describes a stack; nil, nil when it does not exist.
func (d *Deployer) Stack(ctx context.Context, name string) (*types.Stack, error) {
	out, err := d.CFN.DescribeStacks(ctx, &cloudformation.DescribeStacksInput{StackName: &name})
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("describe stack %s: %w", name, err)
	}
	for i := range out.Stacks {
		if out.Stacks[i].StackStatus != types.StackStatusDeleteComplete {
			return &out.Stacks[i], nil
		}
	}
	return nil, nil
}

func isNotFound(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && ae.ErrorCode() == "ValidationError" && strings.Contains(ae.ErrorMessage(), "does not exist")
}

// noChanges says whether a failed change set failed for having nothing to do.
func noChanges(reason string) bool {
	return strings.Contains(reason, "The submitted information didn't contain changes") ||
		strings.Contains(reason, "No updates are to be performed")
}

// CheckStack fails early, before any build or upload, when the stack is
// busy with another operation.
func (d *Deployer) CheckStack(ctx context.Context, name string) error {
	st, err := d.Stack(ctx, name)
	if err != nil {
		return err
	}
	if st != nil && busy(st.StackStatus) {
		return busyError(name, st.StackStatus)
	}
	return nil
}

func busy(s types.StackStatus) bool {
	return strings.HasSuffix(string(s), "_IN_PROGRESS") && s != types.StackStatusReviewInProgress
}

func busyError(name string, s types.StackStatus) error {
	return fmt.Errorf("stack %s is %s: wait until it finishes (watch it with `aws cloudformation describe-stack-events --stack-name %s`) and try again", name, s, name)
}

// Deploy creates a change set for the stack, shows it, asks (when it can),
// executes it and follows the stack until it settles.
func (d *Deployer) Deploy(ctx context.Context, in StackInput) (*StackResult, error) {
	if len(in.Template) > MaxTemplate {
		return nil, fmt.Errorf("the template is %d bytes, over CloudFormation's limit of %d even through S3: split the app", len(in.Template), MaxTemplate)
	}
	stack, err := d.Stack(ctx, in.StackName)
	if err != nil {
		return nil, err
	}
	changeType := types.ChangeSetTypeUpdate
	switch {
	case stack == nil:
		changeType = types.ChangeSetTypeCreate
	case stack.StackStatus == types.StackStatusReviewInProgress:
		changeType = types.ChangeSetTypeCreate
	case stack.StackStatus == types.StackStatusRollbackComplete || stack.StackStatus == types.StackStatusCreateFailed ||
		stack.StackStatus == types.StackStatusRollbackFailed:
		d.say("Stack %s is in %s from a failed first deployment; deleting it first.\n", in.StackName, stack.StackStatus)
		if err := d.deleteAndWait(ctx, in.StackName, false); err != nil {
			return nil, err
		}
		changeType = types.ChangeSetTypeCreate
	case busy(stack.StackStatus):
		return nil, busyError(in.StackName, stack.StackStatus)
	}
	// A stack that only exists for this change set (REVIEW_IN_PROGRESS) is
	// ours to remove if the user stops before executing.
	newStack := changeType == types.ChangeSetTypeCreate

	csName := "chalice-" + d.o.Now().UTC().Format("20060102T150405Z")
	ccs := &cloudformation.CreateChangeSetInput{
		StackName:     &in.StackName,
		ChangeSetName: &csName,
		ChangeSetType: changeType,
		Capabilities:  []types.Capability{types.CapabilityCapabilityIam, types.CapabilityCapabilityAutoExpand},
		Description:   aws.String("chalice deploy"),
	}
	for _, k := range slices.Sorted(maps.Keys(in.Tags)) {
		ccs.Tags = append(ccs.Tags, types.Tag{Key: aws.String(k), Value: aws.String(in.Tags[k])})
	}
	if len(in.Template) > MaxInlineTemplate {
		url, err := d.putTemplate(ctx, in.Bucket, in.TemplateKey, in.Template)
		if err != nil {
			return nil, err
		}
		ccs.TemplateURL = &url
	} else {
		ccs.TemplateBody = aws.String(string(in.Template))
	}
	d.say("Creating change set %s (%s) for stack %s...\n", csName, strings.ToLower(string(changeType)), in.StackName)
	created, err := d.CFN.CreateChangeSet(ctx, ccs)
	if err != nil {
		return nil, fmt.Errorf("create change set: %w", err)
	}
	csID := aws.ToString(created.Id)
	abort := func(cause error) error {
		d.cleanUp(in.StackName, csID, newStack)
		return cause
	}
	changes, err := d.waitChangeSet(ctx, csID, in.StackName)
	var empty *emptyChangeSet
	switch {
	case errors.As(err, &empty):
		d.say("No changes to deploy; stack %s is up to date.\n", in.StackName)
		d.deleteChangeSet(ctx, csID)
		st, err := d.Stack(ctx, in.StackName)
		if err != nil {
			return nil, err
		}
		return stackResult(st, true), nil
	case ctx.Err() != nil:
		return nil, abort(d.interruptedBeforeExecute(in.StackName, newStack))
	case err != nil:
		return nil, abort(err)
	}
	d.showChanges(csName, in.StackName, changes)
	if in.NoExecute {
		d.say("Not executed. To execute it: aws cloudformation execute-change-set --stack-name %s --change-set-name %s\n", in.StackName, csName)
		return &StackResult{StackName: in.StackName, ChangeSet: csName}, nil
	}
	if d.o.Confirm != nil {
		ok, err := d.o.Confirm(fmt.Sprintf("Deploy these changes to %s?", in.StackName))
		if ctx.Err() != nil {
			return nil, abort(d.interruptedBeforeExecute(in.StackName, newStack))
		}
		if err != nil {
			return nil, abort(err)
		}
		if !ok {
			d.say("Not deployed; the change set was deleted.\n")
			return nil, abort(ErrInterrupted)
		}
	}
	d.say("Executing change set %s...\n", csName)
	started := d.o.Now().Add(-time.Second) // event clocks are CloudFormation's
	if _, err := d.CFN.ExecuteChangeSet(ctx, &cloudformation.ExecuteChangeSetInput{ChangeSetName: &csID, StackName: &in.StackName}); err != nil {
		if ctx.Err() == nil {
			return nil, abort(fmt.Errorf("execute change set: %w", err))
		}
		// Interrupted during the call: CloudFormation may have started.
		check, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		st, serr := d.Stack(check, in.StackName)
		cancel()
		if serr == nil && st != nil && busy(st.StackStatus) {
			d.stoppedWatching(in.StackName)
			return nil, ErrInterrupted
		}
		return nil, abort(d.interruptedBeforeExecute(in.StackName, newStack))
	}
	st, err := d.follow(ctx, in.StackName, started, true)
	if err != nil {
		return nil, err
	}
	return stackResult(st, false), nil
}

func stackResult(st *types.Stack, upToDate bool) *StackResult {
	r := &StackResult{Outputs: map[string]string{}, UpToDate: upToDate}
	if st == nil {
		return r
	}
	r.StackName, r.StackID, r.Status = aws.ToString(st.StackName), aws.ToString(st.StackId), string(st.StackStatus)
	for _, o := range st.Outputs {
		r.Outputs[aws.ToString(o.OutputKey)] = aws.ToString(o.OutputValue)
	}
	return r
}

func (d *Deployer) interruptedBeforeExecute(stack string, newStack bool) error {
	what := "the change set was deleted"
	if newStack {
		what += ", and the empty stack with it"
	}
	d.say("\nStopped before executing: %s; stack %s is as it was.\n", what, stack)
	return ErrInterrupted
}

// cleanUp removes a change set that will not be executed, and the empty
// REVIEW_IN_PROGRESS stack a CREATE change set made. It runs even when the
// deployment's context is cancelled.
func (d *Deployer) cleanUp(stack, csID string, newStack bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d.deleteChangeSet(ctx, csID)
	if newStack {
		if st, err := d.Stack(ctx, stack); err == nil && st != nil && st.StackStatus == types.StackStatusReviewInProgress {
			d.CFN.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: &stack})
		}
	}
}

func (d *Deployer) deleteChangeSet(ctx context.Context, csID string) {
	d.CFN.DeleteChangeSet(ctx, &cloudformation.DeleteChangeSetInput{ChangeSetName: &csID})
}

type emptyChangeSet struct{ reason string }

func (e *emptyChangeSet) Error() string { return e.reason }

// waitChangeSet polls until the change set is ready and returns all its
// changes (every page).
func (d *Deployer) waitChangeSet(ctx context.Context, csID, stack string) ([]types.Change, error) {
	for {
		out, err := d.CFN.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: &csID, StackName: &stack})
		if err != nil {
			return nil, fmt.Errorf("describe change set: %w", err)
		}
		switch out.Status {
		case types.ChangeSetStatusCreateComplete:
			changes := out.Changes
			for next := out.NextToken; next != nil; {
				page, err := d.CFN.DescribeChangeSet(ctx, &cloudformation.DescribeChangeSetInput{ChangeSetName: &csID, StackName: &stack, NextToken: next})
				if err != nil {
					return nil, fmt.Errorf("describe change set: %w", err)
				}
				changes = append(changes, page.Changes...)
				next = page.NextToken
			}
			return changes, nil
		case types.ChangeSetStatusFailed:
			reason := aws.ToString(out.StatusReason)
			if noChanges(reason) {
				return nil, &emptyChangeSet{reason}
			}
			return nil, fmt.Errorf("the change set failed: %s", reason)
		}
		if err := d.sleep(ctx); err != nil {
			return nil, err
		}
	}
}

func (d *Deployer) sleep(ctx context.Context) error {
	t := time.NewTimer(d.o.Poll)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// showChanges prints the change set as a table.
func (d *Deployer) showChanges(name, stack string, changes []types.Change) {
	d.say("Change set %s for stack %s:\n", name, stack)
	if len(changes) == 0 {
		d.say("  (no resource changes)\n")
	}
	width := 0
	for _, c := range changes {
		if rc := c.ResourceChange; rc != nil {
			width = max(width, len(aws.ToString(rc.LogicalResourceId)))
		}
	}
	for _, c := range changes {
		rc := c.ResourceChange
		if rc == nil {
			continue
		}
		sym, colour := "*", yellow
		switch rc.Action {
		case types.ChangeActionAdd:
			sym, colour = "+", green
		case types.ChangeActionRemove:
			sym, colour = "-", red
		}
		line := fmt.Sprintf("  %s %-7s %-*s  %s", sym, rc.Action, width, aws.ToString(rc.LogicalResourceId), aws.ToString(rc.ResourceType))
		if rc.Replacement != "" && rc.Action == types.ChangeActionModify {
			line += "  replacement: " + string(rc.Replacement)
		}
		d.say("%s\n", d.paint(colour, line))
	}
}

// follow prints the stack's events newer than since, oldest first, until
// the stack settles. A failed or rolled-back stack is an error listing why.
func (d *Deployer) follow(ctx context.Context, stack string, since time.Time, show bool) (*types.Stack, error) {
	seen := map[string]bool{}
	var failures []string
	start := d.o.Now()
	// take shows events and keeps the reasons of failed resources (not
	// the "cancelled" ones that a failure elsewhere causes).
	take := func(events []types.StackEvent) {
		for _, e := range events {
			if show {
				d.printEvent(e, start)
			}
			if r := aws.ToString(e.ResourceStatusReason); strings.HasSuffix(string(e.ResourceStatus), "_FAILED") && r != "" &&
				!strings.Contains(r, "Resource creation cancelled") {
				failures = append(failures, fmt.Sprintf("%s (%s): %s", aws.ToString(e.LogicalResourceId), aws.ToString(e.ResourceType), r))
			}
		}
	}
	for {
		events, err := d.newEvents(ctx, stack, since, seen)
		if err != nil && ctx.Err() == nil {
			return nil, err
		}
		take(events)
		if ctx.Err() != nil {
			d.stoppedWatching(stack)
			return nil, ErrInterrupted
		}
		st, err := d.Stack(ctx, stack)
		if err != nil && ctx.Err() == nil {
			return nil, err
		}
		if st != nil && settled(st.StackStatus) {
			// Events written just before the status changed.
			more, _ := d.newEvents(ctx, stack, since, seen)
			take(more)
			if failed(st.StackStatus) {
				msg := fmt.Sprintf("stack %s ended in %s", stack, st.StackStatus)
				if len(failures) > 0 {
					msg += "; what failed:\n  " + strings.Join(failures, "\n  ")
				}
				return st, errors.New(msg)
			}
			return st, nil
		}
		if st == nil && ctx.Err() == nil {
			return nil, nil // deleted
		}
		if err := d.sleep(ctx); err != nil {
			d.stoppedWatching(stack)
			return nil, ErrInterrupted
		}
	}
}

func (d *Deployer) stoppedWatching(stack string) {
	d.say("\nStopped watching. The deployment goes on in CloudFormation; follow it with:\n  aws cloudformation describe-stack-events --stack-name %s\n", stack)
}

func settled(s types.StackStatus) bool {
	return !strings.HasSuffix(string(s), "_IN_PROGRESS")
}

func failed(s types.StackStatus) bool {
	return strings.Contains(string(s), "ROLLBACK") || strings.HasSuffix(string(s), "_FAILED")
}

// newEvents returns the stack's events after since not seen before, oldest
// first, reading pages (newest first) until it reaches older ones.
func (d *Deployer) newEvents(ctx context.Context, stack string, since time.Time, seen map[string]bool) ([]types.StackEvent, error) {
	var fresh []types.StackEvent
	in := &cloudformation.DescribeStackEventsInput{StackName: &stack}
	for {
		out, err := d.CFN.DescribeStackEvents(ctx, in)
		if isNotFound(err) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("describe stack events: %w", err)
		}
		older := false
		for _, e := range out.StackEvents {
			if e.Timestamp != nil && e.Timestamp.Before(since) {
				older = true
				break
			}
			id := aws.ToString(e.EventId)
			if seen[id] {
				continue
			}
			seen[id] = true
			fresh = append(fresh, e)
		}
		if older || out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	slices.Reverse(fresh)
	return fresh, nil
}

func (d *Deployer) printEvent(e types.StackEvent, start time.Time) {
	status := string(e.ResourceStatus)
	colour := yellow
	switch {
	case strings.HasSuffix(status, "_FAILED"), strings.Contains(status, "ROLLBACK"):
		colour = red
	case strings.HasSuffix(status, "_COMPLETE"):
		colour = green
	}
	elapsed := d.o.Now().Sub(start).Seconds()
	line := fmt.Sprintf("%6.1fs  %-28s %-34s %s", elapsed, d.paint(colour, status), aws.ToString(e.ResourceType), aws.ToString(e.LogicalResourceId))
	if r := aws.ToString(e.ResourceStatusReason); r != "" {
		line += "  " + r
	}
	d.say("%s\n", line)
}

// DeleteStack deletes the stack and follows it. A stack that does not
// exist is not an error: it reports found=false.
func (d *Deployer) DeleteStack(ctx context.Context, name string) (found bool, err error) {
	st, err := d.Stack(ctx, name)
	if err != nil {
		return false, err
	}
	if st == nil {
		return false, nil
	}
	if busy(st.StackStatus) {
		return true, busyError(name, st.StackStatus)
	}
	return true, d.deleteAndWait(ctx, name, true)
}

func (d *Deployer) deleteAndWait(ctx context.Context, name string, show bool) error {
	started := d.o.Now().Add(-time.Second)
	if _, err := d.CFN.DeleteStack(ctx, &cloudformation.DeleteStackInput{StackName: &name}); err != nil {
		return fmt.Errorf("delete stack %s: %w", name, err)
	}
	d.say("Deleting stack %s...\n", name)
	st, err := d.follow(ctx, name, started, show)
	if err != nil {
		return err
	}
	if st != nil && st.StackStatus == types.StackStatusDeleteFailed {
		return fmt.Errorf("stack %s could not be deleted (DELETE_FAILED)", name)
	}
	return nil
}

func (d *Deployer) say(format string, args ...any) {
	fmt.Fprintf(d.o.Out, format, args...)
}

const (
	red    = "31"
	green  = "32"
	yellow = "33"
)

func (d *Deployer) paint(colour, s string) string {
	if !d.o.Color {
		return s
	}
	return "\x1b[" + colour + "m" + s + "\x1b[0m"
}
