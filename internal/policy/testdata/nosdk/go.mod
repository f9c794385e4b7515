module example.com/nosdk

go 1.26.0

require github.com/chalice-go/chalice v0.0.0-00010101000000-000000000000

require github.com/aws/aws-lambda-go v1.55.1 // indirect

replace github.com/chalice-go/chalice => ../../../..
