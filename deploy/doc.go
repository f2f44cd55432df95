// Package deploy holds the production layouts (compose.yaml, k8s/) and the
// test that validates them without a Docker engine, a cluster or the
// network. It is a module of its own so that the compose and Kubernetes
// libraries the test needs never reach the services' builds.
package deploy
