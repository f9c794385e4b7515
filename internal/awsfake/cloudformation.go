// Package awsfake serves in-process fakes of the AWS APIs chalice calls,
// for tests that drive the real aws-sdk-go-v2 clients: a scripted
// CloudFormation speaking the query protocol, and S3 (gofakes3).
package awsfake

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"encoding/xml"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// CloudFormation is a small CloudFormation: stacks, change sets and
// events, with knobs that script failures. Its zero value is not usable;
// call NewCloudFormation.
type CloudFormation struct {
	URL string
	srv *httptest.Server

	mu     sync.Mutex
	calls  []string
	stacks map[string]*Stack
	sets   map[string]*changeSet
	seq    int

	// Script; set before the run.
	// ChangeSetFailure makes change sets fail with this reason.
	ChangeSetFailure string
	// Changes are reported for each change set (two per page); by default
	// one Add or Modify of APIHandler.
	Changes []Change
	// FailResource and FailReason make executing fail on that resource,
	// and the stack roll back.
	FailResource, FailReason string
	// DeleteFailReason makes deleting end in DELETE_FAILED.
	DeleteFailResource, DeleteFailReason string
	// Throttle answers Throttling to an action this many times first.
	Throttle map[string]int
	// PendingPolls: DescribeChangeSet says CREATE_PENDING this many times.
	PendingPolls int
	// ManagedBucket is the BucketName output of a bucket stack it creates.
	ManagedBucket string
	// OnExecute runs when a change set is executed.
	OnExecute func()
	// TemplateURLs received by CreateChangeSet.
	TemplateURLs []string
}

// Stack is a fake stack.
type Stack struct {
	Name, ID, Status string
	Outputs          map[string]string
	Template         string
	events           []event
	pending          string // status to reach after one more DescribeStacks
	pendingEvents    []event
	seenPending      bool
}

type event struct {
	id, logical, typ, status, reason string
	at                               time.Time
}

// Change is one resource change in a change set.
type Change struct {
	Action, LogicalID, Type, Replacement string
}

type changeSet struct {
	id, name, stack, typ string
	template             string
	polls                int
	failed               string
}

