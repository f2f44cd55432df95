module github.com/stafett/stafett/services/subscriptions

go 1.26.0

replace (
	github.com/stafett/stafett/pkg => ../../pkg
	github.com/stafett/stafett/proto => ../../proto
)

require (
	github.com/stafett/stafett/pkg v0.0.0 // indirect
	github.com/stafett/stafett/proto v0.0.0 // indirect
)
