package authn

import (
	"context"
	"slices"
	"sync"
	"time"

	"google.golang.org/grpc/credentials"
)

const (
	// serviceTokenTTL is short because a service token is powerful (only
	// services may call CheckAccess) and minting one costs next to nothing.
	serviceTokenTTL = 5 * time.Minute
	// serviceTokenRenewBefore leaves room for clock skew between caller and
	// callee and for a call that is slow to reach the server.
	serviceTokenRenewBefore = time.Minute
)

// ServiceCredentials returns per-RPC credentials that authenticate a client
// connection as the named service (role service) with the given scopes,
// signed with the signer's service key: the only way to mint a service
// identity. The token is minted on first use and reused until a minute before
// it expires. Use it with grpc.WithPerRPCCredentials.
func ServiceCredentials(s *Signer, service string, scopes []string, now func() time.Time) credentials.PerRPCCredentials {
	if now == nil {
		now = time.Now
	}
	return &serviceCredentials{
		signer: s,
		spec: TokenSpec{
			Subject: service,
			Role:    RoleService,
			Service: service,
			Scopes:  slices.Clone(scopes),
		},
		now: now,
	}
}

type serviceCredentials struct {
	signer *Signer
	spec   TokenSpec
	now    func() time.Time

	mu      sync.Mutex // concurrent RPCs share one token
	token   string
	renewAt time.Time
}

func (c *serviceCredentials) GetRequestMetadata(_ context.Context, _ ...string) (map[string]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if c.token == "" || !now.Before(c.renewAt) {
		tok, err := c.signer.mintService(c.spec, now, serviceTokenTTL)
		if err != nil {
			return nil, err
		}
		c.token, c.renewAt = tok, now.Add(serviceTokenTTL-serviceTokenRenewBefore)
	}
	return map[string]string{"authorization": "Bearer " + c.token}, nil
}

// RequireTransportSecurity is false because services reach each other over
// loopback in `stafett dev` and through the mesh (which terminates mTLS) in
// production; transport encryption is the deployment's job, not the
// credential's, and requiring it here would break the loopback case.
func (c *serviceCredentials) RequireTransportSecurity() bool { return false }
