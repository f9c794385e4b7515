module github.com/chalice-go/chalice/bench

go 1.26.0

require (
	github.com/aws/aws-lambda-go v1.55.1
	github.com/chalice-go/chalice v0.0.0
)

require github.com/awslabs/aws-lambda-go-api-proxy v0.16.2

replace github.com/chalice-go/chalice => ../
