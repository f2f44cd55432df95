// Package accesstest holds the fakes every service's tests use in place of
// the consent service and the access log: a programmable, counting checker
// and a counting log. Counting is how tests prove that denied and absent do
// the same work, without timing anything.
package accesstest

import (
	"context"
	"sync"

	"github.com/stafett/stafett/pkg/access"
	consentv1 "github.com/stafett/stafett/proto/stafett/consent/v1"
)

// Rule decides one check.
type Rule func(*consentv1.CheckAccessRequest) *consentv1.CheckAccessResponse

// Permit is a permitting answer with its basis.
func Permit(basis consentv1.Basis, consentID string) *consentv1.CheckAccessResponse {
	return &consentv1.CheckAccessResponse{Decision: consentv1.Decision_DECISION_PERMIT, Basis: basis, ConsentId: consentID}
}

// Deny is the denying answer.
func Deny() *consentv1.CheckAccessResponse {
	return &consentv1.CheckAccessResponse{Decision: consentv1.Decision_DECISION_DENY}
}

// Checker is a fake consent service: it answers by its rule and counts calls.
type Checker struct {
	mu     sync.Mutex
	rule   Rule
	err    error
	calls  int
	checks int
}

// NewChecker answers every check by rule; a nil rule denies everything.
func NewChecker(rule Rule) *Checker { return &Checker{rule: rule} }

// SetRule replaces the rule.
func (c *Checker) SetRule(rule Rule) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rule = rule
}

// Fail makes every later call fail with err (nil heals it).
func (c *Checker) Fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.err = err
}

// Counts is how many calls were made and how many checks they carried.
func (c *Checker) Counts() (calls, checks int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls, c.checks
}

func (c *Checker) decide(req *consentv1.CheckAccessRequest) *consentv1.CheckAccessResponse {
	if c.rule == nil {
		return Deny()
	}
	if resp := c.rule(req); resp != nil {
		return resp
	}
	return Deny()
}

// CheckAccess answers one check.
func (c *Checker) CheckAccess(_ context.Context, req *consentv1.CheckAccessRequest) (*consentv1.CheckAccessResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	c.checks++
	if c.err != nil {
		return nil, c.err
	}
	return c.decide(req), nil
}

// BatchCheckAccess answers checks in order.
func (c *Checker) BatchCheckAccess(_ context.Context, req *consentv1.BatchCheckAccessRequest) (*consentv1.BatchCheckAccessResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	c.checks += len(req.GetChecks())
	if c.err != nil {
		return nil, c.err
	}
	resp := &consentv1.BatchCheckAccessResponse{}
	for _, r := range req.GetChecks() {
		resp.Results = append(resp.Results, c.decide(r))
	}
	return resp, nil
}

// Log counts access-log records and passes them on to an inner log, if any.
type Log struct {
	inner   access.Log
	mu      sync.Mutex
	records int
}

// NewLog wraps inner (nil: keep nothing, just count).
func NewLog(inner access.Log) *Log { return &Log{inner: inner} }

// Record counts the entry and hands it on.
func (l *Log) Record(ctx context.Context, entry *consentv1.AccessLogEntry) error {
	l.mu.Lock()
	l.records++
	l.mu.Unlock()
	if l.inner == nil {
		return nil
	}
	return l.inner.Record(ctx, entry)
}

// Records is how many entries were recorded.
func (l *Log) Records() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.records
}