// NewCloudFormation starts the fake; it stops when the test ends.
func NewCloudFormation(t interface{ Cleanup(func()) }) *CloudFormation {
	f := &CloudFormation{stacks: map[string]*Stack{}, sets: map[string]*changeSet{}, Throttle: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	f.URL = f.srv.URL
	t.Cleanup(f.srv.Close)
	return f
}

// Calls lists the actions received, with the stack or change set they
// name: "CreateChangeSet tutorial-dev".
func (f *CloudFormation) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// AddStack puts a stack in a state, as left by earlier deployments.
func (f *CloudFormation) AddStack(name, status string, outputs map[string]string) *Stack {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := &Stack{Name: name, ID: "arn:aws:cloudformation:us-west-2:123456789012:stack/" + name + "/1", Status: status, Outputs: outputs}
	f.stacks[name] = s
	return s
}

// Stack returns a stack by name (nil when there is none).
func (f *CloudFormation) Stack(name string) *Stack {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stacks[name]
}

func (f *CloudFormation) serve(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	action := r.Form.Get("Action")
	f.mu.Lock()
	defer f.mu.Unlock()
	name := r.Form.Get("StackName")
	if name == "" {
		name = r.Form.Get("ChangeSetName")
	}
	f.calls = append(f.calls, strings.TrimSpace(action+" "+name))
	if f.Throttle[action] > 0 {
		f.Throttle[action]--
		apiError(w, "Throttling", "Rate exceeded")
		return
	}
	var body string
	switch action {
	case "DescribeStacks":
		s := f.stackFor(name)
		if s == nil {
			apiError(w, "ValidationError", "Stack with id "+name+" does not exist")
			return
		}
		f.advance(s)
		if f.stacks[s.Name] == nil { // deleted just now
			apiError(w, "ValidationError", "Stack with id "+name+" does not exist")
			return
		}
		body = "<Stacks><member>" + stackXML(s) + "</member></Stacks>"
	case "CreateChangeSet":
		body = f.createChangeSet(r)
	case "DescribeChangeSet":
		cs := f.sets[r.Form.Get("ChangeSetName")]
		if cs == nil {
			apiError(w, "ChangeSetNotFound", "ChangeSet ["+r.Form.Get("ChangeSetName")+"] does not exist")
			return
		}
		body = f.describeChangeSet(cs, r.Form.Get("NextToken"))
	case "DeleteChangeSet":
		delete(f.sets, r.Form.Get("ChangeSetName"))
	case "ExecuteChangeSet":
		cs := f.sets[r.Form.Get("ChangeSetName")]
		if cs == nil {
			apiError(w, "ChangeSetNotFound", "ChangeSet does not exist")
			return
		}
		f.execute(cs)
		delete(f.sets, cs.id)
		if f.OnExecute != nil {
			f.OnExecute()
		}
	case "DescribeStackEvents":
		s := f.stackFor(name)
		if s == nil {
			apiError(w, "ValidationError", "Stack ["+name+"] does not exist")
			return
		}
		body = eventsXML(s, r.Form.Get("NextToken"))
	case "DeleteStack":
		if s := f.stackFor(name); s != nil {
			s.Status = "DELETE_IN_PROGRESS"
			f.addEvents(s, event{logical: s.Name, typ: "AWS::CloudFormation::Stack", status: "DELETE_IN_PROGRESS"})
			if f.DeleteFailReason != "" {
				s.pending = "DELETE_FAILED"
				s.pendingEvents = []event{
					{logical: f.DeleteFailResource, typ: "AWS::S3::Bucket", status: "DELETE_FAILED", reason: f.DeleteFailReason},
					{logical: s.Name, typ: "AWS::CloudFormation::Stack", status: "DELETE_FAILED", reason: "The following resource(s) failed to delete: [" + f.DeleteFailResource + "]."},
				}
			} else {
				s.pending = "DELETE_COMPLETE"
			}
		}
	case "CreateStack":
		s := &Stack{Name: name, ID: "arn:aws:cloudformation:us-west-2:123456789012:stack/" + name + "/1", Status: "CREATE_IN_PROGRESS",
			Template: r.Form.Get("TemplateBody"), pending: "CREATE_COMPLETE", Outputs: map[string]string{"BucketName": f.ManagedBucket}}
		f.stacks[name] = s
		f.addEvents(s, event{logical: name, typ: "AWS::CloudFormation::Stack", status: "CREATE_IN_PROGRESS"})
		body = "<StackId>" + s.ID + "</StackId>"
	default:
		apiError(w, "InvalidAction", "fake CloudFormation does not implement "+action)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, "<%sResponse><%sResult>%s</%sResult><ResponseMetadata><RequestId>fake</RequestId></ResponseMetadata></%sResponse>",
		action, action, body, action, action)
}

func (f *CloudFormation) stackFor(name string) *Stack {
	if s, ok := f.stacks[name]; ok {
		return s
	}
	for _, s := range f.stacks {
		if s.ID == name {
			return s
		}
	}
	return nil
}

// advance moves an in-progress stack to its end state, two polls later.
func (f *CloudFormation) advance(s *Stack) {
	if s.pending == "" {
		return
	}
	if !s.seenPending { // the first look still sees it in progress
		s.seenPending = true
		return
	}
	s.seenPending = false
	end := s.pending
	s.pending = ""
	f.addEvents(s, s.pendingEvents...)
	s.pendingEvents = nil
	if end == "DELETE_COMPLETE" {
		delete(f.stacks, s.Name)
		return
	}
	s.Status = end
	f.addEvents(s, event{logical: s.Name, typ: "AWS::CloudFormation::Stack", status: end})
}

func (f *CloudFormation) addEvents(s *Stack, evs ...event) {
	for _, e := range evs {
		f.seq++
		e.id = "ev-" + strconv.Itoa(f.seq)
		e.at = time.Now()
		s.events = append(s.events, e)
	}
}

func (f *CloudFormation) createChangeSet(r *http.Request) string {
	name := r.Form.Get("StackName")
	caps := []string{}
	for i := 1; r.Form.Get("Capabilities.member."+strconv.Itoa(i)) != ""; i++ {
		caps = append(caps, r.Form.Get("Capabilities.member."+strconv.Itoa(i)))
	}
	tmpl := r.Form.Get("TemplateBody")
	if u := r.Form.Get("TemplateURL"); u != "" {
		f.TemplateURLs = append(f.TemplateURLs, u)
		tmpl = "url:" + u
	}
	s := f.stacks[name]
	if r.Form.Get("ChangeSetType") == "CREATE" && s == nil {
		s = &Stack{Name: name, ID: "arn:aws:cloudformation:us-west-2:123456789012:stack/" + name + "/" + strconv.Itoa(len(f.calls)), Status: "REVIEW_IN_PROGRESS"}
		f.stacks[name] = s
	}
	f.seq++
	cs := &changeSet{id: "arn:aws:cloudformation:us-west-2:123456789012:changeSet/" + r.Form.Get("ChangeSetName") + "/" + strconv.Itoa(f.seq),
		name: r.Form.Get("ChangeSetName"), stack: name, typ: r.Form.Get("ChangeSetType"), template: tmpl, polls: f.PendingPolls}
	switch {
	case !slices.Contains(caps, "CAPABILITY_IAM"):
		cs.failed = "Requires capabilities : [CAPABILITY_IAM]"
	case f.ChangeSetFailure != "":
		cs.failed = f.ChangeSetFailure
	case s != nil && s.Template != "" && s.Template == tmpl:
		cs.failed = "The submitted information didn't contain changes. Submit different information to create a change set."
	}
	f.sets[cs.id] = cs
	return "<Id>" + cs.id + "</Id><StackId>" + s.ID + "</StackId>"
}

func (f *CloudFormation) changes(cs *changeSet) []Change {
	if f.Changes != nil {
		return f.Changes
	}
	if cs.typ == "CREATE" {
		return []Change{{"Add", "APIHandler", "AWS::Lambda::Function", ""}, {"Add", "RestAPI", "AWS::ApiGateway::RestApi", ""}, {"Add", "DefaultRole", "AWS::IAM::Role", ""}}
	}
	return []Change{{"Modify", "APIHandler", "AWS::Lambda::Function", "False"}}
}

func (f *CloudFormation) describeChangeSet(cs *changeSet, token string) string {
	if cs.polls > 0 {
		cs.polls--
		return "<Status>CREATE_PENDING</Status><ChangeSetId>" + cs.id + "</ChangeSetId>"
	}
	if cs.failed != "" {
		return "<Status>FAILED</Status><StatusReason>" + esc(cs.failed) + "</StatusReason><ChangeSetId>" + cs.id + "</ChangeSetId>"
	}
	all := f.changes(cs)
	start, _ := strconv.Atoi(token)
	end := min(start+2, len(all))
	var b strings.Builder
	b.WriteString("<Status>CREATE_COMPLETE</Status><ExecutionStatus>AVAILABLE</ExecutionStatus><ChangeSetId>" + cs.id + "</ChangeSetId><Changes>")
	for _, c := range all[start:end] {
		b.WriteString("<member><Type>Resource</Type><ResourceChange><Action>" + c.Action + "</Action><LogicalResourceId>" + c.LogicalID +
			"</LogicalResourceId><ResourceType>" + c.Type + "</ResourceType>")
		if c.Replacement != "" {
			b.WriteString("<Replacement>" + c.Replacement + "</Replacement>")
		}
		b.WriteString("</ResourceChange></member>")
	}
	b.WriteString("</Changes>")
	if end < len(all) {
		b.WriteString("<NextToken>" + strconv.Itoa(end) + "</NextToken>")
	}
	return b.String()
}

func (f *CloudFormation) execute(cs *changeSet) {
	s := f.stacks[cs.stack]
	verb := "UPDATE"
	if s.Status == "REVIEW_IN_PROGRESS" {
		verb = "CREATE"
	}
	s.Status = verb + "_IN_PROGRESS"
	f.addEvents(s, event{logical: s.Name, typ: "AWS::CloudFormation::Stack", status: s.Status, reason: "User Initiated"})
	for _, c := range f.changes(cs) {
		f.addEvents(s, event{logical: c.LogicalID, typ: c.Type, status: verb + "_IN_PROGRESS"})
	}
	if f.FailResource != "" {
		s.pendingEvents = []event{{logical: f.FailResource, typ: "AWS::Lambda::Function", status: verb + "_FAILED", reason: f.FailReason}}
		if verb == "CREATE" {
			s.pending = "ROLLBACK_COMPLETE"
		} else {
			s.pending = "UPDATE_ROLLBACK_COMPLETE"
		}
		return
	}
	for _, c := range f.changes(cs) {
		s.pendingEvents = append(s.pendingEvents, event{logical: c.LogicalID, typ: c.Type, status: verb + "_COMPLETE"})
	}
	s.pending = verb + "_COMPLETE"
	s.Template = cs.template
	s.Outputs = map[string]string{
		"EndpointURL":    "https://abc123.execute-api.us-west-2.amazonaws.com/api/",
		"RestAPIId":      "abc123",
		"APIHandlerName": s.Name + "-APIHandler-XYZ",
		"APIHandlerArn":  "arn:aws:lambda:us-west-2:123456789012:function:" + s.Name + "-APIHandler-XYZ",
	}
}

func stackXML(s *Stack) string {
	var b strings.Builder
	b.WriteString("<StackName>" + s.Name + "</StackName><StackId>" + s.ID + "</StackId><StackStatus>" + s.Status +
		"</StackStatus><CreationTime>2026-11-26T00:00:00Z</CreationTime><Outputs>")
	for _, k := range sortedKeys(s.Outputs) {
		b.WriteString("<member><OutputKey>" + k + "</OutputKey><OutputValue>" + esc(s.Outputs[k]) + "</OutputValue></member>")
	}
	b.WriteString("</Outputs>")
	return b.String()
}

// eventsXML pages the stack's events, newest first, three per page.
func eventsXML(s *Stack, token string) string {
	evs := slices.Clone(s.events)
	slices.Reverse(evs)
	start, _ := strconv.Atoi(token)
	end := min(start+3, len(evs))
	var b strings.Builder
	b.WriteString("<StackEvents>")
	for _, e := range evs[start:end] {
		b.WriteString("<member><EventId>" + e.id + "</EventId><StackName>" + s.Name + "</StackName><StackId>" + s.ID +
			"</StackId><LogicalResourceId>" + e.logical + "</LogicalResourceId><ResourceType>" + e.typ +
			"</ResourceType><ResourceStatus>" + e.status + "</ResourceStatus><Timestamp>" + e.at.UTC().Format(time.RFC3339Nano) + "</Timestamp>")
		if e.reason != "" {
			b.WriteString("<ResourceStatusReason>" + esc(e.reason) + "</ResourceStatusReason>")
		}
		b.WriteString("</member>")
	}
	b.WriteString("</StackEvents>")
	if end < len(evs) {
		b.WriteString("<NextToken>" + strconv.Itoa(end) + "</NextToken>")
	}
	return b.String()
}

func apiError(w http.ResponseWriter, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, "<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>fake</RequestId></ErrorResponse>", code, esc(msg))
}

