package local

import (
	"encoding/json"
	"errors"
	"strconv"

	"github.com/aws/aws-lambda-go/events"

	"github.com/chalice-go/chalice/internal/jsonread"
	"github.com/chalice-go/chalice/internal/jsonwrite"
)

// appendEvent encodes a proxy event as API Gateway sends it. It is the hot
// path of every local request; encoding/json's reflection cost a tenth of
// the gateway's CPU. Keys are in a fixed order, maps sorted.
func appendEvent(dst []byte, ev *events.APIGatewayProxyRequest) ([]byte, error) {
	str := jsonwrite.AppendString
	dst = append(dst, `{"resource":`...)
	dst = str(dst, ev.Resource)
	dst = append(dst, `,"path":`...)
	dst = str(dst, ev.Path)
	dst = append(dst, `,"httpMethod":`...)
	dst = str(dst, ev.HTTPMethod)
	dst = append(dst, `,"headers":`...)
	dst = appendStringMap(dst, ev.Headers)
	dst = append(dst, `,"multiValueHeaders":`...)
	dst = appendMultiMap(dst, ev.MultiValueHeaders)
	dst = append(dst, `,"queryStringParameters":`...)
	dst = appendStringMap(dst, ev.QueryStringParameters)
	dst = append(dst, `,"multiValueQueryStringParameters":`...)
	dst = appendMultiMap(dst, ev.MultiValueQueryStringParameters)
	dst = append(dst, `,"pathParameters":`...)
	dst = appendStringMap(dst, ev.PathParameters)
	dst = append(dst, `,"stageVariables":`...)
	dst = appendStringMap(dst, ev.StageVariables)

	rc := &ev.RequestContext
	dst = append(dst, `,"requestContext":{"accountId":`...)
	dst = str(dst, rc.AccountID)
	dst = append(dst, `,"resourceId":`...)
	dst = str(dst, rc.ResourceID)
	dst = append(dst, `,"stage":`...)
	dst = str(dst, rc.Stage)
	dst = append(dst, `,"domainName":`...)
	dst = str(dst, rc.DomainName)
	dst = append(dst, `,"requestId":`...)
	dst = str(dst, rc.RequestID)
	dst = append(dst, `,"protocol":`...)
	dst = str(dst, rc.Protocol)
	dst = append(dst, `,"identity":{"sourceIp":`...)
	dst = str(dst, rc.Identity.SourceIP)
	dst = append(dst, `,"userAgent":`...)
	dst = str(dst, rc.Identity.UserAgent)
	dst = append(dst, `},"resourcePath":`...)
	dst = str(dst, rc.ResourcePath)
	dst = append(dst, `,"path":`...)
	dst = str(dst, rc.Path)
	if rc.Authorizer != nil {
		// Rare and of any shape: claims, principalId, the authorizer's context.
		b, err := json.Marshal(rc.Authorizer)
		if err != nil {
			return nil, err
		}
		dst = append(dst, `,"authorizer":`...)
		dst = append(dst, b...)
	}
	dst = append(dst, `,"httpMethod":`...)
	dst = str(dst, rc.HTTPMethod)
	dst = append(dst, `,"requestTime":`...)
	dst = str(dst, rc.RequestTime)
	dst = append(dst, `,"requestTimeEpoch":`...)
	dst = strconv.AppendInt(dst, rc.RequestTimeEpoch, 10)
	dst = append(dst, `,"apiId":`...)
	dst = str(dst, rc.APIID)
	dst = append(dst, `},"body":`...)
	dst = str(dst, ev.Body)
	dst = append(dst, `,"isBase64Encoded":`...)
	dst = strconv.AppendBool(dst, ev.IsBase64Encoded)
	return append(dst, '}'), nil
}

func appendStringMap(dst []byte, m map[string]string) []byte {
	if m == nil {
		return append(dst, "null"...)
	}
	return jsonwrite.AppendStringMap(dst, m)
}

func appendMultiMap(dst []byte, m map[string][]string) []byte {
	if m == nil {
		return append(dst, "null"...)
	}
	return jsonwrite.AppendStringsMap(dst, m)
}

// proxyResponse is what a Lambda proxy integration returns.
type proxyResponse struct {
	StatusCode        int
	Headers           map[string]string
	MultiValueHeaders map[string][]string
	Body              string
	IsBase64Encoded   bool
}

// parseProxyResponse reads a function's answer as API Gateway does: the
// keys it knows, anything else ignored.
func parseProxyResponse(out []byte) (*proxyResponse, error) {
	var p proxyResponse
	r := jsonread.New(string(out))
	if !r.Object() {
		return nil, errors.New("the response is not an object")
	}
	for {
		key, ok := r.NextKey()
		if !ok {
			break
		}
		switch key {
		case "statusCode":
			p.StatusCode = int(r.Int64())
		case "headers":
			p.Headers = r.StringMap()
		case "multiValueHeaders":
			if r.Object() {
				p.MultiValueHeaders = map[string][]string{}
				for {
					k, ok := r.NextKey()
					if !ok {
						break
					}
					var vs []string
					if r.Array() {
						for r.NextElem() {
							vs = append(vs, r.Str())
						}
					}
					p.MultiValueHeaders[k] = vs
				}
			}
		case "body":
			p.Body = r.Str()
		case "isBase64Encoded":
			p.IsBase64Encoded = r.Bool()
		default:
			r.Skip()
		}
	}
	if err := r.Finish(); err != nil {
		return nil, err
	}
	return &p, nil
}
