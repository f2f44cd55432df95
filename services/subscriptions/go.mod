module github.com/stafett/stafett/services/subscriptions

go 1.26.0

replace (
	github.com/stafett/stafett/pkg => ../../pkg
	github.com/stafett/stafett/proto => ../../proto
)

require (
	github.com/ThreeDotsLabs/watermill v1.5.1 // indirect
	github.com/ThreeDotsLabs/watermill-amqp/v3 v3.0.2 // indirect
	github.com/ThreeDotsLabs/watermill-http/v2 v2.3.1 // indirect
	github.com/google/fhir/go v0.7.4 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/klauspost/compress v1.20.3 // indirect
	github.com/lithammer/shortuuid/v3 v3.0.7 // indirect
	github.com/nats-io/nats.go v1.55.0 // indirect
	github.com/nats-io/nkeys v0.4.16 // indirect
	github.com/nats-io/nuid v1.0.1 // indirect
	github.com/oklog/ulid v1.3.1 // indirect
	github.com/rabbitmq/amqp091-go v1.10.0 // indirect
	github.com/stafett/stafett/pkg v0.0.0 // indirect
	github.com/stafett/stafett/proto v0.0.0 // indirect
	golang.org/x/crypto v0.58.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)
