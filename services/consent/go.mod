module github.com/stafett/stafett/services/consent

go 1.26.0

require (
	github.com/stafett/stafett/pkg v0.0.0
	github.com/stafett/stafett/proto v0.0.0
	google.golang.org/protobuf v1.36.12
)

require (
	golang.org/x/net v0.60.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20261019180522-ce908d29299b // indirect
	google.golang.org/grpc v1.85.0 // indirect
)

replace (
	github.com/stafett/stafett/pkg => ../../pkg
	github.com/stafett/stafett/proto => ../../proto
)