func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// S3 is gofakes3 over memory, with buckets already made. It also records
// the encryption each PUT asked for, which gofakes3 does not keep.
type S3 struct {
	URL     string
	Backend *s3mem.Backend

	mu  sync.Mutex
	sse map[string]string // "bucket/key" → x-amz-server-side-encryption
}

// NewS3 starts a fake S3 with the given buckets; it stops when the test ends.
func NewS3(t interface{ Cleanup(func()) }, buckets ...string) *S3 {
	be := s3mem.New()
	for _, b := range buckets {
		be.CreateBucket(b)
	}
	s := &S3{Backend: be, sse: map[string]string{}}
	fake := gofakes3.New(be).Server()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut {
			s.mu.Lock()
			s.sse[strings.TrimPrefix(r.URL.Path, "/")] = r.Header.Get("X-Amz-Server-Side-Encryption")
			s.mu.Unlock()
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Encryption reports the server-side encryption a PUT of bucket/key asked for.
func (s *S3) Encryption(bucket, key string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sse[bucket+"/"+key]
}

// Keys lists a bucket's object keys.
func (s *S3) Keys(bucket string) []string {
	res, err := s.Backend.ListBucket(bucket, &gofakes3.Prefix{}, gofakes3.ListBucketPage{})
	if err != nil {
		return nil
	}
	var keys []string
	for _, c := range res.Contents {
		keys = append(keys, c.Key)
	}
	return keys
}
