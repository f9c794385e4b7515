module github.com/chalice-go/chalice

go 1.26

require (
	github.com/aws/aws-lambda-go v1.55.1
	github.com/spf13/cobra v1.10.2
)

require (
	github.com/inconshreveable/mousetrap v1.1.0 // indirect
	github.com/spf13/pflag v1.0.9 // indirect
)
