package policy

// sdkService is the import path prefix of aws-sdk-go-v2's service packages.
const sdkService = "github.com/aws/aws-sdk-go-v2/service/"

// prefixes maps an aws-sdk-go-v2 service package to its IAM prefix where
// the two differ or are worth stating; other packages use their own name.
var prefixes = map[string]string{
	"accessanalyzer":          "access-analyzer",
	"acm":                     "acm",
	"apigateway":              "apigateway",
	"appconfigdata":           "appconfig",
	"athena":                  "athena",
	"bedrockruntime":          "bedrock",
	"bedrockagentruntime":     "bedrock",
	"cloudformation":          "cloudformation",
	"cloudfront":              "cloudfront",
	"cloudwatch":              "cloudwatch",
	"cloudwatchevents":        "events",
	"cloudwatchlogs":          "logs",
	"codebuild":               "codebuild",
	"cognitoidentity":         "cognito-identity",
	"cognitoidentityprovider": "cognito-idp",
	"comprehend":              "comprehend",
	"dynamodb":                "dynamodb",
	"dynamodbstreams":         "dynamodb",
	"ec2":                     "ec2",
	"ecr":                     "ecr",
	"ecs":                     "ecs",
	"elasticache":             "elasticache",
	"eventbridge":             "events",
	"firehose":                "firehose",
	"glue":                    "glue",
	"iam":                     "iam",
	"iot":                     "iot",
	"iotdataplane":            "iot",
	"kinesis":                 "kinesis",
	"kms":                     "kms",
	"lambda":                  "lambda",
	"personalizeruntime":      "personalize",
	"pinpoint":                "mobiletargeting",
	"polly":                   "polly",
	"rds":                     "rds",
	"rdsdata":                 "rds-data",
	"rekognition":             "rekognition",
	"route53":                 "route53",
	"s3":                      "s3",
	"s3control":               "s3",
	"sagemakerruntime":        "sagemaker",
	"scheduler":               "scheduler",
	"secretsmanager":          "secretsmanager",
	"ses":                     "ses",
	"sesv2":                   "ses",
	"sfn":                     "states",
	"sns":                     "sns",
	"sqs":                     "sqs",
	"ssm":                     "ssm",
	"sts":                     "sts",
	"textract":                "textract",
	"timestreamwrite":         "timestream",
	"transcribe":              "transcribe",
	"translate":               "translate",
	"xray":                    "xray",
}

// exceptions maps service package → API operation → the IAM actions it
// needs, where the action is not named like the operation.
var exceptions = map[string]map[string][]string{
	"s3": {
		"ListObjectsV2":                      {"ListBucket"},
		"ListObjects":                        {"ListBucket"},
		"HeadObject":                         {"GetObject"},
		"HeadBucket":                         {"ListBucket"},
		"GetObjectAttributes":                {"GetObject"},
		"SelectObjectContent":                {"GetObject"},
		"ListObjectVersions":                 {"ListBucketVersions"},
		"ListBuckets":                        {"ListAllMyBuckets"},
		"DeleteObjects":                      {"DeleteObject"},
		"CopyObject":                         {"GetObject", "PutObject"},
		"CreateMultipartUpload":              {"PutObject"},
		"UploadPart":                         {"PutObject"},
		"UploadPartCopy":                     {"GetObject", "PutObject"},
		"CompleteMultipartUpload":            {"PutObject"},
		"ListMultipartUploads":               {"ListBucketMultipartUploads"},
		"ListParts":                          {"ListMultipartUploadParts"},
		"PutBucketNotificationConfiguration": {"PutBucketNotification"},
		"GetBucketNotificationConfiguration": {"GetBucketNotification"},
		"PutBucketLifecycleConfiguration":    {"PutLifecycleConfiguration"},
		"GetBucketLifecycleConfiguration":    {"GetLifecycleConfiguration"},
	},
	"dynamodb": {
		"TransactGetItems":   {"GetItem"},
		"TransactWriteItems": {"ConditionCheckItem", "DeleteItem", "PutItem", "UpdateItem"},
		"ExecuteStatement":   {"PartiQLDelete", "PartiQLInsert", "PartiQLSelect", "PartiQLUpdate"},
		"BatchExecuteStatement": {
			"PartiQLDelete", "PartiQLInsert", "PartiQLSelect", "PartiQLUpdate"},
		"ExecuteTransaction": {"PartiQLDelete", "PartiQLInsert", "PartiQLSelect", "PartiQLUpdate"},
	},
	"lambda": {
		"Invoke":                   {"InvokeFunction"},
		"InvokeWithResponseStream": {"InvokeFunction"},
		"InvokeAsync":              {"InvokeFunction"},
	},
	"sqs": {
		"SendMessageBatch":             {"SendMessage"},
		"DeleteMessageBatch":           {"DeleteMessage"},
		"ChangeMessageVisibilityBatch": {"ChangeMessageVisibility"},
	},
	"sns": {
		"PublishBatch": {"Publish"},
	},
	"sesv2": {
		"SendEmail": {"SendEmail", "SendRawEmail"},
	},
	"bedrockruntime": {
		"Converse":       {"InvokeModel"},
		"ConverseStream": {"InvokeModelWithResponseStream"},
	},
	"sts": {
		// Needs no permission.
		"GetCallerIdentity": {},
	},
}

// helpers are SDK packages that are not service clients but call services
// for you: type.method → service package and actions.
var helpers = map[string]map[string]helperCall{
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager": {
		// Multipart uploads need s3:PutObject for every part, and
		// s3:AbortMultipartUpload when one fails.
		"Uploader.Upload":     {"s3", []string{"AbortMultipartUpload", "PutObject"}},
		"Downloader.Download": {"s3", []string{"GetObject"}},
	},
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager": {
		"Client.UploadObject":      {"s3", []string{"AbortMultipartUpload", "PutObject"}},
		"Client.UploadDirectory":   {"s3", []string{"AbortMultipartUpload", "PutObject"}},
		"Client.GetObject":         {"s3", []string{"GetObject"}},
		"Client.DownloadObject":    {"s3", []string{"GetObject"}},
		"Client.DownloadDirectory": {"s3", []string{"GetObject", "ListBucket"}},
	},
}

type helperCall struct {
	service string
	actions []string
}
