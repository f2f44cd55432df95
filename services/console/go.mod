module github.com/stafett/stafett/services/console

go 1.26.0

require github.com/stafett/stafett/pkg v0.0.0

require (
	github.com/stafett/stafett/proto v0.0.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)

replace github.com/stafett/stafett/pkg => ../../pkg

replace github.com/stafett/stafett/proto => ../../proto
